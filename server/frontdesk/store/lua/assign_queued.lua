-- assign_queued.lua: assign queued conversations strictly in order while their widgets'
-- routing can (an agent became available or freed capacity).
-- Mirrors (store/memory.py): MemoryStore.assign_queued and MemoryStore._drain; the store contract
-- suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..13] and defines the routing functions.)
--
-- KEYS[1..13] as in routing.lua
-- ARGV none.
-- Returns JSON {assigned: [view...], moved: [view...]}; when any was assigned, every
-- conversation still queued is in `moved` with its new position. Bumps the version when any
-- was assigned.
local length = redis.call('LLEN', K_QUEUE)
if length == 0 then
  return cjson.encode({assigned = {}, moved = {}})
end
local assigned, moved = drain(load_agents(), length)
if #assigned > 0 then
  bump_version()
end
return cjson.encode({assigned = assigned, moved = moved})

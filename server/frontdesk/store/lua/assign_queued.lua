-- assign_queued.lua: assign queued conversations strictly in order while their widgets'
-- routing can (an agent became available or freed capacity).
-- Mirrors MemoryConversations.assign_queued and _drain (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines the routing functions.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] now (epoch seconds)
-- Returns JSON {assigned: [view...], moved: [view...]}: moved are the queued conversations
-- whose frame must go out again (position or estimate changed). Bumps the version when any
-- was assigned.
local length = redis.call('LLEN', K_QUEUE)
if length == 0 then
  return cjson.encode({assigned = {}, moved = {}})
end
local assigned, moved = drain(load_agents(), tonumber(ARGV[1]))
if #assigned > 0 then
  bump_version()
end
return cjson.encode({assigned = assigned, moved = moved})

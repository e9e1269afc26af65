-- start_conversation.lua: route and record a new conversation in one step.
-- Mirrors (store/memory.py): MemoryStore.start_conversation and MemoryStore._try_assign (routing:
-- core.routing.choose_agents); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..13] and defines the routing functions.)
--
-- KEYS[1..13] as in routing.lua
-- ARGV[1] conversation id
-- ARGV[2] widget id
-- ARGV[3] visitor id
-- ARGV[4] "1" when the visitor sent a text, else "0"
-- ARGV[5] the text (or "")
-- Returns nil when the account has no such widget, else JSON {existing: 0|1, c: view}. A
-- visitor with an open conversation on the widget gets that one back (existing = 1).
-- Otherwise it is queued when the account already has a queue (nothing overtakes) or when
-- nobody can take it, else assigned by the widget's routing. Bumps the version when new.
local id, widget, visitor = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', K_ROUTING, widget) == 0 then
  return false
end
local visitor_key = widget .. ' ' .. visitor
local existing = redis.call('HGET', K_VISITORS, visitor_key)
if existing then
  local found = read_view(existing)
  if found then
    return cjson.encode({existing = 1, c = found})
  end
end
local record = {w = widget, v = visitor, s = 'queued', a = {}}
if ARGV[4] == '1' then
  record.t = ARGV[5]
end
redis.call('HSET', K_VISITORS, visitor_key, id)
redis.call('ZADD', K_OPEN, redis.call('HINCRBY', K_META, 'cseq', 1), id)
bump_version()
if redis.call('LLEN', K_QUEUE) == 0 and try_assign(load_agents(), id, record) then
  return cjson.encode({existing = 0, c = view(id, record, nil)})
end
local position = redis.call('RPUSH', K_QUEUE, id)
redis.call('HSET', K_CONVS, id, cjson.encode(record))
return cjson.encode({existing = 0, c = view(id, record, position)})

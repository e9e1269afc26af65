-- start_conversation.lua: route and record a new conversation in one step.
-- Mirrors MemoryConversations.start_conversation (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines the routing functions.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] conversation id
-- ARGV[2] widget id
-- ARGV[3] visitor id
-- ARGV[4] "1" when the visitor sent a text, else "0"
-- ARGV[5] the text (or "")
-- ARGV[6] now (epoch seconds)
-- Returns nil when the account has no such widget, else JSON {existing: 0|1, c: view}. A
-- visitor with an open conversation on the widget gets that one back (existing = 1).
-- Otherwise it is queued when the account already has a queue (nothing overtakes) or when
-- nobody can take it, else assigned by the widget's routing. A start that would be queued
-- behind max_queue others is refused, storing nothing: {existing: 0, rejected: offline
-- message, c: {id, w, v, s: "rejected"}}. Bumps the version when new.
local id, widget, visitor, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[6])
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
local _, _, max_queue = widget_routing(widget)
local length = redis.call('LLEN', K_QUEUE)
if length > 0 and max_queue > 0 and length >= max_queue then  -- core.queue.is_queue_full
  local message = ''
  local document = redis.call('HGET', K_WIDGETS, widget)
  if document then
    message = cjson.decode(document).offline_message or ''
  end
  return cjson.encode({existing = 0, rejected = message,
                       c = {id = id, w = widget, v = visitor, s = 'rejected', a = {}, st = now}})
end
local record = {w = widget, v = visitor, s = 'queued', a = {}, st = now}
if ARGV[4] == '1' then
  record.t = ARGV[5]
end
redis.call('HSET', K_VISITORS, visitor_key, id)
redis.call('ZADD', K_OPEN, redis.call('HINCRBY', K_META, 'cseq', 1), id)
bump_version()
if length == 0 and try_assign(load_agents(), id, record, now) then
  return cjson.encode({existing = 0, c = view(id, record, nil)})
end
enqueue(id, record, now)
pushes(now)  -- only the new one moved: it is told by the start's answer
return cjson.encode({existing = 0, c = read_view(id)})

-- abandon_queued.lua: close the visitor's queued conversation on a widget if the visitor is
-- still gone (no open socket on any process), and move the queue forward.
-- Mirrors MemoryConversations.abandon_queued (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines close_conversation.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] widget id
-- ARGV[2] visitor id
-- ARGV[3] now (epoch seconds)
-- Returns nil when a socket of the visitor is open again or the visitor has no queued
-- conversation on the widget, else the close result as in close_conversation.lua. The socket
-- count and the close are one step, so a visitor who comes back in between keeps theirs.
local visitor_key = ARGV[1] .. ' ' .. ARGV[2]
if tonumber(redis.call('HGET', K_VISITOR_SOCKETS, visitor_key) or '0') > 0 then
  return false
end
local id = redis.call('HGET', K_VISITORS, visitor_key)
if not id then
  return false
end
local raw = redis.call('HGET', K_CONVS, id)
if not raw or cjson.decode(raw).s ~= 'queued' then
  return false
end
return cjson.encode(close_conversation(id, tonumber(ARGV[3]), 'abandoned'))

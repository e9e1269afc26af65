-- open_conversations.lua: the account's assigned and queued conversations, in the order they
-- started (which is queue order for the queued), queued ones with their positions.
-- Mirrors MemoryConversations.open_conversations (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines the helpers.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV none.
-- Returns a JSON list of views (an empty list may come back as {}).
local positions = {}
for i, id in ipairs(redis.call('LRANGE', K_QUEUE, 0, -1)) do
  positions[id] = i
end
local result = {}
for _, id in ipairs(redis.call('ZRANGE', K_OPEN, 0, -1)) do
  local raw = redis.call('HGET', K_CONVS, id)
  if raw then
    local record = cjson.decode(raw)
    result[#result + 1] = view(id, record, positions[id])
  end
end
return cjson.encode(result)

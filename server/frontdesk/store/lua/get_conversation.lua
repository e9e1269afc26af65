-- get_conversation.lua: one conversation with its current queue position.
-- Mirrors MemoryConversations.get_conversation and _view (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines the helpers.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] conversation id
-- Returns the view as JSON, or nil when the account has no such conversation.
local found = read_view(ARGV[1])
if not found then
  return false
end
return cjson.encode(found)

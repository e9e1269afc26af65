-- close_conversation.lua: close a conversation, free its agents' capacity, drain the queue.
-- Mirrors MemoryConversations.close_conversation and _prune_closed (store/memory_conversations.py); the store contract suite holds the two together.
-- (routing.lua is prepended: it names KEYS[1..21] and defines close_conversation.)
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] conversation id
-- ARGV[2] now (epoch seconds); ARGV[3] how long a closed conversation is kept (seconds)
-- ARGV[4] the close reason: closed | expired | abandoned
-- Returns nil for an unknown conversation, else JSON {was_open: 0|1, c: view,
-- assigned: [view...], moved: [view...]} (see drain in routing.lua). Closing one already
-- closed changes nothing (was_open = 0). Bumps the version when it was open. Adds
-- pruned: [id...] when conversations closed longer ago than the retention were forgotten.
local result = close_conversation(ARGV[1], tonumber(ARGV[2]), ARGV[4])
if not result then
  return false
end
local pruned = prune_closed(tonumber(ARGV[2]) - tonumber(ARGV[3]), 100)
if #pruned > 0 then
  result.pruned = pruned
end
return cjson.encode(result)

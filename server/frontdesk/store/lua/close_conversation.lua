-- close_conversation.lua: close a conversation, free its agents' capacity, drain the queue.
-- (routing.lua is prepended: it names KEYS[1..12] and defines close_conversation.)
--
-- KEYS[1..12] as in routing.lua
-- ARGV[1] conversation id
-- Returns nil for an unknown conversation, else JSON {was_open: 0|1, c: view,
-- assigned: [view...], moved: [view...]} (see drain in routing.lua). Closing one already
-- closed changes nothing (was_open = 0). Bumps the version when it was open.
local result = close_conversation(ARGV[1])
if not result then
  return false
end
return cjson.encode(result)

-- close_conversation.lua: close a conversation, free its agents' capacity, drain the queue.
-- (routing.lua is prepended: it names KEYS[1..11] and defines the routing functions.)
--
-- KEYS[1..11] as in routing.lua
-- ARGV[1] conversation id
-- Returns nil for an unknown conversation, else JSON {was_open: 0|1, c: view,
-- assigned: [view...], moved: [view...]} (see drain in routing.lua). Closing one already
-- closed changes nothing (was_open = 0). Bumps the version when it was open.
local id = ARGV[1]
local raw = redis.call('HGET', K_CONVS, id)
if not raw then
  return false
end
local record = cjson.decode(raw)
if record.s == 'closed' then
  return cjson.encode({was_open = 0, c = view(id, record, nil), assigned = {}, moved = {}})
end
local moved_from = redis.call('LLEN', K_QUEUE)
if record.s == 'queued' then
  local index = redis.call('LPOS', K_QUEUE, id)
  if index then
    moved_from = index
    redis.call('LREM', K_QUEUE, 1, id)
  end
end
for _, ref in ipairs(record.a) do
  if redis.call('HEXISTS', K_AGENTS, ref[1]) == 1 then
    if redis.call('HINCRBY', K_LOAD, ref[1], -1) <= 0 then
      redis.call('HDEL', K_LOAD, ref[1])
    end
  end
end
redis.call('HDEL', K_VISITORS, record.w .. ' ' .. record.v)
redis.call('ZREM', K_OPEN, id)
record.s = 'closed'
redis.call('HSET', K_CONVS, id, cjson.encode(record))
bump_version()
local assigned, moved = drain(load_agents(), moved_from)
return cjson.encode({was_open = 1, c = view(id, record, nil), assigned = assigned,
                     moved = moved})

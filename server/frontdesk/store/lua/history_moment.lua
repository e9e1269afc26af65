-- history_moment.lua: record what happened to a conversation; measure its wait for an agent.
--
-- KEYS[1] frontdesk:{acct}:history:moments   zset "<ms> <moment> <conversation>" by ms
-- KEYS[2] frontdesk:{acct}:history:waiting   hash conversation -> start ms, for queued ones
--                                            not yet assigned
-- ARGV[1] the time, epoch milliseconds (a whole number)
-- ARGV[2] the moment: started | started_queued | queued | assigned | closed | rejected
-- ARGV[3] the conversation id (for a rejected start, a made-up unique id)
-- ARGV[4] the horizon, epoch milliseconds: moments before it are dropped
-- Returns the wait in ms when this moment is the conversation's first assignment ("started":
-- 0), else false.
local at, moment, conversation = tonumber(ARGV[1]), ARGV[2], ARGV[3]
redis.call('ZADD', KEYS[1], at, ARGV[1] .. ' ' .. moment .. ' ' .. conversation)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
if moment == 'started' then
  return 0
elseif moment == 'started_queued' then
  redis.call('HSET', KEYS[2], conversation, ARGV[1])
elseif moment == 'assigned' then
  local started = redis.call('HGET', KEYS[2], conversation)
  if started then
    redis.call('HDEL', KEYS[2], conversation)
    return math.max(0, at - tonumber(started))
  end
elseif moment == 'closed' then
  redis.call('HDEL', KEYS[2], conversation)
end
return false

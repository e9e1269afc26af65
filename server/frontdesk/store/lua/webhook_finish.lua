-- webhook_finish.lua: replace a delivery's record if it is still the one the caller read.
--
-- KEYS[1] frontdesk:{acct}:wh:due      zset "<webhook> <event>" -> when it may be attempted
-- ARGV[1] per-webhook key prefix (see webhook_accept.lua)
-- ARGV[2] webhook   ARGV[3] event   ARGV[4] the record as read   ARGV[5] the new record
-- ARGV[6] when it is due next, or '' to take it off the schedule
-- Returns 1 if replaced, 0 if the record changed meanwhile (another process's attempt or a
-- redelivery request won; their schedule stands) or is gone.
local deliveries = ARGV[1] .. ARGV[2] .. ':deliveries'
if redis.call('HGET', deliveries, ARGV[3]) ~= ARGV[4] then
  return 0
end
redis.call('HSET', deliveries, ARGV[3], ARGV[5])
local member = ARGV[2] .. ' ' .. ARGV[3]
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[1], member)
else
  redis.call('ZADD', KEYS[1], ARGV[6], member)
end
return 1

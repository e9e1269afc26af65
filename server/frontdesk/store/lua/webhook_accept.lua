-- webhook_accept.lua: record one event for every webhook of the account that wants its type.
--
-- KEYS[1] frontdesk:{acct}:wh:types    hash webhook -> "*" or ",type,type,"
-- KEYS[2] frontdesk:{acct}:wh:seq      string, the account's last event seq
-- KEYS[3] frontdesk:{acct}:wh:bodies   hash event -> body bytes
-- KEYS[4] frontdesk:{acct}:wh:times    zset event -> occurred_at (for the 7-day retention)
-- KEYS[5] frontdesk:{acct}:wh:due      zset "<webhook> <event>" -> when it may be attempted
-- ARGV[1] per-webhook key prefix, frontdesk:{acct}:wh:hook: (same slot: the account's tag);
--         a webhook's log is <prefix><id>:log (zset event -> seq) and its deliveries
--         <prefix><id>:deliveries (hash event -> record)
-- ARGV[2] event id   ARGV[3] type   ARGV[4] body head   ARGV[5] body tail
-- ARGV[6] record head   ARGV[7] record tail (a record is head .. seq .. tail)
-- ARGV[8] occurred_at   ARGV[9] now   ARGV[10] retention cutoff (forget events before it)
-- ARGV[11] the seq publish_if_changed.lua gave the event, or '' to take the next of KEYS[2]
-- Returns the event's seq, or false when the account has no webhook (no seq is taken then).
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[10], 'LIMIT', 0, 50)
local hooks = redis.call('HKEYS', KEYS[1])
for _, event in ipairs(old) do
  redis.call('HDEL', KEYS[3], event)
  redis.call('ZREM', KEYS[4], event)
  for _, hook in ipairs(hooks) do
    redis.call('HDEL', ARGV[1] .. hook .. ':deliveries', event)
    redis.call('ZREM', ARGV[1] .. hook .. ':log', event)
    redis.call('ZREM', KEYS[5], hook .. ' ' .. event)
  end
end
if #hooks == 0 then
  return false
end
local seq = ARGV[11]
if seq == '' then
  seq = redis.call('INCR', KEYS[2])
end
local event, kind = ARGV[2], ARGV[3]
redis.call('HSET', KEYS[3], event, ARGV[4] .. seq .. ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[8], event)
local record = ARGV[6] .. seq .. ARGV[7]
local wanted = ',' .. kind .. ','
local types = redis.call('HGETALL', KEYS[1])
for i = 1, #types, 2 do
  local hook, list = types[i], types[i + 1]
  if list == '*' or string.find(list, wanted, 1, true) then
    redis.call('HSET', ARGV[1] .. hook .. ':deliveries', event, record)
    redis.call('ZADD', ARGV[1] .. hook .. ':log', seq, event)
    redis.call('ZADD', KEYS[5], ARGV[9], hook .. ' ' .. event)
  end
end
return seq

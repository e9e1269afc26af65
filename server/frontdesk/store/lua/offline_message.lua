-- offline_message.lua: store one offline message unless a rate limit is reached.
-- Mirrors MemoryMessages.add_offline_message (store/memory_messages.py) and
-- core.rate_limit.retry_after (a sliding window: hits later than now - window count); the
-- store contract suite holds them together.
--
-- KEYS[1] the account's offline messages (hash: id -> JSON)
-- KEYS[2] their order (zset: id scored by created, epoch seconds)
-- KEYS[3] the unread ones (set of ids)
-- KEYS[4..] one rate-limit bucket each (zset: message id scored by the time of the hit)
-- ARGV[1] message id
-- ARGV[2] message JSON
-- ARGV[3] created (epoch seconds)
-- ARGV[4] now (epoch seconds)
-- ARGV[5] how many messages the account keeps (the oldest go first)
-- ARGV[6], ARGV[7] limit and window (seconds) of KEYS[4]; ARGV[8], ARGV[9] of KEYS[5]; ...
-- Returns 0 when stored, else the whole seconds (at least 1) until it would fit.
local id, now, keep = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
local wait = 0
for i = 4, #KEYS do
  local limit, window = tonumber(ARGV[2 * i - 2]), tonumber(ARGV[2 * i - 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local frees = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    local seconds = math.max(1, math.ceil(tonumber(frees[2]) + window - now))
    if seconds > wait then
      wait = seconds
    end
  end
end
if wait > 0 then
  return wait
end
for i = 4, #KEYS do
  local window = tonumber(ARGV[2 * i - 1])
  redis.call('ZADD', KEYS[i], now, id)
  redis.call('PEXPIRE', KEYS[i], math.ceil(window * 1000) + 1000)
end
redis.call('HSET', KEYS[1], id, ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), id)
redis.call('SADD', KEYS[3], id)
local extra = redis.call('ZCARD', KEYS[2]) - keep
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('SREM', KEYS[3], unpack(old))
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
return 0

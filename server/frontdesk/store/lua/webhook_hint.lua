-- webhook_hint.lua: take an account's turn in the global schedule of accounts.
--
-- KEYS[1] frontdesk:{~webhooks}:accounts  zset account -> when it may have a delivery due
-- ARGV[1] account   ARGV[2] the score the caller read   ARGV[3] the score to set, or '' to
--         remove the account
-- Returns 1 if the score was still ARGV[2] (the caller's turn), 0 if another caller moved it.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then
  return 0
end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1

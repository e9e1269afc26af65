-- settle_review.lua: after a review of an account, put its next deadline in the global index.
--
-- KEYS[1] frontdesk:{~due}:at   zset account -> when its next review is due (epoch seconds)
-- ARGV[1] account
-- ARGV[2] the entry's score read before the review, or "" when there was none
-- ARGV[3] the review's next deadline, or "" when nothing is pending
-- The review's answer replaces the entry only if the entry is still what was read before it;
-- if someone scheduled meanwhile (their change came after the review read the account), the
-- earlier of the two is kept, so no deadline is lost. Returns nothing.
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
local unchanged
if ARGV[2] == '' then
  unchanged = not current
else
  unchanged = current and tonumber(current) == tonumber(ARGV[2])
end
if unchanged then
  if ARGV[3] == '' then
    redis.call('ZREM', KEYS[1], ARGV[1])
  else
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  end
elseif ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1])
end
return false

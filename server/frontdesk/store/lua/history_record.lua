-- history_record.lua: append a subject's new state to its history, once per change.
--
-- KEYS[1] frontdesk:{acct}:history:<subject>   zset of "<ms> <state>" scored by ms
-- ARGV[1] the time of the change, epoch milliseconds (a whole number)
-- ARGV[2] the state, as text ("offline team_away", "busy 1")
-- ARGV[3] the horizon, epoch milliseconds: records before it are dropped, except the latest
--         of them, which says what the state was at the horizon
-- Returns {appended (1 or 0), ms of the record before it or false, its state or false}.
--
-- The state is compared with the record at or before ARGV[1]: a second process recording the
-- same change (or a message-only change of the payload) appends nothing, so every change is
-- in the history once. When the same state arrives late (its record right after ARGV[1] has
-- it), that record moves to the earlier time and 0 is returned: still one record, and one
-- caller told "appended". The record before lets the caller measure the interval that just
-- ended (the gap metric and alert).
local at = tonumber(ARGV[1])
local before = redis.call('ZREVRANGEBYSCORE', KEYS[1], at, '-inf', 'LIMIT', 0, 1, 'WITHSCORES')
local prev_at, prev_state = false, false
if #before > 0 then
  local member = before[1]
  prev_at = tonumber(before[2])
  prev_state = string.sub(member, string.find(member, ' ', 1, true) + 1)
  if prev_state == ARGV[2] then
    return {0, prev_at, prev_state}
  end
end
local appended = 1
local after = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, 1)
if #after > 0 then
  local member = after[1]
  if string.sub(member, string.find(member, ' ', 1, true) + 1) == ARGV[2] then
    redis.call('ZREM', KEYS[1], member)
    appended = 0
  end
end
redis.call('ZADD', KEYS[1], at, ARGV[1] .. ' ' .. ARGV[2])
local old = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], '-inf', 'LIMIT', 0, 1,
                       'WITHSCORES')
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. old[2])
end
return {appended, prev_at, prev_state}

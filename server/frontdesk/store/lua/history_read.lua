-- history_read.lua: a stretch of a history zset as one text, members joined by newlines.
--
-- KEYS[1] frontdesk:{acct}:history:<subject> or frontdesk:{acct}:history:moments (a zset
--         scored by epoch ms whose members start with "<ms> ")
-- ARGV[1] from (epoch ms, or -inf)
-- ARGV[2] to (epoch ms, or +inf), inclusive
-- ARGV[3] "1": begin with the latest member at or before ARGV[1] (the state at `from`), and
--         then those after it; "0": every member from ARGV[1] on
-- Returns one string (empty when none). A 35-day report reads about 10,000 members: one reply
-- is parsed far faster than 10,000 (the point of this script), and it is one atomic read.
local members
if ARGV[3] == '1' then
  members = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', 0, 1)
  local after = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], ARGV[2])
  for i = 1, #after do
    members[#members + 1] = after[i]
  end
else
  members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
end
return table.concat(members, '\n')

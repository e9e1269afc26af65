-- sweep.lua: drop the account's connections whose close grace ended.
-- Mirrors (store/memory.py): MemoryStore.sweep; the store contract suite holds the two together.
--
-- KEYS[1] frontdesk:{acct}:conns       hash connection -> agent
-- KEYS[2] frontdesk:{acct}:connected   hash agent -> number of counted connections
-- KEYS[3] frontdesk:{acct}:grace       zset ended connection -> grace end
-- KEYS[4] frontdesk:{acct}:meta        hash, field `version`
-- ARGV[1] now, epoch seconds
-- Returns the connections this call removed. Each is removed by exactly one call, however
-- many processes sweep at once, so exactly one caller reports the change. Bumps the version
-- when it removed any.
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, conn in ipairs(due) do
  redis.call('ZREM', KEYS[3], conn)
  local agent = redis.call('HGET', KEYS[1], conn)
  if agent then
    redis.call('HDEL', KEYS[1], conn)
    if redis.call('HINCRBY', KEYS[2], agent, -1) <= 0 then
      redis.call('HDEL', KEYS[2], agent)
    end
  end
end
if #due > 0 then
  redis.call('HINCRBY', KEYS[4], 'version', 1)
end
return due

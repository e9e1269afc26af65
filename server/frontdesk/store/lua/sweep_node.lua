-- sweep_node.lua: drop the live connections one node registered in one account.
-- Mirrors (store/memory.py): MemoryStore.retire_node (for this node; a dead node has no memory
-- twin); the store contract suite holds the two together.
--
-- Used for a dead node (its liveness ran out; see bury_nodes.lua) and for this process's own
-- node when it retires. Connections in their close grace are not live and stay counted until
-- their grace ends, so a rolling restart flips nothing.
--
-- KEYS[1] frontdesk:{acct}:conns       hash connection -> agent
-- KEYS[2] frontdesk:{acct}:connected   hash agent -> number of counted connections
-- KEYS[3] frontdesk:{acct}:live        hash live connection -> node
-- KEYS[4] frontdesk:{acct}:node:<node> set of the connections registered under the node
-- KEYS[5] frontdesk:{acct}:meta        hash, field `version`
-- ARGV[1] node
-- Returns how many connections this call removed (0 when another sweeper got there first:
-- each removal is reported by exactly one caller). Bumps the version when it removed any.
local removed = 0
for _, conn in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if redis.call('HGET', KEYS[3], conn) == ARGV[1] then
    redis.call('HDEL', KEYS[3], conn)
    local agent = redis.call('HGET', KEYS[1], conn)
    if agent then
      redis.call('HDEL', KEYS[1], conn)
      if redis.call('HINCRBY', KEYS[2], agent, -1) <= 0 then
        redis.call('HDEL', KEYS[2], agent)
      end
    end
    removed = removed + 1
  end
end
redis.call('DEL', KEYS[4])
if removed > 0 then
  redis.call('HINCRBY', KEYS[5], 'version', 1)
end
return removed

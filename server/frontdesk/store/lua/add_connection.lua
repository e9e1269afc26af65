-- add_connection.lua: count live connections of one node (this process) for their agents.
-- Mirrors (store/memory.py): MemoryStore.add_connection; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:agents      hash agent -> name (an unknown agent is named by its id)
-- KEYS[2] frontdesk:{acct}:conns       hash connection -> agent, every counted connection
-- KEYS[3] frontdesk:{acct}:connected   hash agent -> number of counted connections
-- KEYS[4] frontdesk:{acct}:live        hash live connection -> node
-- KEYS[5] frontdesk:{acct}:node:<node> set of the connections registered under the node
-- KEYS[6] frontdesk:{acct}:grace       zset ended connection -> grace end
-- KEYS[7] frontdesk:{acct}:meta        hash, field `version`
-- ARGV[1] node (this process's current incarnation)
-- ARGV[2], ARGV[3], ...: pairs of connection id, agent id (a node re-registering after it
--   was declared dead sends all its live connections at once)
-- Returns the connections that were in their close grace and now live again (the caller
-- drops their entries from the global frontdesk:graces index). Bumps the version.
--
-- Adding a connection that is already counted (a re-registration) counts it once; the
-- node's set is checked against `live` by sweep_node.lua, so a stale member in another
-- node's set is harmless.
local node = ARGV[1]
local revived = {}
local function uncount(agent)
  if redis.call('HINCRBY', KEYS[3], agent, -1) <= 0 then
    redis.call('HDEL', KEYS[3], agent)
  end
end
for i = 2, #ARGV, 2 do
  local conn, agent = ARGV[i], ARGV[i + 1]
  redis.call('HSETNX', KEYS[1], agent, agent)
  local previous = redis.call('HGET', KEYS[2], conn)
  if previous ~= agent then
    if previous then
      uncount(previous)
    end
    redis.call('HSET', KEYS[2], conn, agent)
    redis.call('HINCRBY', KEYS[3], agent, 1)
  end
  if redis.call('ZREM', KEYS[6], conn) == 1 then
    revived[#revived + 1] = conn
  end
  redis.call('HSET', KEYS[4], conn, node)
  redis.call('SADD', KEYS[5], conn)
end
redis.call('HINCRBY', KEYS[7], 'version', 1)
return revived

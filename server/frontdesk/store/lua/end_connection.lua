-- end_connection.lua: stop counting a connection now, or start its close grace.
-- Mirrors (store/memory.py): MemoryStore.end_connection; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:conns       hash connection -> agent
-- KEYS[2] frontdesk:{acct}:connected   hash agent -> number of counted connections
-- KEYS[3] frontdesk:{acct}:live        hash live connection -> node
-- KEYS[4] frontdesk:{acct}:node:<node> set of the connections registered under the node
-- KEYS[5] frontdesk:{acct}:grace       zset ended connection -> grace end
-- KEYS[6] frontdesk:{acct}:meta        hash, field `version`
-- ARGV[1] connection id
-- ARGV[2] agent id (a connection counted for another agent is left alone)
-- ARGV[3] node (this process's current incarnation)
-- ARGV[4] grace end in epoch seconds, or "" to stop counting now
-- Returns {ended, had_grace}: ended 1 when the connection was counted (the version is
-- bumped), had_grace 1 when it was removed from its grace (the caller drops its entry from
-- the global frontdesk:graces index; with a grace end it adds one).
local conn, agent, node, grace_end = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', KEYS[1], conn) ~= agent then
  return {0, 0}
end
local live_on = redis.call('HGET', KEYS[3], conn)
if live_on then
  redis.call('HDEL', KEYS[3], conn)
  if live_on == node then
    redis.call('SREM', KEYS[4], conn)
  end
end
redis.call('HINCRBY', KEYS[6], 'version', 1)
if grace_end == '' then
  local had_grace = redis.call('ZREM', KEYS[5], conn)
  redis.call('HDEL', KEYS[1], conn)
  if redis.call('HINCRBY', KEYS[2], agent, -1) <= 0 then
    redis.call('HDEL', KEYS[2], agent)
  end
  return {1, had_grace}
end
redis.call('ZADD', KEYS[5], grace_end, conn)
return {1, 0}

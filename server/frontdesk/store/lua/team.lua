-- team.lua: one consistent snapshot of the account's agents and its version.
-- Mirrors (store/memory.py): MemoryStore.team; the store contract suite holds the two together.
--
-- KEYS[1] frontdesk:{acct}:meta        hash, field `version`
-- KEYS[2] frontdesk:{acct}:agents      hash agent -> name
-- KEYS[3] frontdesk:{acct}:status      hash agent -> status
-- KEYS[4] frontdesk:{acct}:connected   hash agent -> counted connections
-- KEYS[5] frontdesk:{acct}:load        hash agent -> open conversations
-- KEYS[6] frontdesk:{acct}:last        hash agent -> assignment sequence number
-- KEYS[7] frontdesk:{acct}:reasons     hash agent -> status_reason
-- ARGV none.
-- Returns {version, HGETALL agents, HGETALL status, HGETALL connected, HGETALL load,
-- HGETALL last, HGETALL reasons}; the caller assembles AgentState values from the flat
-- hashes.
return {
  redis.call('HGET', KEYS[1], 'version') or '0',
  redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[5]),
  redis.call('HGETALL', KEYS[6]),
  redis.call('HGETALL', KEYS[7]),
}

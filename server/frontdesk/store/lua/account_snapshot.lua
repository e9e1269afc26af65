-- account_snapshot.lua: what a widget's status is computed from, in one atomic read (view.py).
-- Mirrors (store/memory.py): MemoryStore.account_snapshot; the store contract suite holds the
-- two together.
--
-- KEYS[1] frontdesk:{acct}:meta        hash, field `version`
-- KEYS[2] frontdesk:{acct}:widgets     hash widget -> settings JSON
-- KEYS[3] frontdesk:{acct}:agents      hash agent -> name
-- KEYS[4] frontdesk:{acct}:status      hash agent -> status
-- KEYS[5] frontdesk:{acct}:connected   hash agent -> counted connections
-- ARGV[1] the version the caller's snapshot has, or '' for none
-- Returns {version} alone when the version is still ARGV[1] (nothing changed), else
-- {version, HGETALL widgets, HKEYS agents, HGETALL status, HGETALL connected}.
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version == ARGV[1] then
  return {version}
end
return {
  version,
  redis.call('HGETALL', KEYS[2]),
  redis.call('HKEYS', KEYS[3]),
  redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[5]),
}

-- see_agent.lua: record that the account has an agent, with its latest name.
-- Mirrors (store/memory.py): MemoryStore.see_agent; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:agents   hash agent -> name
-- KEYS[2] frontdesk:{acct}:meta     hash, field `version`
-- ARGV[1] agent id
-- ARGV[2] name
-- Returns 1 when the agent is first seen, else 0. Bumps the version when anything changed.
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'version', 1)
if old then
  return 0
end
return 1

-- set_agent_status.lua: store an agent's chosen status (it survives restarts).
-- Mirrors (store/memory.py): MemoryStore.set_agent_status; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:agents   hash agent -> name (an unknown agent is named by its id)
-- KEYS[2] frontdesk:{acct}:status   hash agent -> "online" | "busy" (missing = online)
-- KEYS[3] frontdesk:{acct}:meta     hash, field `version`
-- KEYS[4] frontdesk:{acct}:reasons  hash agent -> status_reason (missing = "agent")
-- ARGV[1] agent id
-- ARGV[2] "online" | "busy"
-- ARGV[3] who set it: "agent" | "idle" | "api"
-- Returns 1 when the status or its reason changed (and bumps the version), else 0.
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[1])
local old = redis.call('HGET', KEYS[2], ARGV[1]) or 'online'
local old_reason = redis.call('HGET', KEYS[4], ARGV[1]) or 'agent'
if old == ARGV[2] and old_reason == ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'version', 1)
return 1

-- delete_widget.lua: remove a widget from its account and bump the version.
-- Mirrors (store/memory.py): MemoryStore.delete_widget; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:widgets   hash widget -> settings JSON
-- KEYS[2] frontdesk:{acct}:routing   hash widget -> routing
-- KEYS[3] frontdesk:{acct}:meta      hash, field `version`
-- ARGV[1] widget id
-- ARGV[2] the publish command, ARGV[3] the account's channel, ARGV[4] the SettingsChanged
--   event, published in this same step when the widget was there (as in put_widget.lua)
-- Returns the settings JSON that was stored, or nil when the account had no such widget.
-- The caller then releases the global claim frontdesk:widget:<id> with release_claim.lua.
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'version', 1)
redis.call(ARGV[2], ARGV[3], ARGV[4])
return old

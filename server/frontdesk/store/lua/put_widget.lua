-- put_widget.lua: store a widget's whole settings document in its account and bump the version.
-- Mirrors (store/memory.py): MemoryStore.put_widget; the store contract suite holds the two
-- together.
--
-- KEYS[1] frontdesk:{acct}:widgets   hash widget -> settings JSON
-- KEYS[2] frontdesk:{acct}:routing   hash widget -> "<routing> <max_conversations_per_agent>"
-- KEYS[3] frontdesk:{acct}:meta      hash, field `version`
-- ARGV[1] widget id
-- ARGV[2] settings JSON (settings_to_json)
-- ARGV[3] "<routing> <max_conversations_per_agent>", what the conversation scripts read
-- ARGV[4] the publish command: PUBLISH (one Redis) or SPUBLISH (a cluster)
-- ARGV[5] the account's channel (in the keys' slot)
-- ARGV[6] the SettingsChanged event (codec.pack_event): published in this same step, so no
--   process's view (view.py) can miss a settings change that was stored
-- Returns 1 when the widget is new in the account, else 0.
--
-- Why no account check here: "a widget belongs to one account for good" is decided before
-- this script, by one atomic single-key command on the global index
-- (`SET frontdesk:widget:<id> <acct> NX GET`): whoever claims first owns the id, and a PUT
-- naming another account sees the owner and stops before anything is written. The index is a
-- global key (the PUT names no account to hash on before the body is read, and lookups by
-- widget id need it), so it cannot share this script's slot; claiming it first and writing
-- the account's slot second keeps both steps atomic on their own and never stores a
-- wrong-account document.
local new = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'version', 1)
redis.call(ARGV[4], ARGV[5], ARGV[6])
return new

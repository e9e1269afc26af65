-- publish_if_changed.lua: compare-and-set each subject's last payload; PUBLISH the winners.
-- Mirrors (store/memory.py): MemoryStore.publish_if_changed; the store contract suite holds the
-- two together.
--
-- KEYS[1] frontdesk:{acct}:pub:stamp     hash subject -> "<version> <time>" of the last payload
-- KEYS[2] frontdesk:{acct}:pub:payload   hash subject -> canonical JSON of the last payload
-- KEYS[3] frontdesk:{acct}:wh:seq         string, the account's event counter (webhook seq)
-- ARGV[1] the publish command: PUBLISH (one Redis) or SPUBLISH (a cluster)
-- ARGV[2] the account's channel (frontdesk:{acct}:events; a channel, not a key, so in ARGV;
--   its hash tag puts it in the keys' slot, as SPUBLISH in a cluster script requires)
-- ARGV[3] stamp version (the account version of the snapshot)
-- ARGV[4] stamp time (epoch seconds the snapshot was computed at)
-- ARGV[5 + 3i], ARGV[6 + 3i], ARGV[7 + 3i]: subject, canonical payload JSON, event bytes
--   (codec.pack_event), for each item i
-- Returns {subject, order} for each event that went out, in item order (this run won them);
-- order numbers each published change of the account in publishing order, so webhook events
-- keep the order sockets saw even when another process tells its subscribers first.
--
-- An item is published when its stamp is newer than the subject's last one (version first,
-- then time) and its payload differs; a newer stamp with the same payload only moves the
-- stamp. However many processes notice one change, exactly one script run wins, so each
-- socket gets it once.
local version, at = tonumber(ARGV[3]), tonumber(ARGV[4])
local stamp = ARGV[3] .. ' ' .. ARGV[4]
local sent = {}
for i = 5, #ARGV, 3 do
  local subject, payload, event = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local last = redis.call('HGET', KEYS[1], subject)
  local newer = true
  if last then
    local last_version, last_at = string.match(last, '^(%S+) (%S+)$')
    last_version, last_at = tonumber(last_version), tonumber(last_at)
    newer = version > last_version or (version == last_version and at > last_at)
  end
  if newer then
    redis.call('HSET', KEYS[1], subject, stamp)
    if not (last and redis.call('HGET', KEYS[2], subject) == payload) then
      redis.call('HSET', KEYS[2], subject, payload)
      redis.call(ARGV[1], ARGV[2], event)
      sent[#sent + 1] = {subject, redis.call('INCR', KEYS[3])}
    end
  end
end
return sent

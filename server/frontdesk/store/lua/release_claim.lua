-- release_claim.lua: delete a global claim key only if it still names the given account.
-- Redis only: the in-process store has no global claim keys.
--
-- KEYS[1] a global claim: frontdesk:widget:<id> or frontdesk:conversation:<id>
-- ARGV[1] the account expected to own it
-- Returns 1 when deleted, 0 when the key is gone or owned by another account.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

-- webhook_delete.lua: forget a webhook with its log; its due entries are dropped when met.
--
-- KEYS[1] frontdesk:{acct}:wh:hooks    hash webhook -> registration JSON
-- KEYS[2] frontdesk:{acct}:wh:types    hash webhook -> "*" or ",type,type,"
-- KEYS[3] frontdesk:{acct}:wh:hook:<id>:log
-- KEYS[4] frontdesk:{acct}:wh:hook:<id>:deliveries
-- ARGV[1] webhook id
-- Returns 1 if it existed.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3], KEYS[4])
return 1

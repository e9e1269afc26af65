-- webhook_claim.lua: lease the account's due deliveries to the caller.
--
-- KEYS[1] frontdesk:{acct}:wh:due      zset "<webhook> <event>" -> when it may be attempted
-- KEYS[2] frontdesk:{acct}:wh:hooks    hash webhook -> registration JSON
-- KEYS[3] frontdesk:{acct}:wh:bodies   hash event -> body bytes
-- ARGV[1] per-webhook key prefix (see webhook_accept.lua)
-- ARGV[2] now   ARGV[3] lease end   ARGV[4] most deliveries to lease
-- ARGV[5] webhooks to pass over (at this caller's limit), space-separated, may be empty
-- A leased entry is due again at the lease end, so a caller that dies mid-attempt leaves it to
-- whoever claims after that. Entries of deleted webhooks, forgotten events and settled
-- deliveries are dropped. Returns {{webhook JSON, record, body}, ...} and the earliest due
-- time left ('' when none) and the number of webhooks.
local limit = tonumber(ARGV[4])
local skip = {}
for hook in string.gmatch(ARGV[5], '%S+') do
  skip[hook] = true
end
local claims = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, limit * 4 + 16)
for _, member in ipairs(due) do
  if #claims >= limit then
    break
  end
  local space = string.find(member, ' ', 1, true)
  local hook, event = string.sub(member, 1, space - 1), string.sub(member, space + 1)
  if not skip[hook] then
    local webhook = redis.call('HGET', KEYS[2], hook)
    local record = webhook and redis.call('HGET', ARGV[1] .. hook .. ':deliveries', event)
    local body = record and redis.call('HGET', KEYS[3], event)
    local live = false
    if body then
      local fields = cjson.decode(record)
      live = fields[5] == 'pending' or fields[10] == true
    end
    if live then
      redis.call('ZADD', KEYS[1], ARGV[3], member)
      claims[#claims + 1] = {webhook, record, body}
    else
      redis.call('ZREM', KEYS[1], member)
    end
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {claims, first[2] or '', redis.call('HLEN', KEYS[2])}

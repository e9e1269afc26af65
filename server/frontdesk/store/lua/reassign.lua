-- reassign.lua: the reassign route (POST /api/v1/conversations/{c}/reassign), one step.
-- (routing.lua is prepended: it names KEYS[1..21] and defines the routing functions.)
-- Mirrors MemoryConversations.reassign_conversation.
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] conversation id
-- ARGV[2] the agent to give it to, or "" to route it without its current agents
-- ARGV[3] now (epoch seconds)
-- Returns nil for an unknown conversation; JSON {refused: "closed" | "unavailable"} for a
-- closed one or a `to` who is not available (never seen included); else JSON {c: view,
-- revoked: [agent ids it was taken from], added: [agent ids newly given it], assigned:
-- [views assigned from the queue meanwhile], moved: [queued views to push]}.
local id, to, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local raw = redis.call('HGET', K_CONVS, id)
if not raw then
  return false
end
local record = cjson.decode(raw)
if record.s == 'closed' then
  return cjson.encode({refused = 'closed'})
end
bump_version()
if to == '' then
  if record.s == 'assigned' then
    local result = take_back(id, record, now)
    if result.c.s == 'assigned' then
      local assigned, moved = drain(load_agents(), now)
      result.assigned, result.moved = assigned, moved
    end
    return cjson.encode(result)
  end
  if try_assign(load_agents(), id, record, now) then
    redis.call('LREM', K_QUEUE, 1, id)
    local added = {}
    for _, ref in ipairs(record.a) do
      added[#added + 1] = ref[1]
    end
    return cjson.encode({c = view(id, record, nil), revoked = {}, added = added,
                         moved = pushes(now)})
  end
  return cjson.encode({c = read_view(id), revoked = {}, added = {}})
end
local target = nil
for _, agent in ipairs(load_agents()) do
  if agent.id == to and is_available(agent) then
    target = agent
  end
end
if not target then
  return cjson.encode({refused = 'unavailable'})
end
local revoked, kept = {}, {}
for _, ref in ipairs(record.a) do
  if ref[1] == to then
    kept[#kept + 1] = ref
  else
    revoked[#revoked + 1] = ref[1]
    if redis.call('HINCRBY', K_LOAD, ref[1], -1) <= 0 then
      redis.call('HDEL', K_LOAD, ref[1])
    end
  end
end
if #kept > 0 then  -- `to` keeps it and is told nothing new; the others are revoked
  record.a, record.aa = kept, now
  redis.call('HSET', K_CONVS, id, cjson.encode(record))
  local assigned, moved = drain(load_agents(), now)
  return cjson.encode({c = view(id, record, nil), revoked = revoked, added = {},
                       assigned = assigned, moved = moved})
end
if record.s == 'queued' then
  redis.call('LREM', K_QUEUE, 1, id)
end
assign({target}, id, record, now, nil)
local assigned, moved = drain(load_agents(), now)
return cjson.encode({c = view(id, record, nil), revoked = revoked, added = {to},
                     assigned = assigned, moved = moved})

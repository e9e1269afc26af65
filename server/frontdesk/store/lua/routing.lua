-- routing.lua: the routing rules, shared by the conversation scripts (the loader prepends this
-- file to start_conversation.lua, close_conversation.lua, assign_queued.lua,
-- get_conversation.lua and open_conversations.lua; it defines functions and runs nothing).
--
-- A faithful mirror of server/frontdesk/core/routing.py (choose_agents and friends) and of
-- MemoryStore._try_assign / _drain: change one, change the other. The store contract suite
-- (tests/store/test_store_contract.py) runs the same routing tests against both stores.
-- Contract: Routing.
--
-- KEYS, common to every script that includes this file (keys.AccountKeys.routing_keys):
--   KEYS[1]  frontdesk:{acct}:meta       hash: version, rr (round-robin cursor), seq, cseq
--   KEYS[2]  frontdesk:{acct}:routing    hash widget -> "<routing> <max_conversations_per_agent>"
--   KEYS[3]  frontdesk:{acct}:agents     hash agent -> name
--   KEYS[4]  frontdesk:{acct}:status     hash agent -> status (missing = online)
--   KEYS[5]  frontdesk:{acct}:connected  hash agent -> counted connections
--   KEYS[6]  frontdesk:{acct}:load       hash agent -> open conversations (all widgets)
--   KEYS[7]  frontdesk:{acct}:last       hash agent -> meta.seq at its last assignment
--   KEYS[8]  frontdesk:{acct}:queue      list of queued conversation ids, head first
--   KEYS[9]  frontdesk:{acct}:open       zset open conversation -> meta.cseq (creation order)
--   KEYS[10] frontdesk:{acct}:visitors   hash "<widget> <visitor>" -> open conversation
--   KEYS[11] frontdesk:{acct}:convs      hash conversation -> record JSON
--   KEYS[12] frontdesk:{acct}:visitor_sockets  hash "<widget> <visitor>" -> open sockets
--   KEYS[13] frontdesk:{acct}:closed     zset closed conversation -> closing time (epoch s)
--   KEYS[14] frontdesk:{acct}:settings   hash: the account settings (auto_away_after, ...)
--   KEYS[15] frontdesk:{acct}:reasons    hash agent -> status_reason (missing = agent)
--   KEYS[16] frontdesk:{acct}:unavailable  hash agent -> since when it is unavailable
--   KEYS[17] frontdesk:{acct}:idle       hash live connection -> since when it is idle
--   KEYS[18] frontdesk:{acct}:qhist      list "<at> <waited>": last assignments from the queue
--   KEYS[19] frontdesk:{acct}:widgets    hash widget -> settings JSON
--   KEYS[20] frontdesk:{acct}:conns      hash connection -> agent
--   KEYS[21] frontdesk:{acct}:live       hash live connection -> node
-- A conversation record is {w: widget, v: visitor, s: state, a: [[id, name], ...], t?: text,
-- st: started at, qa?: queued at, aa?: latest assignment at, lp?/le?: the position and
-- estimate its visitor was last told, r?: close reason}; scripts answer with views: the
-- record plus id, p (1-based queue position, when queued) and e (the estimate last told).
local K_META, K_ROUTING, K_AGENTS, K_STATUS, K_CONNECTED = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_LOAD, K_LAST, K_QUEUE, K_OPEN, K_VISITORS, K_CONVS = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local K_VISITOR_SOCKETS, K_CLOSED = KEYS[12], KEYS[13]
local K_SETTINGS, K_REASONS, K_UNAVAILABLE, K_IDLE = KEYS[14], KEYS[15], KEYS[16], KEYS[17]
local K_QHIST, K_WIDGETS, K_CONNS, K_LIVE = KEYS[18], KEYS[19], KEYS[20], KEYS[21]

-- core/queue.py, mirrored: HISTORY_SIZE, HISTORY_WINDOW, REPUSH_THRESHOLD.
local HISTORY_SIZE, HISTORY_WINDOW, REPUSH_THRESHOLD = 20, 3600, 15

-- Ids compare by bytes, as Python compares these ASCII strings (Lua's `<` follows the
-- server's locale collation, which may not).
local function id_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function hash_table(key)
  local flat = redis.call('HGETALL', key)
  local result = {}
  for i = 1, #flat, 2 do
    result[flat[i]] = flat[i + 1]
  end
  return result
end

-- Every agent the account has seen, as core.model.AgentState: the snapshot routing reads.
-- (`exclude`: a set of ids left out, for one routing decision.)
local function load_agents(exclude)
  local status, connected = hash_table(K_STATUS), hash_table(K_CONNECTED)
  local load, last = hash_table(K_LOAD), hash_table(K_LAST)
  local agents = {}
  for id, name in pairs(hash_table(K_AGENTS)) do
    if not (exclude and exclude[id]) then agents[#agents + 1] = {
      id = id, name = name, status = status[id] or 'online',
      connections = tonumber(connected[id] or '0'), conversations = tonumber(load[id] or '0'),
      last = tonumber(last[id] or '-1'),  -- never assigned counts as longest ago
    } end
  end
  return agents
end

-- core.model.AgentState.is_available: status online and connected.
local function is_available(agent)
  return agent.status == 'online' and agent.connections > 0
end

-- core.routing.is_under_capacity: 0 means no limit.
local function is_under_capacity(agent, capacity)
  return capacity == 0 or agent.conversations < capacity
end

-- core.routing.eligible_agents: available agents under capacity, in the order of their ids.
local function eligible_agents(agents, capacity)
  local eligible = {}
  for _, agent in ipairs(agents) do
    if is_available(agent) and is_under_capacity(agent, capacity) then
      eligible[#eligible + 1] = agent
    end
  end
  table.sort(eligible, function(x, y) return id_less(x.id, y.id) end)
  return eligible
end

-- core.routing.choose_agents: the agents to add; empty when nobody can take it.
local function choose_agents(agents, routing, capacity, cursor)
  local eligible = eligible_agents(agents, capacity)
  if #eligible == 0 then
    return {}
  end
  if routing == 'broadcast' then
    return eligible
  end
  if routing == 'round_robin' then
    if cursor then
      for _, agent in ipairs(eligible) do
        if id_less(cursor, agent.id) then
          return {agent}
        end
      end
    end
    return {eligible[1]}
  end
  -- least_busy: fewest open conversations, then assigned longest ago, then lower id
  -- (eligible is in id order, so keeping the first of equals is the lower id).
  local best = eligible[1]
  for i = 2, #eligible do
    local agent = eligible[i]
    if agent.conversations < best.conversations
        or (agent.conversations == best.conversations and agent.last < best.last) then
      best = agent
    end
  end
  return {best}
end

-- The widget's routing, capacity, max_queue and max_queue_wait; a deleted widget's queued
-- conversation falls back to broadcast without limits (as MemoryStore does).
local function widget_routing(widget)
  local raw = redis.call('HGET', K_ROUTING, widget)
  if not raw then
    return 'broadcast', 0, 0, 0
  end
  local routing, capacity, max_queue, max_wait = string.match(raw, '^(%S+) (%d+) ?(%d*) ?(%S*)$')
  return routing, tonumber(capacity), tonumber(max_queue) or 0, tonumber(max_wait) or 0
end

local function view(id, record, position)
  return {id = id, w = record.w, v = record.v, s = record.s, a = record.a, t = record.t,
          p = position, e = record.le, st = record.st, qa = record.qa, aa = record.aa,
          r = record.r}
end

-- core.queue.mean_gap: seconds between the recent assignments from the queue, or nil.
local function mean_gap(now)
  local recent = {}
  for _, entry in ipairs(redis.call('LRANGE', K_QHIST, -HISTORY_SIZE, -1)) do
    local at, waited = string.match(entry, '^(%S+) (%S+)$')
    at, waited = tonumber(at), tonumber(waited)
    if at > now - HISTORY_WINDOW then
      recent[#recent + 1] = {at = at, waited = waited}
    end
  end
  if #recent == 0 then
    return nil
  end
  if #recent == 1 then
    return recent[1].waited
  end
  return (recent[#recent].at - recent[1].at) / (#recent - 1)
end

-- core.queue.estimated_wait: whole seconds, rounded half up.
local function estimated_wait(position, gap)
  if gap == nil then
    return nil
  end
  return math.floor(position * gap + 0.5)
end

-- core.queue.should_push
local function should_push(last_position, last_estimate, position, estimate)
  if position ~= last_position then
    return true
  end
  if last_estimate == nil or estimate == nil then
    return (last_estimate == nil) ~= (estimate == nil)
  end
  return math.abs(estimate - last_estimate) >= REPUSH_THRESHOLD
end

-- MemoryConversations._pushes: queued conversations whose frame must go out again (their
-- position, or their estimate by 15 s or more, changed); remembers what went out.
local function pushes(now)
  local gap = mean_gap(now)
  local result = {}
  for i, id in ipairs(redis.call('LRANGE', K_QUEUE, 0, -1)) do
    local raw = redis.call('HGET', K_CONVS, id)
    if raw then
      local record = cjson.decode(raw)
      local estimate = estimated_wait(i, gap)
      if should_push(record.lp, record.le, i, estimate) then
        record.lp, record.le = i, estimate
        redis.call('HSET', K_CONVS, id, cjson.encode(record))
        result[#result + 1] = view(id, record, i)
      end
    end
  end
  return result
end

-- MemoryConversations._enqueue: queue it by its start (ahead of any started later); its
-- wait clock starts now. The record is written; `record` is updated in place.
local function enqueue(id, record, now)
  local seq = tonumber(redis.call('ZSCORE', K_OPEN, id))
  local before = nil
  for _, other in ipairs(redis.call('LRANGE', K_QUEUE, 0, -1)) do
    if tonumber(redis.call('ZSCORE', K_OPEN, other) or '0') > seq then
      before = other
      break
    end
  end
  if before then
    redis.call('LINSERT', K_QUEUE, 'BEFORE', before, id)
  else
    redis.call('RPUSH', K_QUEUE, id)
  end
  record.s, record.a, record.qa, record.lp, record.le = 'queued', {}, now, nil, nil
  redis.call('HSET', K_CONVS, id, cjson.encode(record))
end

local function queue_position(id)
  local index = redis.call('LPOS', K_QUEUE, id)
  if index then
    return index + 1
  end
  return nil
end

local function read_view(id)
  local raw = redis.call('HGET', K_CONVS, id)
  if not raw then
    return nil
  end
  local record = cjson.decode(raw)
  local position = nil
  if record.s == 'queued' then
    position = queue_position(id)
  end
  return view(id, record, position)
end

-- MemoryConversations._assign: give it to `chosen` (over capacity if the caller says so),
-- count it for them, note a wait in the queue for the estimate. `routing` 'round_robin'
-- moves the cursor. The record is written; `record` is updated in place.
local function assign(chosen, id, record, now, routing)
  local refs = {}
  for _, agent in ipairs(chosen) do
    local seq = redis.call('HINCRBY', K_META, 'seq', 1)
    agent.conversations = agent.conversations + 1
    agent.last = seq
    redis.call('HSET', K_LAST, agent.id, seq)
    redis.call('HINCRBY', K_LOAD, agent.id, 1)
    refs[#refs + 1] = {agent.id, agent.name}
  end
  if routing == 'round_robin' then
    redis.call('HSET', K_META, 'rr', chosen[1].id)
  end
  if record.qa then  -- it waited in the queue: the estimate learns from it
    redis.call('RPUSH', K_QHIST, string.format('%.6f %.6f', now, now - record.qa))
    redis.call('LTRIM', K_QHIST, -HISTORY_SIZE, -1)
  end
  record.s, record.a, record.aa = 'assigned', refs, now
  record.qa, record.lp, record.le = nil, nil, nil
  redis.call('HSET', K_CONVS, id, cjson.encode(record))
end

-- MemoryConversations._try_assign: route one conversation by its widget's routing; on
-- success assign it. `agents` is updated in place so a drain routes each next conversation
-- on the counts the previous one left (and must not hold the excluded agents).
local function try_assign(agents, id, record, now)
  local routing, capacity = widget_routing(record.w)
  local cursor = redis.call('HGET', K_META, 'rr')
  if not cursor then
    cursor = nil
  end
  local chosen = choose_agents(agents, routing, capacity, cursor)
  if #chosen == 0 then
    return false
  end
  assign(chosen, id, record, now, routing)
  return true
end

-- MemoryConversations._drain: assign from the head while possible (nothing overtakes); then
-- the queue's pushes.
local function drain(agents, now)
  local assigned = {}
  while true do
    local head = redis.call('LINDEX', K_QUEUE, 0)
    if not head then
      break
    end
    local raw = redis.call('HGET', K_CONVS, head)
    if raw then
      local record = cjson.decode(raw)
      if not try_assign(agents, head, record, now) then
        break
      end
      assigned[#assigned + 1] = view(head, record, nil)
    end
    redis.call('LPOP', K_QUEUE)
  end
  return assigned, pushes(now)
end

local function bump_version()
  redis.call('HINCRBY', K_META, 'version', 1)
end

-- MemoryConversations._close: close an open record (no drain). `reason`: closed, expired or
-- abandoned. Bumps the version. `record` is updated in place.
local function close_record(id, record, now, reason)
  if record.s == 'queued' then
    redis.call('LREM', K_QUEUE, 1, id)
  end
  for _, ref in ipairs(record.a) do
    if redis.call('HEXISTS', K_AGENTS, ref[1]) == 1 then
      if redis.call('HINCRBY', K_LOAD, ref[1], -1) <= 0 then
        redis.call('HDEL', K_LOAD, ref[1])
      end
    end
  end
  redis.call('HDEL', K_VISITORS, record.w .. ' ' .. record.v)
  redis.call('ZREM', K_OPEN, id)
  record.s, record.r, record.lp, record.le = 'closed', reason, nil, nil
  redis.call('HSET', K_CONVS, id, cjson.encode(record))
  redis.call('ZADD', K_CLOSED, now, id)
  bump_version()
end

-- MemoryConversations.close_conversation: close it, free its agents' capacity, drain the
-- queue. nil for an unknown conversation, else {was_open, c, assigned, moved}; closing one
-- already closed changes nothing (was_open = 0). Bumps the version when it was open.
-- `now` (epoch seconds) records when it closed, so that prune_closed can forget it later.
local function close_conversation(id, now, reason)
  local raw = redis.call('HGET', K_CONVS, id)
  if not raw then
    return nil
  end
  local record = cjson.decode(raw)
  if record.s == 'closed' then
    return {was_open = 0, c = view(id, record, nil), assigned = {}, moved = {}}
  end
  close_record(id, record, now, reason)
  local assigned, moved = drain(load_agents(), now)
  return {was_open = 1, c = view(id, record, nil), assigned = assigned, moved = moved}
end

-- MemoryConversations._take_back: take it from its agents; route it without them, or queue it
-- by its start. Returns {c: view, revoked: [ids], added: [ids], moved: [views]}.
local function take_back(id, record, now)
  local revoked, exclude = {}, {}
  for _, ref in ipairs(record.a) do
    revoked[#revoked + 1] = ref[1]
    exclude[ref[1]] = true
    if redis.call('HINCRBY', K_LOAD, ref[1], -1) <= 0 then
      redis.call('HDEL', K_LOAD, ref[1])
    end
  end
  record.a = {}
  if try_assign(load_agents(exclude), id, record, now) then
    local added = {}
    for _, ref in ipairs(record.a) do
      added[#added + 1] = ref[1]
    end
    return {c = view(id, record, nil), revoked = revoked, added = added, moved = {}}
  end
  enqueue(id, record, now)
  local moved = pushes(now)
  local found = read_view(id)
  return {c = found, revoked = revoked, added = {}, moved = moved}
end

-- Forget at most `limit` conversations closed before `cutoff` (their records only: the global
-- conversation -> account index lives in another slot, so the caller deletes it). Returns ids.
local function prune_closed(cutoff, limit)
  local ids = redis.call('ZRANGEBYSCORE', K_CLOSED, '-inf', cutoff, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    redis.call('HDEL', K_CONVS, id)
    redis.call('ZREM', K_CLOSED, id)
  end
  return ids
end

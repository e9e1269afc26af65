-- review.lua: act on everything due in an account, in one step (see store/upkeep.py).
-- (routing.lua is prepended: it names KEYS[1..21] and defines the routing functions.)
-- Mirrors MemoryUpkeep.review_account; the rules are core/auto_away.py,
-- core/reassignment.py and core/queue.py.
--
-- KEYS[1..21] as in routing.lua
-- ARGV[1] now (epoch seconds)
-- Returns JSON {away: [agent ids set busy for idleness], reassigned: [{c, revoked, added,
-- moved}], expired: [views closed as expired], moved: [queued views to push], next: the
-- account's next deadline or absent}. Two processes reviewing the same account at once act
-- once: the second finds nothing due any more.
local now = tonumber(ARGV[1])
local settings = hash_table(K_SETTINGS)
local auto_away_after = tonumber(settings.auto_away_after or '0')
local reassign_after = tonumber(settings.reassign_after or '0')
local upcoming = nil
local function consider(deadline)
  if upcoming == nil or deadline < upcoming then
    upcoming = deadline
  end
end

-- Idle starts of connections that are gone (few: only idle connections have one).
local idle = hash_table(K_IDLE)
for conn in pairs(idle) do
  if redis.call('HEXISTS', K_LIVE, conn) == 0 then
    redis.call('HDEL', K_IDLE, conn)
    idle[conn] = nil
  end
end

-- Auto-away (core.auto_away.away_deadline) and unavailability, noted as first seen. Both
-- read every agent and connection: skipped while both features are off (an account that
-- turns reassignment on counts unavailability from then on).
local away = {}
local unavailable = {}
if auto_away_after > 0 or reassign_after > 0 then
local status, connected = hash_table(K_STATUS), hash_table(K_CONNECTED)
local conns, live = hash_table(K_CONNS), hash_table(K_LIVE)
unavailable = hash_table(K_UNAVAILABLE)
local live_of = {}
for conn, agent in pairs(conns) do
  if live[conn] then
    live_of[agent] = live_of[agent] or {}
    table.insert(live_of[agent], conn)
  end
end
for agent in pairs(hash_table(K_AGENTS)) do
  local online = (status[agent] or 'online') == 'online'
  local connections = live_of[agent] or {}
  if online and auto_away_after > 0 and #connections > 0 then
    local latest = nil
    for _, conn in ipairs(connections) do
      local since = tonumber(idle[conn])
      if since == nil then
        latest = nil
        break
      end
      if latest == nil or since > latest then
        latest = since
      end
    end
    if latest ~= nil then
      local deadline = latest + auto_away_after
      if deadline <= now then
        redis.call('HSET', K_STATUS, agent, 'busy')
        redis.call('HSET', K_REASONS, agent, 'idle')
        bump_version()
        online = false
        away[#away + 1] = agent
      else
        consider(deadline)
      end
    end
  end
  if online and tonumber(connected[agent] or '0') > 0 then
    if unavailable[agent] then
      redis.call('HDEL', K_UNAVAILABLE, agent)
      unavailable[agent] = nil
    end
  elseif not unavailable[agent] and reassign_after > 0 then
    redis.call('HSET', K_UNAVAILABLE, agent, string.format('%.6f', now))
    unavailable[agent] = tostring(now)
  end
end
table.sort(away)
else
  redis.call('DEL', K_UNAVAILABLE)  -- what was noted while it was on no longer holds
end

-- Reassignment (core.reassignment.reassign_deadline), in start order.
local reassigned = {}
if reassign_after > 0 then
  for _, id in ipairs(redis.call('ZRANGE', K_OPEN, 0, -1)) do
    local raw = redis.call('HGET', K_CONVS, id)
    if raw then
      local record = cjson.decode(raw)
      if record.s == 'assigned' and #record.a > 0 then
        local latest = tonumber(record.aa or record.st or '0')
        for _, ref in ipairs(record.a) do
          local since = tonumber(unavailable[ref[1]])
          if since == nil then
            latest = nil
            break
          end
          if since > latest then
            latest = since
          end
        end
        if latest ~= nil then
          local deadline = latest + reassign_after
          if deadline <= now then
            bump_version()
            reassigned[#reassigned + 1] = take_back(id, record, now)
          else
            consider(deadline)
          end
        end
      end
    end
  end
end

-- Queue expiry (core.queue.expiry_deadline): the widget's max_queue_wait from queued_at.
local expired = {}
for _, id in ipairs(redis.call('LRANGE', K_QUEUE, 0, -1)) do  -- empty most of the time
  local raw = redis.call('HGET', K_CONVS, id)
  if raw then
    local record = cjson.decode(raw)
    local _, _, _, max_wait = widget_routing(record.w)
    if max_wait > 0 and record.qa then
      local deadline = record.qa + max_wait
      if deadline <= now then
        close_record(id, record, now, 'expired')
        expired[#expired + 1] = view(id, record, nil)
      else
        consider(deadline)
      end
    end
  end
end

-- The estimate ages: when the oldest recent assignment leaves the hour, look again.
if redis.call('LLEN', K_QUEUE) > 0 then
  for _, entry in ipairs(redis.call('LRANGE', K_QHIST, -HISTORY_SIZE, -1)) do
    local at = tonumber(string.match(entry, '^(%S+) '))
    if at > now - HISTORY_WINDOW then
      consider(at + HISTORY_WINDOW)
      break  -- oldest first: the first recent one is the oldest
    end
  end
end

return cjson.encode({away = away, reassigned = reassigned, expired = expired,
                     moved = pushes(now), next = upcoming})

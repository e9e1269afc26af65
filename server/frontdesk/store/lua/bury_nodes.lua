-- bury_nodes.lua: move nodes whose liveness ran out to the dead set; list the dead set.
-- Redis only: the in-process store has one node (MemoryStore.sweep_nodes answers []).
--
-- KEYS[1] frontdesk:{~nodes}:alive   zset node -> liveness expiry (epoch seconds)
-- KEYS[2] frontdesk:{~nodes}:dead    set of nodes whose connections are being swept
-- ARGV[1] now, epoch seconds
-- Returns every node in the dead set (newly buried and not yet fully swept).
--
-- Burying takes the node out of `alive` atomically, so a node that was only paused finds its
-- entry gone at its next renewal (ZADD XX) and re-registers its connections under a new
-- incarnation instead of renewing one whose connections are being removed. A node stays in
-- the dead set until a sweeper has run sweep_node.lua in every account it touched, so a
-- sweeper that dies half way leaves the rest to the next one.
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, node in ipairs(expired) do
  redis.call('ZREM', KEYS[1], node)
  redis.call('SADD', KEYS[2], node)
end
return redis.call('SMEMBERS', KEYS[2])

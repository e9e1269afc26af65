-- visitor_disconnected.lua: count one open socket fewer for a visitor on a widget.
-- Mirrors (store/memory.py): MemoryStore.visitor_disconnected; the store contract suite holds the
-- two together.
--
-- KEYS[1] frontdesk:{acct}:visitor_sockets   hash "<widget> <visitor>" -> open sockets
-- ARGV[1] "<widget> <visitor>"
-- Returns 1 when the visitor has no socket left on any process (the field is removed), else 0.
-- (visitor_connected is a plain HINCRBY on the same field.) A process that dies leaves its
-- sockets counted, so its visitors are never taken for gone: the safe direction.
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) > 0 then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1

"""The Redis store: every process given the same REDIS_URL shares this state.

Each Store method is one Lua script (store/lua/*.lua, one atomic step in the account's slot)
or one single-key command on a global key (keys.py says which keys are global and why).
Settings, agent statuses and conversations survive restarts; connections die with their
process. Split by concern, one module each: redis_connection (pools, scripts, errors),
redis_bus (pub/sub, publish-once), redis_widgets, redis_presence (agents, connections, node
liveness), redis_conversations (routing and the queue), redis_upkeep (the deadlines of
auto-away, reassignment and queue expiry, over the conversations), redis_accounts (account
settings), redis_webhooks (webhook events and their deliveries).
"""

from __future__ import annotations

from frontdesk.store.redis_accounts import RedisAccounts
from frontdesk.store.redis_bus import RedisBus
from frontdesk.store.redis_connection import backoff_delay, lua_source
from frontdesk.store.redis_history import RedisHistory
from frontdesk.store.redis_messages import RedisMessages
from frontdesk.store.redis_presence import RedisPresence
from frontdesk.store.redis_upkeep import RedisUpkeep
from frontdesk.store.redis_webhooks import RedisWebhooks
from frontdesk.store.redis_widgets import RedisWidgets


class RedisStore(RedisBus, RedisWidgets, RedisPresence, RedisUpkeep, RedisAccounts,
                 RedisMessages, RedisHistory, RedisWebhooks):
    """Every concern of the Store protocol, over one set of connections (RedisBase)."""


__all__ = ["RedisStore", "backoff_delay", "lua_source"]

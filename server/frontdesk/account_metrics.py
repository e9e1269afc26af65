"""Per-account gauges for the people on call, read fresh at each scrape of /metrics.

- `frontdesk_account_connections{account, kind}`: this process's agent and widget sockets;
- `frontdesk_account_available_agents{account}`: agents online and connected (any process);
- `frontdesk_account_queue_depth{account}`: conversations waiting in the account's queue.

Cardinality is bounded: only the MAX_ACCOUNT_LABELS accounts with the most sockets on this
process get their own label; the sockets of the others are summed under `account="_other"`
(their agents and queues are not read). Accounts without a socket here are not listed, so
the cluster's view is the union over processes (connections: sum; the others: any process).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.model import ConversationState
from frontdesk.hub import Hub
from frontdesk.store.base import ConversationStore, PresenceStore

MAX_ACCOUNT_LABELS = 100
OTHER = "_other"


class AccountMetrics:
    def __init__(self, registry: CollectorRegistry, hub: Hub, agents: PresenceStore,
                 conversations: ConversationStore) -> None:
        self._hub = hub
        self._agents = agents
        self._conversations = conversations
        self._connections = Gauge("frontdesk_account_connections",
                                  "WebSocket connections on this process, by account",
                                  ["account", "kind"], registry=registry)
        self._available = Gauge("frontdesk_account_available_agents",
                                "Agents online and connected, by account", ["account"],
                                registry=registry)
        self._queue = Gauge("frontdesk_account_queue_depth",
                            "Conversations waiting in the queue, by account", ["account"],
                            registry=registry)

    def _local_counts(self) -> dict[str, tuple[int, int]]:
        """(agent sockets, widget sockets) of this process, by account."""
        counts: dict[str, tuple[int, int]] = {}
        for account, sockets in self._hub.account_agent_sockets.items():
            agents, widgets = counts.get(account, (0, 0))
            counts[account] = (agents + len(sockets), widgets)
        for (account, _), sockets in self._hub.widget_sockets.items():
            agents, widgets = counts.get(account, (0, 0))
            counts[account] = (agents, widgets + len(sockets))
        return counts

    async def refresh(self) -> bool:
        """Set every gauge from the hub and the store. While the store cannot be reached the
        connection gauges are still set, the others left out; returns whether it answered."""
        counts = self._local_counts()
        ranked = sorted(counts, key=lambda a: (-sum(counts[a]), a))
        labelled, rest = ranked[:MAX_ACCOUNT_LABELS], ranked[MAX_ACCOUNT_LABELS:]
        available: dict[str, int] = {}
        queued: dict[str, int] = {}
        answered = True
        try:
            for account in labelled:
                team = await self._agents.team(account)
                available[account] = sum(1 for a in team.agents if a.is_available)
                queued[account] = sum(
                    1 for c in await self._conversations.open_conversations(account)
                    if c.state is ConversationState.QUEUED)
        except StoreUnavailable:
            available, queued, answered = {}, {}, False
        for gauge in (self._connections, self._available, self._queue):
            gauge.clear()
        for account in labelled:
            agents, widgets = counts[account]
            self._connections.labels(account, "agent").set(agents)
            self._connections.labels(account, "widget").set(widgets)
            if account in available:
                self._available.labels(account).set(available[account])
                self._queue.labels(account).set(queued[account])
        if rest:
            self._connections.labels(OTHER, "agent").set(sum(counts[a][0] for a in rest))
            self._connections.labels(OTHER, "widget").set(sum(counts[a][1] for a in rest))
        return answered

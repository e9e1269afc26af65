"""The in-process store: one process, nothing survives a restart.

Every method runs to completion without awaiting anything, so each is atomic on the event
loop, which is what the Store protocol asks of it. The bus, widgets and presence are here;
conversations, account settings and the upkeep of deadlines are mixins (memory_*.py) over
the shared state (memory_state.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from frontdesk.core.errors import WrongAccount
from frontdesk.core.events import Event, Push, SettingsChanged
from frontdesk.core.model import AgentStatus, StatusReason
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.base import EventHandler, Team
from frontdesk.store.memory_conversations import agent_states
from frontdesk.store.memory_history import MemoryHistory
from frontdesk.store.memory_messages import MemoryMessages
from frontdesk.store.memory_state import _Agent
from frontdesk.store.memory_upkeep import MemoryUpkeep
from frontdesk.store.memory_webhooks import MemoryWebhooks
from frontdesk.store.views import AccountSnapshot


class MemoryStore(MemoryUpkeep, MemoryMessages, MemoryHistory, MemoryWebhooks):
    def __init__(self) -> None:
        MemoryUpkeep.__init__(self)
        MemoryMessages.__init__(self)
        MemoryHistory.__init__(self)
        MemoryWebhooks.__init__(self)

    # --- life ---------------------------------------------------------------------------
    async def open(self, on_event: EventHandler,
                   on_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        self._on_event = on_event

    async def close(self) -> None:
        self._on_event = None

    async def ping(self) -> None:
        return None

    async def watch(self, account: str) -> None:
        """One process holds every socket: it hears every account anyway."""

    async def unwatch(self, account: str) -> None:
        return None

    def listening_since(self, account: str) -> float | None:
        """Events are handed over in the publishing call itself: never a gap."""
        return float("-inf")

    # --- widgets ----------------------------------------------------------------------------
    async def put_widget(self, widget: str, settings: WidgetSettings) -> bool:
        old = self._widgets.get(widget)
        if old is not None and old.account != settings.account:
            raise WrongAccount(widget)
        self._widgets[widget] = settings
        acct = self._account(settings.account)
        acct.widgets.add(widget)
        acct.version += 1
        await self.publish(SettingsChanged(settings.account, widget))
        return old is None

    async def get_widget(self, widget: str) -> WidgetSettings | None:
        return self._widgets.get(widget)

    async def delete_widget(self, widget: str) -> WidgetSettings | None:
        old = self._widgets.pop(widget, None)
        if old is not None:
            acct = self._account(old.account)
            acct.widgets.discard(widget)
            acct.version += 1
            await self.publish(SettingsChanged(old.account, widget))
        return old

    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]:
        acct = self._accounts.get(account)
        if acct is None:
            return {}
        return {w: self._widgets[w] for w in sorted(acct.widgets)}

    async def account_snapshot(self, account: str,
                               known_version: int | None = None) -> AccountSnapshot | None:
        acct = self._accounts.get(account)
        version = 0 if acct is None else acct.version
        if version == known_version:
            return None
        if acct is None:
            return AccountSnapshot(version, {}, {})
        return AccountSnapshot(version, {w: self._widgets[w] for w in sorted(acct.widgets)},
                               {a: record.is_available for a, record in acct.agents.items()})

    # --- agents -------------------------------------------------------------------------------
    async def see_agent(self, account: str, agent: str, name: str) -> bool:
        acct = self._account(account)
        known = acct.agents.get(agent)
        if known is None:
            acct.agents[agent] = _Agent(name=name)
            acct.version += 1
            return True
        if known.name != name:
            known.name = name
            acct.version += 1
        return False

    async def set_agent_status(self, account: str, agent: str, status: AgentStatus,
                               reason: StatusReason = StatusReason.AGENT) -> bool:
        acct = self._account(account)
        record = acct.agents.setdefault(agent, _Agent(name=agent))
        if record.status is status and record.status_reason is reason:
            return False
        record.status, record.status_reason = status, reason
        acct.version += 1
        return True

    async def team(self, account: str) -> Team:
        acct = self._accounts.get(account)
        if acct is None:
            return Team(version=0, agents=())
        return Team(version=acct.version, agents=tuple(agent_states(acct)))

    async def add_connection(self, account: str, agent: str, connection: str) -> None:
        acct = self._account(account)
        record = acct.agents.setdefault(agent, _Agent(name=agent))
        record.connections[connection] = None
        acct.version += 1

    async def end_connection(self, account: str, agent: str, connection: str,
                             grace_until: float | None) -> None:
        acct = self._account(account)
        record = acct.agents.get(agent)
        if record is None or connection not in record.connections:
            return
        if grace_until is None:
            del record.connections[connection]
        else:
            record.connections[connection] = grace_until
        record.idle.pop(connection, None)  # only live connections are idle or active
        acct.version += 1

    async def sweep(self, account: str, now: float) -> bool:
        acct = self._accounts.get(account)
        if acct is None:
            return False
        dropped = False
        for record in acct.agents.values():
            ended = [c for c, until in record.connections.items()
                     if until is not None and until <= now]
            for connection in ended:
                del record.connections[connection]
                dropped = True
        if dropped:
            acct.version += 1
        return dropped

    async def renew_node(self, now: float, ttl: float) -> None:
        return None  # one process: its connections live exactly as long as it does

    async def sweep_nodes(self, now: float) -> list[str]:
        return []

    async def retire_node(self) -> list[str]:
        touched = []
        for account, acct in self._accounts.items():
            for record in acct.agents.values():
                if record.connections:
                    record.connections.clear()
                    touched.append(account)
        return sorted(set(touched))

    async def accounts_in_grace(self) -> list[tuple[str, float]]:
        result = []
        for account, acct in self._accounts.items():
            ends = [until for a in acct.agents.values() for until in a.connections.values()
                    if until is not None]
            if ends:
                result.append((account, min(ends)))
        return result

    # --- publishing -----------------------------------------------------------------------------
    async def publish(self, event: Event) -> None:
        if self._on_event is not None:
            self._on_event(event)

    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Push]]) -> dict[str, int]:
        sent: dict[str, int] = {}
        for subject, event in items:
            key = (account, subject)
            last = self._published.get(key)
            if last is not None:
                last_stamp, last_payload = last
                if stamp <= last_stamp:
                    continue
                if last_payload == event.payload:
                    self._published[key] = (stamp, last_payload)
                    continue
            self._published[key] = (stamp, event.payload)
            await self.publish(event)
            sent[subject] = self._next_event_seq(account)
        return sent

    async def forget_subject(self, account: str, subject: str) -> None:
        self._published.pop((account, subject), None)

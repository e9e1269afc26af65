"""The Store protocols: every piece of state that several processes must agree on.

One protocol per concern (the bus, widgets, presence, conversations, account settings, the
upkeep of deadlines, webhooks in webhooks.py); `Store` is all of them,
and both stores (memory.py, redis.py) implement `Store`. A use case is handed only the
concerns it needs, by name, so its constructor says what it may touch.

Each method is one atomic step: the in-process store runs it without yielding to the event
loop, the Redis store runs it as one Lua script (or one MULTI). Every method may raise
StoreUnavailable. "Survives a restart" below means a restart of every server process with
the Redis store; the in-process store keeps nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from frontdesk.core.account_settings import AccountSettings
from frontdesk.core.events import Event, Push
from frontdesk.core.model import (
    AgentState,
    AgentStatus,
    CloseReason,
    StatusReason,
)
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.messages import ConversationPageStore, OfflineMessageStore
from frontdesk.store.records import Conversation as Conversation  # re-exported
from frontdesk.store.views import ViewStore, VisitorStore
from frontdesk.store.webhooks import WebhookStore

EventHandler = Callable[[Event], None]

CLOSED_RETENTION = 7 * 24 * 3600
"""Seconds a closed conversation is remembered (so closing it again answers 200, not 404);
each close forgets those closed longer ago, so the store does not grow without bound."""


@dataclass(frozen=True, slots=True)
class Team:
    """The account's agents at one instant, with the account's version at that instant.

    The version grows with every change of anything a widget's or agent's status is computed
    from (settings, agent status, connections), so a result computed from an older snapshot
    can be told apart from a newer one when publishing.
    """

    version: int
    agents: tuple[AgentState, ...]

    @property
    def is_anyone_available(self) -> bool:
        return any(a.is_available for a in self.agents)


@dataclass(frozen=True, slots=True)
class StartResult:
    conversation: Conversation  # state REJECTED (nothing stored) when the queue was full
    existing: bool  # the visitor already had an open conversation on this widget
    message: str | None = None  # with a rejection: the widget's offline message


@dataclass(frozen=True, slots=True)
class QueueChange:
    """What one queue-moving step did: conversations assigned, and the new positions."""

    assigned: tuple[Conversation, ...] = ()
    moved: tuple[Conversation, ...] = ()  # still queued, at a new position


@dataclass(frozen=True, slots=True)
class CloseResult:
    conversation: Conversation
    was_open: bool
    queue: QueueChange


class BusStore(Protocol):
    """Events between processes, and the compare-and-set that publishes a change once."""

    # --- life -------------------------------------------------------------------------
    async def open(self, on_event: EventHandler,
                   on_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        """Connect and start delivering the events of watched accounts (from any process,
        this one's included) to on_event.

        on_reconnect runs after the store came back from an outage (events in the gap are
        lost), so the node can count its connections again and push what changed.
        """

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    # --- which accounts' events this process hears -----------------------------------------
    async def watch(self, account: str) -> None:
        """Deliver the account's events to on_event from the moment this returns.

        A process hears only the accounts it watches (a store with one process may deliver
        all). Raises StoreUnavailable if the subscription cannot be made now; once made, it is
        kept through outages (remade, then on_reconnect runs) until `unwatch`.
        """

    async def unwatch(self, account: str) -> None:
        """Stop delivering the account's events (events already on the way may still come)."""

    def listening_since(self, account: str) -> float | None:
        """The loop time since which the account's events have reached on_event without a
        gap (its subscription was made, or last made again, then); None while they may not
        (not watched, or the subscription was lost and is being made again)."""

    # --- publishing -----------------------------------------------------------------------
    async def publish(self, event: Event) -> None:
        """Deliver the event to the handler of every process watching its account."""

    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Push]]) -> dict[str, int]:
        """Publish each (subject, event) unless its subject's last payload is the same or newer.

        A subject names what a payload describes ("widget:<id>", "agent:<id>") within the
        account; `stamp` is (account version, computed-at time) of the snapshot the payloads
        were computed from. An event is published when the stamp is newer than the subject's
        last one and its payload differs, so however many processes notice a change, it
        reaches each socket once. One atomic step for all items. Returns the subjects this
        call published, in item order: the caller won their compare-and-set, which is where
        "once across processes" is decided. Each maps to its number on the account's event
        counter (the webhook `seq`), taken in the same step, so the numbers follow the order
        in which sockets got the changes.
        """

    async def forget_subject(self, account: str, subject: str) -> None:
        """Drop a subject's last payload (a deleted widget)."""


class WidgetStore(Protocol):
    """Widget settings."""

    # --- widgets (survive a restart) ----------------------------------------------------
    async def put_widget(self, widget: str, settings: WidgetSettings) -> bool:
        """Store the whole settings document; True when the widget is new.

        Raises WrongAccount, storing nothing, if the widget belongs to another account.
        Bumps the account's version.
        """

    async def get_widget(self, widget: str) -> WidgetSettings | None: ...

    async def delete_widget(self, widget: str) -> WidgetSettings | None:
        """Remove the widget; returns what was stored, None if unknown. Bumps the version."""

    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]: ...


class PresenceStore(Protocol):
    """Agents, their connections and the liveness of each process."""

    # --- agents (status survives a restart; connections die with their process) ----------
    async def see_agent(self, account: str, agent: str, name: str) -> bool:
        """Record that the account has this agent (and its latest name); True if first seen."""

    async def set_agent_status(self, account: str, agent: str, status: AgentStatus,
                               reason: StatusReason = StatusReason.AGENT) -> bool:
        """Store the agent's status and who set it; True if either changed (then the version
        is bumped). An agent never seen is recorded, named by its id."""

    async def team(self, account: str) -> Team:
        """Every agent the account has seen, with status, connection and conversation counts."""

    async def add_connection(self, account: str, agent: str, connection: str) -> None:
        """Count a new live connection of this process for the agent. Bumps the version."""

    async def end_connection(self, account: str, agent: str, connection: str,
                             grace_until: float | None) -> None:
        """Stop counting the connection now (None) or at grace_until (epoch seconds).

        An ended connection in its grace still counts: the agent stays connected.
        """

    async def sweep(self, account: str, now: float) -> bool:
        """Drop connections whose grace ended by `now`; True if any was dropped (by this call)."""

    async def renew_node(self, now: float, ttl: float) -> None:
        """This process is alive until now + ttl; its live connections count until then."""

    async def sweep_nodes(self, now: float) -> list[str]:
        """Drop the connections of processes whose liveness ran out; returns the accounts touched.

        Each dropped connection is reported by exactly one caller, whichever process sweeps.
        """

    async def retire_node(self) -> list[str]:
        """This process stops: connections it still counts stop now; returns accounts touched."""

    async def accounts_in_grace(self) -> list[tuple[str, float]]:
        """(account, earliest grace end) for every account with a connection in its grace."""


class ConversationStore(VisitorStore, Protocol):
    """Conversations, their routing and the queue, and visitors' sockets (views.py)."""

    # --- conversations (survive a restart) -------------------------------------------------
    async def start_conversation(self, account: str, widget: str, conversation: str,
                                 visitor: str, text: str | None, now: float) -> StartResult | None:
        """Route and record a new conversation in one step (None if the widget is gone).

        Uses the widget's current routing and capacity; queues it when nobody can take it or
        when the account already has a queue (nothing overtakes), refuses it (state REJECTED,
        nothing stored) when it would be queued behind `max_queue` others. A visitor with an
        open conversation on the widget gets that one back (`existing`). A queued answer
        carries its estimate; the queue's pushes are remembered (see Review).
        """

    async def close_conversation(self, conversation: str, now: float,
                                 reason: CloseReason = CloseReason.CLOSED) -> CloseResult | None:
        """Close it (None if unknown), free its agents' capacity and move the queue forward.

        Conversations closed more than CLOSED_RETENTION before `now` are forgotten (unknown).
        """

    async def assign_queued(self, account: str, now: float) -> QueueChange:
        """Assign queued conversations strictly in order while their widgets' routing can."""

    async def get_conversation(self, conversation: str) -> Conversation | None: ...

    async def visitor_conversation(self, account: str, widget: str,
                                   visitor: str) -> Conversation | None:
        """The visitor's open (assigned or queued) conversation on the widget, if any."""

    async def abandon_queued(self, account: str, widget: str, visitor: str,
                             now: float) -> CloseResult | None:
        """Close the visitor's queued conversation on the widget if the visitor is still gone.

        None when a socket of the visitor came back, or it has no queued conversation there.
        """

    async def open_conversations(self, account: str) -> list[Conversation]:
        """Assigned and queued conversations of the account (queue order for the queued)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a subject's state did: whether it was appended, and the record before
    it (its time and state), which measures the interval that just ended."""

    appended: bool
    previous_at: float | None = None
    previous_state: str | None = None


class HistoryStore(Protocol):
    """The history of availability (contract: Coverage), kept for a number of days.

    Times are epoch seconds, kept to the millisecond. A subject is "widget:<id>" or
    "agent:<id>"; its states are short texts without a newline. Survives a restart.
    """

    async def record_state(self, account: str, subject: str, at: float, state: str,
                           horizon: float) -> Recorded:
        """Append (at, state) unless the subject's record at or before `at` has that state.

        Atomic, so however many processes record one change it is in the history once.
        Records before `horizon` are dropped, except the latest of them (the state at the
        horizon), so a subject that never changes keeps its one record.
        """

    async def state_history(self, account: str, subject: str, start: float,
                            end: float) -> tuple[list[float], list[str]]:
        """(times, states) in time order: the record at or before `start` (if any), then
        every record after `start` up to `end`. One atomic read."""

    async def forget_history(self, account: str, subject: str) -> None:
        """Drop a subject's history (a deleted widget: one created again starts afresh)."""

    async def record_moment(self, account: str, at: float, conversation: str, moment: str,
                            horizon: float) -> float | None:
        """Append what happened to a conversation at `at`; drop moments before `horizon`.

        `moment` is a core.queue_stats.Moment word. Returns the conversation's time to assign
        (seconds) when this moment is its first assignment (0 for a start that was assigned
        at once), else None; one atomic step, so one caller measures each wait."""

    async def moments(self, account: str) -> list[tuple[float, str, str]]:
        """Every kept (at, conversation, moment) of the account, in time order."""


class AccountStore(Protocol):
    """Account settings: one document per account; survives a restart."""

    async def get_account_settings(self, account: str) -> AccountSettings:
        """The stored settings; the defaults for an account that never stored any."""

    async def put_account_settings(self, account: str, settings: AccountSettings) -> None:
        """Replace the whole document (one atomic write)."""


# --- the upkeep of deadlines (issue 15) -------------------------------------------------------
# Auto-away, reassignment and queue expiry each act when a deadline passes (contract: Agents,
# An honest queue). What a deadline is computed from lives in the store (connections' idle
# starts, agents' unavailable-since times, conversations' assignment and queue times), and so
# does an index of when each account is next due, so a restarted or surviving process keeps
# every deadline. One `review_account` step acts on everything due in the account atomically
# (one Lua script with Redis), so two processes reviewing at once cannot act twice.


@dataclass(frozen=True, slots=True)
class Reassignment:
    """A conversation taken from its agents and routed again (or queued again)."""

    conversation: Conversation  # where it stands now: assigned to new agents, or queued
    revoked: tuple[str, ...]  # agents it was taken from (they get conversation.revoked)
    added: tuple[str, ...]  # agents newly given it (they get conversation.joined)
    queue: QueueChange = field(default_factory=QueueChange)  # what else moved in the queue


@dataclass(frozen=True, slots=True)
class Review:
    """What one review of an account did, for the caller to announce, and when to come back."""

    away: tuple[str, ...] = ()  # agents this call set busy with status_reason idle
    reassigned: tuple[Reassignment, ...] = ()
    expired: tuple[Conversation, ...] = ()  # queued too long: closed with reason expired
    queue: QueueChange = field(default_factory=QueueChange)  # queued frames to push
    next_due: float | None = None  # the account's next deadline (epoch s), None: none


class Refusal(StrEnum):
    """Why the reassign route answers 409 (contract: precise rules, Agents)."""

    CLOSED = "closed"  # the conversation is closed
    UNAVAILABLE = "unavailable"  # `to` is not available (or was never seen)


class UpkeepStore(Protocol):
    async def set_connection_idle(self, account: str, agent: str, connection: str,
                                  since: float | None) -> None:
        """Record when a live connection went idle (None: active); the first idle start is
        kept. Dropped with the connection."""

    async def review_account(self, account: str, now: float) -> Review:
        """One atomic step: note which agents became unavailable (and since when), set busy
        the agents whose every live connection has been idle for `auto_away_after`, take
        back conversations whose agents have all been unavailable for `reassign_after`,
        close those queued longer than their widget's `max_queue_wait`, report the queued
        frames to push; and say when the account is next due."""

    async def reassign_conversation(self, conversation: str, to: str | None,
                                    now: float) -> Reassignment | Refusal | None:
        """The reassign route, one atomic step: to `to` (available, even over capacity) or
        by routing without its current agents. None for an unknown conversation."""

    # --- the index of when each account is next due (survives a restart) ---------------------
    async def due_score(self, account: str) -> float | None:
        """The account's entry in the index, read before a review (see settle_review)."""

    async def schedule_review(self, account: str, at: float) -> None:
        """Make the account due at `at` at the latest (an earlier entry stays)."""

    async def due_accounts(self, now: float) -> list[str]:
        """Accounts whose entry is due by `now`."""

    async def settle_review(self, account: str, seen: float | None,
                            next_due: float | None) -> None:
        """After a review: its `next_due` replaces the entry if the entry is still `seen`;
        if someone scheduled meanwhile, the earlier of the two is kept."""


class Store(BusStore, WidgetStore, PresenceStore, ConversationStore, OfflineMessageStore,
            ConversationPageStore, HistoryStore, AccountStore, UpkeepStore, WebhookStore,
            ViewStore, Protocol):
    """Every concern: what memory.py and redis.py implement."""

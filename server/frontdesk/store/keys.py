"""Every Redis key and channel name of Frontdesk, built here and nowhere else.

Account-scoped keys carry the account in a hash tag right after the namespace,
`frontdesk:{acme}:agents`, so every script over one account touches one cluster slot. Ids match
`[A-Za-z0-9_-]{1,64}` (contract: Words), so no id can contain `{`, `}`, `:` or a space, and
the global keys below, which have no `{` right after the namespace or use the tag `{~nodes}`
(`~` is not an id character), can never collide with an account's keys.

Global keys (one each per cluster, not in any account's slot):
- `frontdesk:widget:<widget>`: string, the account owning the widget. Claimed with
  `SET NX GET` before the account-slot write, so "belongs to one account" is decided by one
  single-key command.
- `frontdesk:conversation:<conversation>`: string, the account of a conversation (the close
  route names only the conversation).
- `frontdesk:graces`: zset of `"<account> <connection>"` scored by grace end: where sweepers
  find the accounts with a connection in its close grace.
- `frontdesk:{~nodes}:alive`, `frontdesk:{~nodes}:dead`, `frontdesk:{~nodes}:accounts:<node>`:
  node liveness (zset node -> expiry), nodes being swept (set), and the accounts a node has
  live connections in (set). They share the `{~nodes}` tag so bury_nodes.lua is one slot.
- `frontdesk:{~due}:at`: zset account -> when the account's next review is due (auto-away,
  reassignment, queue expiry; store/lua/settle_review.lua keeps it), in its own slot.
- `frontdesk:{~webhooks}:accounts`: zset account -> a time by which the account may have a
  webhook delivery due (store/redis_webhooks.py says how it is kept).

Pub/sub channels (channels, not keys: scripts get them in ARGV):
- `frontdesk:{<account>}:events`: one account's events (`account_channel`). A process
  subscribes to it while it holds a socket of the account. The hash tag puts it in the
  account's slot, so on a cluster it is a sharded channel (SPUBLISH/SSUBSCRIBE) served by the
  shard that holds the account's keys, and a script over the account may SPUBLISH to it.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "frontdesk"
GRACES = f"{NAMESPACE}:graces"
NODES_ALIVE = f"{NAMESPACE}:{{~nodes}}:alive"
NODES_DEAD = f"{NAMESPACE}:{{~nodes}}:dead"
DUE = f"{NAMESPACE}:{{~due}}:at"


def account_channel(account: str) -> str:
    """The pub/sub channel of one account's events (in the account's slot)."""
    return f"{NAMESPACE}:{{{account}}}:events"


def widget_account(widget: str) -> str:
    """Global: the account a widget belongs to."""
    return f"{NAMESPACE}:widget:{widget}"


def conversation_account(conversation: str) -> str:
    """Global: the account a conversation belongs to."""
    return f"{NAMESPACE}:conversation:{conversation}"


def node_accounts(node: str) -> str:
    """Global ({~nodes} slot): the accounts in which `node` has registered live connections."""
    return f"{NAMESPACE}:{{~nodes}}:accounts:{node}"


def grace_member(account: str, connection: str) -> str:
    """Member of GRACES for one connection in its grace."""
    return f"{account} {connection}"


def split_grace_member(member: str) -> tuple[str, str]:
    account, _, connection = member.partition(" ")
    return account, connection


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """The keys of one account, all in the account's slot (hash tag `{<account>}`)."""

    account: str

    def _key(self, name: str) -> str:
        return f"{NAMESPACE}:{{{self.account}}}:{name}"

    @property
    def meta(self) -> str:
        """Hash: version, rr (round-robin cursor), seq (assignment counter), cseq."""
        return self._key("meta")

    @property
    def widgets(self) -> str:
        """Hash: widget -> settings JSON (settings_to_json)."""
        return self._key("widgets")

    @property
    def routing(self) -> str:
        """Hash: widget -> "<routing> <max_conversations_per_agent> <max_queue>
        <max_queue_wait>", read by the scripts."""
        return self._key("routing")

    @property
    def agents(self) -> str:
        """Hash: agent -> name, every agent the account has seen."""
        return self._key("agents")

    @property
    def status(self) -> str:
        """Hash: agent -> chosen status (missing = online)."""
        return self._key("status")

    @property
    def connections(self) -> str:
        """Hash: connection -> agent, every counted connection (live or in its grace)."""
        return self._key("conns")

    @property
    def connected(self) -> str:
        """Hash: agent -> number of counted connections."""
        return self._key("connected")

    @property
    def live(self) -> str:
        """Hash: live connection -> the node it lives on."""
        return self._key("live")

    def node(self, node: str) -> str:
        """Set: the connections registered live under `node` (checked against `live`)."""
        return self._key(f"node:{node}")

    @property
    def grace(self) -> str:
        """Zset: ended connection -> grace end (epoch seconds)."""
        return self._key("grace")

    @property
    def load(self) -> str:
        """Hash: agent -> open conversations, over all the account's widgets."""
        return self._key("load")

    @property
    def last_assigned(self) -> str:
        """Hash: agent -> meta.seq at its last assignment (orders "assigned longest ago")."""
        return self._key("last")

    @property
    def queue(self) -> str:
        """List: queued conversation ids, head first (FIFO per account)."""
        return self._key("queue")

    @property
    def open(self) -> str:
        """Zset: open conversation -> meta.cseq at its start (creation order)."""
        return self._key("open")

    @property
    def visitors(self) -> str:
        """Hash: "<widget> <visitor>" -> that visitor's open conversation on the widget."""
        return self._key("visitors")

    @property
    def visitor_sockets(self) -> str:
        """Hash: "<widget> <visitor>" -> open sockets of the visitor on the widget (any node)."""
        return self._key("visitor_sockets")

    @property
    def conversations(self) -> str:
        """Hash: conversation -> record JSON {w, v, s, a: [[id, name]...], t?}."""
        return self._key("convs")

    @property
    def closed(self) -> str:
        """Zset: closed conversation -> closing time (epoch s), to forget it after retention."""
        return self._key("closed")

    @property
    def published_stamp(self) -> str:
        """Hash: subject -> "<version> <time>" of its last published payload."""
        return self._key("pub:stamp")

    @property
    def published_payload(self) -> str:
        """Hash: subject -> canonical JSON of its last published payload."""
        return self._key("pub:payload")

    def history(self, subject: str) -> str:
        """Zset: "<ms> <state>" scored by epoch ms, the subject's recorded changes
        ("widget:<id>", "agent:<id>"), trimmed to FRONTDESK_HISTORY_DAYS."""
        return self._key(f"history:{subject}")

    @property
    def moments(self) -> str:
        """Zset: "<ms> <moment> <conversation>" scored by epoch ms, what happened to the
        account's conversations (started, queued, assigned, closed, rejected), trimmed."""
        return self._key("history:moments")

    @property
    def waiting(self) -> str:
        """Hash: conversation -> start (epoch ms) of a queued one never assigned yet, which
        measures its time to assign (entries go at its first assignment or its close)."""
        return self._key("history:waiting")

    @property
    def settings(self) -> str:
        """Hash: account setting -> number of seconds (auto_away_after, reassign_after, ...)."""
        return self._key("settings")

    @property
    def reasons(self) -> str:
        """Hash: agent -> status_reason (agent | idle | api; missing = agent)."""
        return self._key("reasons")

    @property
    def unavailable(self) -> str:
        """Hash: agent -> since when it has been unavailable (epoch s), noted by review.lua."""
        return self._key("unavailable")

    @property
    def idle(self) -> str:
        """Hash: live connection -> since when it has been idle (epoch s)."""
        return self._key("idle")

    @property
    def queue_history(self) -> str:
        """List: "<at> <waited>" of the last 20 assignments from the queue, oldest first."""
        return self._key("qhist")

    def routing_keys(self) -> list[str]:
        """KEYS of the conversation scripts, in the order lua/routing.lua names them."""
        return [self.meta, self.routing, self.agents, self.status, self.connected, self.load,
                self.last_assigned, self.queue, self.open, self.visitors, self.conversations,
                self.visitor_sockets, self.closed, self.settings, self.reasons,
                self.unavailable, self.idle, self.queue_history, self.widgets,
                self.connections, self.live]


def visitor_field(widget: str, visitor: str) -> str:
    """Field of AccountKeys.visitors and .visitor_sockets (ids contain no space)."""
    return f"{widget} {visitor}"


@dataclass(frozen=True, slots=True)
class MessageKeys:
    """One account's offline messages and conversation pages (store/redis_messages.py), in the
    account's slot like AccountKeys."""

    account: str

    def _key(self, name: str) -> str:
        return f"{NAMESPACE}:{{{self.account}}}:{name}"

    @property
    def offline(self) -> str:
        """Hash: message id -> JSON {id, widget, visitor, email, text, created}."""
        return self._key("offline:messages")

    @property
    def offline_order(self) -> str:
        """Zset: message id -> created (epoch s)."""
        return self._key("offline:order")

    @property
    def offline_unread(self) -> str:
        """Set: ids of the unread messages."""
        return self._key("offline:unread")

    def offline_rate(self, bucket: str) -> str:
        """Zset: message id -> time of its hit, one per rate-limit bucket
        ("v:<widget>:<visitor>", "a:<widget>:<client address>"); expires after its window."""
        return self._key(f"offline:rate:{bucket}")

    @property
    def pages(self) -> str:
        """Hash: conversation id -> the page its visitor started it on."""
        return self._key("pages")


# --- webhooks ------------------------------------------------------------------------------
WEBHOOK_ACCOUNTS = f"{NAMESPACE}:{{~webhooks}}:accounts"
"""zset account -> a time by which the account may have a delivery due."""


@dataclass(frozen=True, slots=True)
class WebhookKeys:
    """An account's webhook keys (see store/lua/webhook_accept.lua for their shapes)."""

    account: str

    @property
    def _base(self) -> str:
        return f"{NAMESPACE}:{{{self.account}}}:wh:"

    @property
    def hooks(self) -> str:
        return self._base + "hooks"

    @property
    def types(self) -> str:
        return self._base + "types"

    @property
    def seq(self) -> str:
        return self._base + "seq"

    @property
    def bodies(self) -> str:
        return self._base + "bodies"

    @property
    def times(self) -> str:
        return self._base + "times"

    @property
    def due(self) -> str:
        return self._base + "due"

    @property
    def hook_prefix(self) -> str:
        return self._base + "hook:"

    def log(self, webhook: str) -> str:
        return f"{self.hook_prefix}{webhook}:log"

    def deliveries(self, webhook: str) -> str:
        return f"{self.hook_prefix}{webhook}:deliveries"

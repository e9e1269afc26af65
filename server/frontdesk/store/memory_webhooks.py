"""Webhooks in memory, for the in-process store: one process, nothing survives a restart.

No method awaits, so each is atomic on the event loop.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from frontdesk.core.webhook_model import Claim, Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import LOG_RETENTION, wants


@dataclass(slots=True)
class _Account:
    hooks: dict[str, Webhook] = field(default_factory=dict)
    seq: int = 0
    bodies: dict[str, tuple[bytes, float]] = field(default_factory=dict)  # event -> (body, at)
    logs: dict[str, dict[str, Delivery]] = field(default_factory=dict)  # hook -> event -> it


class MemoryWebhooks:
    """Webhooks, their events and deliveries (WebhookStore); MemoryStore mixes this in."""

    def __init__(self) -> None:
        self._webhook_accounts: dict[str, _Account] = {}
        self._webhook_due: dict[tuple[str, str, str], float] = {}  # (account, hook, event) -> when

    async def add_webhook(self, webhook: Webhook) -> None:
        account = self._webhook_accounts.setdefault(webhook.account, _Account())
        account.hooks[webhook.id] = webhook
        account.logs[webhook.id] = {}

    async def list_webhooks(self, account: str) -> list[Webhook]:
        found = self._webhook_accounts.get(account)
        return list(found.hooks.values()) if found else []

    async def get_webhook(self, account: str, webhook: str) -> Webhook | None:
        found = self._webhook_accounts.get(account)
        return found.hooks.get(webhook) if found else None

    async def delete_webhook(self, account: str, webhook: str) -> bool:
        found = self._webhook_accounts.get(account)
        if found is None or webhook not in found.hooks:
            return False
        del found.hooks[webhook]
        for event in found.logs.pop(webhook, {}):
            self._webhook_due.pop((account, webhook, event), None)
        return True

    async def accept_event(self, account: str, event_id: str, kind: str, head: bytes,
                           tail: bytes, occurred_at: float, now: float,
                           seq: int | None = None) -> int | None:
        found = self._webhook_accounts.get(account)
        if found is None or not found.hooks:
            return None
        self._forget_old(account, found, now)
        if seq is None:
            seq = self._next_event_seq(account)
        found.bodies[event_id] = (head + str(seq).encode() + tail, occurred_at)
        for hook in found.hooks.values():
            if wants(hook.events, kind):
                found.logs[hook.id][event_id] = Delivery(event_id, kind, seq, occurred_at,
                                                         next_attempt=now)
                self._webhook_due[(account, hook.id, event_id)] = now
        return seq

    def _next_event_seq(self, account: str) -> int:
        """The account's event counter (also numbers what the bus publishes, see base.py)."""
        found = self._webhook_accounts.setdefault(account, _Account())
        found.seq += 1
        return found.seq

    def _forget_old(self, name: str, account: _Account, now: float) -> None:
        for event, (_, at) in list(account.bodies.items()):
            if at >= now - LOG_RETENTION:
                break  # bodies are in acceptance order
            del account.bodies[event]
            for hook, log in account.logs.items():
                log.pop(event, None)
                self._webhook_due.pop((name, hook, event), None)

    async def claim_due(self, now: float, limit: int, lease: float,
                        skip: Collection[str] = ()) -> list[Claim]:
        claims: list[Claim] = []
        for key, when in sorted(self._webhook_due.items(), key=lambda item: item[1]):
            if when > now or len(claims) >= limit:
                break
            name, hook, event = key
            if hook in skip:
                continue
            account = self._webhook_accounts[name]
            self._webhook_due[key] = now + lease
            claims.append(Claim(account.hooks[hook], account.logs[hook][event],
                                account.bodies[event][0]))
        return claims

    async def finish_attempt(self, account: str, webhook: str, claimed: Delivery,
                             outcome: Delivery, now: float) -> bool:
        found = self._webhook_accounts.get(account)
        log = found.logs.get(webhook) if found else None
        if log is None or log.get(claimed.event) != claimed:
            return False
        log[claimed.event] = outcome
        key = (account, webhook, claimed.event)
        if outcome.status is DeliveryStatus.PENDING and outcome.next_attempt is not None:
            self._webhook_due[key] = outcome.next_attempt
        else:
            self._webhook_due.pop(key, None)
        return True

    async def deliveries(self, account: str, webhook: str, status: DeliveryStatus | None,
                         limit: int) -> list[Delivery]:
        found = self._webhook_accounts.get(account)
        log = found.logs.get(webhook, {}) if found else {}
        result: list[Delivery] = []
        for delivery in reversed(log.values()):
            if status is None or delivery.status is status:
                result.append(delivery)
                if len(result) >= limit:
                    break
        return result

    async def redeliver(self, account: str, webhook: str, event: str,
                        now: float) -> Delivery | None:
        found = self._webhook_accounts.get(account)
        log = found.logs.get(webhook) if found else None
        delivery = log.get(event) if log is not None else None
        if log is None or delivery is None:
            return None
        log[event] = marked = replace(delivery, manual=True)
        self._webhook_due[(account, webhook, event)] = now
        return marked

"""The webhook concern of the store: registrations, accepted events, their deliveries.

With Redis everything here survives a restart of every process: an event is written before
any attempt, and a delivery claimed by a process that died is claimed again once its lease
ends. The in-process store keeps it in memory (lost on restart). Every method is one atomic
step and may raise StoreUnavailable.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from frontdesk.core.webhook_model import Claim, Delivery, DeliveryStatus, Webhook


class WebhookStore(Protocol):
    async def add_webhook(self, webhook: Webhook) -> None:
        """Register it; it gets the account's events accepted from now on."""

    async def list_webhooks(self, account: str) -> list[Webhook]:
        """The account's webhooks, oldest first."""

    async def get_webhook(self, account: str, webhook: str) -> Webhook | None: ...

    async def delete_webhook(self, account: str, webhook: str) -> bool:
        """Forget it, its log and its pending deliveries (no attempt starts after this)."""

    async def accept_event(self, account: str, event_id: str, kind: str, head: bytes,
                           tail: bytes, occurred_at: float, now: float,
                           seq: int | None = None) -> int | None:
        """Record the event for every webhook of the account that wants `kind`, due now.

        The body is `head + str(seq) + tail`. `seq` is the number the bus gave a status push
        as it published it (publish_if_changed), or None to take the account's next from the
        same counter. Returns the seq, or None when the account has no webhook at all. Also
        forgets events older than the log's retention.
        """

    async def claim_due(self, now: float, limit: int, lease: float,
                        skip: Collection[str] = ()) -> list[Claim]:
        """Up to `limit` deliveries due by `now`, none of a webhook in `skip`, each leased
        to the caller for `lease` seconds: no other caller gets it before the lease ends."""

    async def finish_attempt(self, account: str, webhook: str, claimed: Delivery,
                             outcome: Delivery, now: float) -> bool:
        """Store the outcome if the delivery is still as claimed (else False: another process
        or a redelivery request changed it). A pending outcome is due at its next_attempt."""

    async def deliveries(self, account: str, webhook: str, status: DeliveryStatus | None,
                         limit: int) -> list[Delivery]:
        """The webhook's log, newest first."""

    async def redeliver(self, account: str, webhook: str, event: str,
                        now: float) -> Delivery | None:
        """Mark the delivery for one more attempt now; None if unknown."""

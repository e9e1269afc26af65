"""Use case: webhooks (contract: Availability events to the customer's back end).

Registers, lists and deletes an account's webhooks, answers their delivery logs and
redeliveries, and turns every change the feed reports into one event. The feed tells only the
process that published a change, so each change becomes one event cluster-wide; the event is
handed to the deliverer, which never makes the push path wait (webhook_delivery.py).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from typing import Any

from frontdesk.core.errors import Invalid
from frontdesk.core.events import Push
from frontdesk.core.webhook_model import Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import (
    EVENT_TYPES,
    LOG_LIMIT,
    RESOLVE_TIMEOUT,
    first_private,
    literal_address,
    parse_registration,
)
from frontdesk.feed import Change, Feed
from frontdesk.runtime import Runtime
from frontdesk.store.webhooks import WebhookStore
from frontdesk.webhook_delivery import Deliverer, DeliveryLimits
from frontdesk.webhook_network import Resolver, resolve_host

_EVENT_TYPES = frozenset(EVENT_TYPES)
PRIVATE_TARGET = ("must not point to a loopback, private, link-local, unspecified, multicast or "
                  "reserved address (FRONTDESK_WEBHOOK_ALLOW_PRIVATE=1 allows it)")


class Webhooks:
    def __init__(self, runtime: Runtime, *, webhooks: WebhookStore, feed: Feed,
                 resolver: Resolver = resolve_host, limits: DeliveryLimits | None = None) -> None:
        settings = runtime.settings
        self._store = webhooks
        self._now = runtime.now
        self._allow_private = settings.webhook_allow_private
        self._resolver = resolver
        self.deliverer = Deliverer(
            webhooks, runtime.metrics.registry, clock=runtime.now,
            allow_private=settings.webhook_allow_private, resolver=resolver, health=runtime.health,
            limits=limits or DeliveryLimits(lease=settings.webhook_lease))
        feed.subscribe(self._on_change)

    async def start(self) -> None:
        await self.deliverer.start()

    async def stop(self) -> None:
        await self.deliverer.stop()

    def _on_change(self, change: Change) -> None:
        """A frame this process published: one event (sockets are not kept waiting)."""
        if isinstance(change, Push) and change.kind in _EVENT_TYPES:
            self.deliverer.accept(change.account, change.payload, change.at or self._now(),
                                  change.order)

    # --- registrations -------------------------------------------------------------------------
    async def register(self, account: str, body: Mapping[str, Any]) -> Webhook:
        """Check the body and the target, store the webhook; the answer shows its secret."""
        registration = parse_registration(body)
        if not self._allow_private and await self._is_private(registration.host):
            raise Invalid({"url": PRIVATE_TARGET}, "the webhook's target is a private address")
        secret = registration.secret or secrets.token_urlsafe(32)
        webhook = Webhook("wh_" + secrets.token_hex(12), account, registration.url,
                          registration.events, secret, self._now())
        await self._store.add_webhook(webhook)
        return webhook

    async def _is_private(self, host: str) -> bool:
        """A literal private address, or a name with any private address (one that does not
        resolve within 2 s is accepted: it is checked again at each delivery)."""
        if literal_address(host) is not None:
            return first_private([host]) is not None
        try:
            addresses = await asyncio.wait_for(self._resolver(host), RESOLVE_TIMEOUT)
        except (OSError, TimeoutError):
            return False
        return first_private(addresses) is not None

    async def of_account(self, account: str) -> list[Webhook]:
        return await self._store.list_webhooks(account)

    async def delete(self, account: str, webhook: str) -> bool:
        return await self._store.delete_webhook(account, webhook)

    # --- deliveries ------------------------------------------------------------------------
    async def deliveries(self, account: str, webhook: str,
                         status: DeliveryStatus | None) -> list[Delivery] | None:
        """The log, newest first, at most 100; None for an unknown webhook."""
        if await self._store.get_webhook(account, webhook) is None:
            return None
        return await self._store.deliveries(account, webhook, status, LOG_LIMIT)

    async def redeliver(self, account: str, webhook: str, event: str) -> Delivery | None:
        """One more attempt now (any process may make it); None for an unknown one."""
        now = self._now()
        marked = await self._store.redeliver(account, webhook, event, now)
        if marked is not None:
            self.deliverer.wake_at(now)
        return marked

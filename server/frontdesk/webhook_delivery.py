"""Delivers webhook events: takes them in, writes them to the store, attempts, retries.

Nothing here is awaited by the push path: `accept` only queues. One intake task writes queued
events to the store in order (with Redis, before any attempt); one claim loop leases due
deliveries from the store (any process may take any delivery) and starts an attempt task for
each, at most `concurrency` at once in this process and `per_webhook` for one webhook, so a
slow or hung receiver holds a few slots for at most 5 s each and never the others'.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.webhook_model import Claim, DeliveryStatus
from frontdesk.core.webhook_rules import (
    ATTEMPT_TIMEOUT,
    JITTER,
    RESOLVE_TIMEOUT,
    AttemptResult,
    after_attempt,
    event_body_parts,
    first_private,
    judge,
    literal_address,
    sign,
)
from frontdesk.store.webhooks import WebhookStore
from frontdesk.webhook_network import GuardedBackend, Resolver, resolve_host

log = logging.getLogger("frontdesk.webhooks")

Clock = Callable[[], float]  # epoch seconds
INTAKE_BOUND = 10_000  # events waiting to be written; beyond it new ones are dropped (and counted)
STORE_RETRY = 0.5
DRAIN = 2.0  # seconds at shutdown to write events taken in but not yet written
USER_AGENT = "Frontdesk-Webhooks/1"


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    concurrency: int = 64  # attempts in flight in this process
    per_webhook: int = 4  # attempts in flight for one webhook in this process
    lease: float = 30.0  # a claimed delivery is claimed again after this (its process died)
    # How often to look for deliveries due that this process was not told of (other
    # processes' events, a crashed process's leases): twice a second keeps an idle process's
    # Redis traffic low (issue 11: at most 10 commands a second); its own retries wake it.
    poll: float = 0.5
    store_calls: int = 8  # store calls in flight at once: the rest of the pool is the sockets'


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("frontdesk_webhook_attempts", "Webhook delivery attempts by outcome",
                                ["outcome"], registry=registry)
        self.attempt_seconds = Histogram(
            "frontdesk_webhook_attempt_seconds", "Duration of one webhook attempt",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5),
            registry=registry)
        self.latency = Histogram(
            "frontdesk_webhook_delivery_latency_seconds",
            "From an event to its successful delivery (retries included)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10, 60, 600, 3600),
            registry=registry)
        self.events = Counter("frontdesk_webhook_events", "Events taken in by this process",
                              ["result"], registry=registry)
        self.in_flight = Gauge("frontdesk_webhook_in_flight", "Webhook attempts in flight",
                               registry=registry)


def new_client(allow_private: bool, limits: DeliveryLimits,
               resolver: Resolver = resolve_host) -> httpx.AsyncClient:
    """A pooled client: 5 s per request, no redirects, no proxies from the environment, and
    (unless private targets are allowed) a connector that never opens a private address."""
    pool = httpx.Limits(max_connections=limits.concurrency,
                        max_keepalive_connections=min(32, limits.concurrency),
                        keepalive_expiry=30.0)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line (and URL) per attempt
    transport = httpx.AsyncHTTPTransport(limits=pool, trust_env=False)
    if not allow_private:
        pool_ = transport._pool
        pool_._network_backend = GuardedBackend(pool_._network_backend, resolver)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(ATTEMPT_TIMEOUT),
                             follow_redirects=False, trust_env=False,
                             headers={"User-Agent": USER_AGENT})


class Deliverer:
    def __init__(self, store: WebhookStore, registry: CollectorRegistry, *, clock: Clock,
                 allow_private: bool, limits: DeliveryLimits | None = None,
                 jitter: Callable[[], float] | None = None, resolver: Resolver = resolve_host,
                 client: httpx.AsyncClient | None = None,
                 health: StoreHealthLike | None = None) -> None:
        self.store = store
        self.metrics = WebhookMetrics(registry)
        self.clock = clock
        self.allow_private = allow_private
        self.limits = limits or DeliveryLimits()
        self.jitter = jitter or (lambda: random.uniform(-JITTER, JITTER))
        self.resolver = resolver
        self._client = client
        self._intake: asyncio.Queue[tuple[str, dict[str, Any], float, int | None]] = (
            asyncio.Queue(INTAKE_BOUND))
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._attempts: set[asyncio.Task[Any]] = set()
        self._busy: Tally[str] = Tally()  # webhook -> attempts in flight here
        self._timer: asyncio.TimerHandle | None = None
        self._health = health or _LoggedHealth()
        self._store_slots = asyncio.Semaphore(self.limits.store_calls)

    # --- life -------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._client is None:
            self._client = new_client(self.allow_private, self.limits, self.resolver)
        loop = asyncio.get_running_loop()
        for coro, name in ((self._write_events(), "webhook intake"),
                           (self._claim_loop(), "webhook claims")):
            task = loop.create_task(coro, name=name)
            self._tasks.add(task)

    async def stop(self) -> None:
        """Write what was taken in (for up to DRAIN seconds), then cancel everything; a
        cancelled attempt's lease runs out and another process (or a restart) makes it."""
        if self._timer is not None:
            self._timer.cancel()
        claims = [t for t in self._tasks if t.get_name() == "webhook claims"]
        for task in [*claims, *self._attempts]:
            task.cancel()
        try:
            await asyncio.wait_for(self._intake.join(), DRAIN)
        except TimeoutError:
            log.error("webhooks: %d events not written at shutdown", self._intake.qsize())
        tasks = [*self._tasks, *self._attempts]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()

    # --- intake -----------------------------------------------------------------------------
    def accept(self, account: str, payload: dict[str, Any], at: float,
               seq: int | None = None) -> None:
        """Queue one event (a frame that reports a change; `seq` if the bus numbered it);
        never waits."""
        try:
            self._intake.put_nowait((account, payload, at, seq))
        except asyncio.QueueFull:
            self.metrics.events.labels("dropped").inc()
            log.error("webhook intake full: an event of %s was dropped", account)

    async def _write_events(self) -> None:
        while True:
            account, payload, at, given = await self._intake.get()
            event_id = "evt_" + secrets.token_hex(12)
            head, tail = event_body_parts(event_id, payload["type"], account, at, payload)
            while True:
                try:
                    async with self._store_slots:
                        seq = await self.store.accept_event(account, event_id, payload["type"], head,
                                                            tail, at, self.clock(), given)
                    break
                except StoreUnavailable as exc:
                    self._note_store(exc)
                    await asyncio.sleep(STORE_RETRY)
            self._intake.task_done()
            self._note_store(None)
            self.metrics.events.labels("none" if seq is None else "accepted").inc()
            if seq is not None:
                self._wake.set()

    # --- claims -----------------------------------------------------------------------------
    def wake_at(self, when: float) -> None:
        """Look for due deliveries at `when` (epoch seconds) as well as on the usual poll."""
        delay = max(0.0, when - self.clock())
        if delay >= self.limits.poll:
            return
        loop = asyncio.get_running_loop()
        if self._timer is None or self._timer.when() > loop.time() + delay:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_later(delay, self._wake.set)

    async def _claim_loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.limits.poll)
            except TimeoutError:
                pass
            self._wake.clear()
            free = self.limits.concurrency - len(self._attempts)
            if free <= 0:
                continue
            skip = [hook for hook, n in self._busy.items() if n >= self.limits.per_webhook]
            try:
                async with self._store_slots:
                    claims = await self.store.claim_due(self.clock(), free, self.limits.lease,
                                                        skip)
            except StoreUnavailable as exc:
                self._note_store(exc)
                continue
            self._note_store(None)
            for claim in claims:
                self._start_attempt(claim)
            if len(claims) == free:
                self._wake.set()  # there may be more

    def _start_attempt(self, claim: Claim) -> None:
        hook = claim.webhook.id
        self._busy[hook] += 1
        self.metrics.in_flight.inc()
        task = asyncio.get_running_loop().create_task(self._attempt(claim), name="webhook attempt")
        self._attempts.add(task)

        def done(task: asyncio.Task[Any]) -> None:
            self._attempts.discard(task)
            self.metrics.in_flight.dec()
            self._busy[hook] -= 1
            if self._busy[hook] <= 0:
                del self._busy[hook]
            self._wake.set()  # a slot is free
            if not task.cancelled() and task.exception() is not None:
                log.error("webhook attempt failed", exc_info=task.exception())

        task.add_done_callback(done)

    async def _attempt(self, claim: Claim) -> None:
        result = await self.post(claim)
        outcome = after_attempt(claim.delivery, result, self.jitter())
        self.metrics.attempts.labels(judge(result.code).value if result.attempted
                                     else "blocked").inc()
        if outcome.status is DeliveryStatus.DELIVERED:
            self.metrics.latency.observe(max(0.0, result.ended_at - claim.delivery.occurred_at))
        for attempt in range(3):
            try:
                async with self._store_slots:
                    await self.store.finish_attempt(claim.webhook.account, claim.webhook.id,
                                                    claim.delivery, outcome, self.clock())
                break
            except StoreUnavailable as exc:
                self._note_store(exc)
                await asyncio.sleep(STORE_RETRY * (attempt + 1))  # else the lease runs out
        if outcome.status is DeliveryStatus.PENDING and outcome.next_attempt is not None:
            self.wake_at(outcome.next_attempt)

    async def post(self, claim: Claim) -> AttemptResult:
        """One attempt: check the target, POST the signed body, judge nothing (that is core's)."""
        url = claim.webhook.url
        if not self.allow_private:
            blocked = await self._private_target(urlsplit(url).hostname or "")
            if blocked is not None:
                return AttemptResult(None, blocked, self.clock(), attempted=False)
        assert self._client is not None
        t = int(self.clock())
        headers = {"Content-Type": "application/json",
                   "Frontdesk-Event-Id": claim.delivery.event,
                   "Frontdesk-Signature": sign(claim.webhook.secret, t, claim.body)}
        started = time.monotonic()
        code: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT):
                async with self._client.stream("POST", url, content=claim.body,
                                               headers=headers) as response:
                    code = response.status_code
                    read = 0
                    async for chunk in response.aiter_raw():  # drain a little: keep-alive
                        read += len(chunk)
                        if read > 65536:
                            break
        except TimeoutError:
            error = f"no answer within {ATTEMPT_TIMEOUT:g} s"
        except httpx.HTTPError as exc:
            if code is None:
                error = f"request failed: {type(exc).__name__}"
        self.metrics.attempt_seconds.observe(time.monotonic() - started)
        if code is not None and not 200 <= code < 300:
            error = f"answered {code}"
        return AttemptResult(code, error, self.clock())

    async def _private_target(self, host: str) -> str | None:
        """Why the host may not be attempted, or None (an unresolvable name is no verdict)."""
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await asyncio.wait_for(self.resolver(host), RESOLVE_TIMEOUT)
            except (OSError, TimeoutError):
                return None  # the attempt fails to connect and is retried
        if first_private(addresses) is not None:
            return "the target resolves to a private address"
        return None

    def _note_store(self, exc: BaseException | None) -> None:
        if exc is None:
            self._health.note_up()
        else:
            self._health.note_down(exc)


class StoreHealthLike(Protocol):
    """The process's record of the store's health (runtime.StoreHealth): one log per outage."""

    def note_down(self, exc: BaseException) -> None: ...

    def note_up(self) -> None: ...


class _LoggedHealth:
    """For a deliverer on its own (tests): log an outage once."""

    def __init__(self) -> None:
        self.ok = True

    def note_down(self, exc: BaseException) -> None:
        if self.ok:
            self.ok = False
            log.error("webhooks: store unreachable: %s", exc)

    def note_up(self) -> None:
        if not self.ok:
            self.ok = True
            log.warning("webhooks: store reachable again")

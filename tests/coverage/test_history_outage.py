"""A history write that fails while Redis is down is retried, with its own time, when it returns."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.core.events import Push
from frontdesk.core.queue_stats import Moment
from frontdesk.store.redis import RedisStore
from tests.support.redis_server import RedisServer
from tests.support.server import running_server

pytestmark = pytest.mark.redis


async def test_writes_wait_for_redis_and_keep_their_time(redis_url: str,
                                                         redis_server: RedisServer) -> None:
    store = RedisStore(redis_url, node_id="history-outage", backoff_cap=0.2)
    async with running_server(store=store) as server:
        history = server.node.history
        at = server.node.clock().timestamp()
        try:
            redis_server.stop()
            # what the feed and the conversations tell the history while the store is down
            server.node.feed._tell(Push("acme", {  # noqa: SLF001 - the feed's own telling
                "type": "widget.status", "widget": "w", "status": "offline",
                "reason": "team_away", "message": "", "next_change": None}, at=at - 5))
            history.note("acme", "c1", Moment.STARTED_QUEUED, at - 4)
            history.note("acme", "c1", Moment.ASSIGNED, at - 1)
            await asyncio.sleep(0.6)  # the writer tries, fails, backs off
            assert history._pending  # noqa: SLF001 - nothing was lost meanwhile
        finally:
            redis_server.start()
        await history.drained(timeout=5)
        times, states = await store.state_history("acme", "widget:w", 0, at + 1)
        assert (times, states) == ([pytest.approx(at - 5, abs=0.001)], ["offline team_away"])
        moments = await store.moments("acme")
        assert [(m[1], m[2]) for m in moments] == [("c1", "started_queued"), ("c1", "assigned")]
        assert moments[0][0] == pytest.approx(at - 4, abs=0.001)
        metrics = server.node.metrics.render().decode()
        assert "frontdesk_time_to_assign_seconds_count 1.0" in metrics
        assert "frontdesk_time_to_assign_seconds_sum 3.0" in metrics

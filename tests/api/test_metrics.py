"""/metrics for the people on call: per-account gauges, HTTP latency by route template, the
process collector, and no `_created` series (issue 16, item 7)."""

from __future__ import annotations

import httpx

from frontdesk.account_metrics import MAX_ACCOUNT_LABELS
from tests.support import client as fd
from tests.support.server import agent_token


def series(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


async def test_per_account_gauges_latency_and_process(server, api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})
    await api.put("/api/v1/widgets/other", json={"account": "beta"})
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    visitors = [(await fd.widget(server.ws, "site", visitor=f"v{i}"))[0] for i in range(2)]
    waiting, _ = await fd.widget(server.ws, "other", visitor="w1")
    await waiting.send({"type": "conversation.start", "text": "anyone?"})
    await waiting.recv_type("conversation.queued")
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        await anonymous.get("/api/v1/widgets/site/status")
        await anonymous.get("/no/such/path")
        text = (await anonymous.get("/metrics")).text
    got = series(text)
    assert got['frontdesk_account_connections{account="acme",kind="agent"}'] == 1
    assert got['frontdesk_account_connections{account="acme",kind="widget"}'] == 2
    assert got['frontdesk_account_connections{account="beta",kind="widget"}'] == 1
    assert got['frontdesk_account_available_agents{account="acme"}'] == 1
    assert got['frontdesk_account_available_agents{account="beta"}'] == 0
    assert got['frontdesk_account_queue_depth{account="beta"}'] == 1
    assert got['frontdesk_account_queue_depth{account="acme"}'] == 0
    route = 'method="GET",route="/api/v1/widgets/{widget}/status",status="2xx"'
    assert got[f"frontdesk_http_request_duration_seconds_count{{{route}}}"] == 1
    # Unknown paths fall to the pages' mount at the root: one series, whatever the path.
    assert 'method="GET",route="static",status="4xx"' in text
    assert "/no/such/path" not in text
    assert "process_cpu_seconds_total" in got and "process_resident_memory_bytes" in got
    assert "_created" not in text
    # An account whose sockets are all gone leaves the gauges.
    for client in (agent, *visitors):
        await client.close()
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        text = (await anonymous.get("/metrics")).text
    assert 'account="acme"' not in text and 'account="beta"' in text
    assert MAX_ACCOUNT_LABELS == 100

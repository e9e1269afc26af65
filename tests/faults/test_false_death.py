"""Issue 10, item 3: no process is declared dead because Redis, or the process itself, was
away for a while.

1. Redis (AOF on) shut down for 5 s and started again, under two processes: nobody sees an
   agent go `connected:false` or a widget go offline, and no process is declared dead.
2. A process frozen (SIGSTOP) for twice the presence TTL: the other one rightly announces
   its agent gone; once resumed, the frozen process reads the pings waiting in the kernel
   before it judges its sockets (no 4000) and re-asserts its agent: one `connected:true`.
"""

from __future__ import annotations

import asyncio

from tests.faults.conftest import (
    Recorder,
    Starter,
    back_office,
    resume_process,
    stop_process,
)
from tests.support import client as fd
from tests.support.redis_server import RedisServer
from tests.support.server import agent_token, make_settings

SETTINGS = make_settings(heartbeat=1.0, presence_ttl=3.0, close_grace=0.5)


async def test_a_redis_restart_declares_nobody_dead(processes: Starter,
                                                   aof_redis: RedisServer) -> None:
    a = await processes(SETTINGS, redis=aof_redis)
    b = await processes(SETTINGS, redis=aof_redis)
    loop = asyncio.get_running_loop()
    async with back_office(a) as api:
        assert (await api.put("/api/v1/widgets/site", json={
            "account": "acme", "offline_when_team_away": True})).status_code == 200
    kevin = Recorder((await fd.agent(a.ws, agent_token("acme", "kevin")))[0])
    olga = Recorder((await fd.agent(b.ws, agent_token("acme", "olga")))[0])
    visitor = Recorder((await fd.widget(b.ws, "site"))[0])
    await asyncio.sleep(1.0)
    started = loop.time()
    aof_redis.stop()
    await asyncio.sleep(5.0)
    aof_redis.start()
    await asyncio.sleep(5.0)  # several renewal intervals and sweeps after it answers again
    gone = [(f["agent"], f["connected"]) for _, f in olga.of("agent.status", started)
            + kevin.of("agent.status", started) if not f["connected"]]
    flips = [f["status"] for _, f in visitor.of("widget.status", started)]
    closes = (kevin.close_code, olga.close_code, visitor.close_code)
    for socket in (kevin, olga, visitor):
        await socket.stop()
    logs = a.stop() + b.stop()
    print(f"\nafter a 5 s Redis restart: connected:false pushes {gone}, widget statuses "
          f"{flips}, closes {closes}, 'declared dead' logged {logs.count('declared dead')}x")
    assert gone == [] and flips == [] and closes == (None, None, None)
    assert "declared dead" not in logs


async def test_a_frozen_process_comes_back_without_closing_its_agent(processes: Starter) -> None:
    a = await processes(SETTINGS)
    b = await processes(SETTINGS)
    loop = asyncio.get_running_loop()
    kevin = Recorder((await fd.agent(b.ws, agent_token("acme", "kevin")))[0])
    olga = Recorder((await fd.agent(a.ws, agent_token("acme", "olga")))[0])
    await asyncio.sleep(1.0)
    stop_process(b)
    frozen_at = loop.time()
    gone = await olga.wait_for("agent.status", frozen_at, 6, agent="kevin", connected=False)
    await asyncio.sleep(max(0.0, frozen_at + 2 * SETTINGS.presence_ttl - loop.time()))
    resume_process(b)
    resumed_at = loop.time()
    back = await olga.wait_for("agent.status", resumed_at, 5, agent="kevin", connected=True)
    await asyncio.sleep(2.0)
    pushes = [f["connected"] for _, f in olga.of("agent.status", resumed_at, agent="kevin")]
    code = kevin.close_code
    for socket in (kevin, olga):
        await socket.stop()
    print(f"\nprocess frozen {2 * SETTINGS.presence_ttl:.0f} s: kevin gone after "
          f"{(gone[0] - frozen_at) if gone else None} s; after the resume kevin's socket "
          f"closed with {code}, connected pushes {pushes}, back after "
          f"{(back[0] - resumed_at) if back else None} s")
    assert gone is not None
    assert code is None, code
    assert back is not None and back[0] - resumed_at < 3.0
    assert pushes == [True], pushes

"""The routing decision on its own (contract: Routing), one table row per rule.

The stores apply this same decision (memory.py calls it, lua/routing.lua mirrors it); the
store contract suite proves they agree. Agents are written "id:status/connections/load/last",
e.g. "ann:online/1/2/5.0" (last assigned at 5.0) or "bob:busy/1/0/-" (never assigned).
"""

from __future__ import annotations

import pytest

from frontdesk.core.model import AgentState, AgentStatus, Routing
from frontdesk.core.routing import choose_agents, eligible_agents, is_under_capacity

BROADCAST, ROUND_ROBIN, LEAST_BUSY = Routing.BROADCAST, Routing.ROUND_ROBIN, Routing.LEAST_BUSY


def agent(spec: str) -> AgentState:
    agent_id, rest = spec.split(":")
    status, connections, load, last = rest.split("/")
    return AgentState(id=agent_id, name=agent_id.title(), status=AgentStatus(status),
                      connections=int(connections), conversations=int(load),
                      last_assigned=None if last == "-" else float(last))


def team(*specs: str) -> list[AgentState]:
    return [agent(s) for s in specs]


@pytest.mark.parametrize(("conversations", "capacity", "under"), [
    (0, 0, True), (50, 0, True),  # 0: no limit
    (0, 1, True), (1, 1, False), (2, 1, False), (2, 3, True),
])
def test_capacity(conversations: int, capacity: int, under: bool) -> None:
    assert is_under_capacity(agent(f"a:online/1/{conversations}/-"), capacity) is under


@pytest.mark.parametrize(("agents", "capacity", "eligible"), [
    pytest.param(team("b:online/1/0/-", "a:online/2/0/-"), 0, ["a", "b"], id="id order"),
    pytest.param(team("a:busy/1/0/-", "b:online/1/0/-"), 0, ["b"], id="busy is out"),
    pytest.param(team("a:online/0/0/-", "b:online/1/0/-"), 0, ["b"], id="disconnected is out"),
    pytest.param(team("a:online/1/2/-", "b:online/1/1/-"), 2, ["b"], id="full is out"),
    pytest.param(team("a:online/1/9/-"), 0, ["a"], id="no limit"),
    pytest.param([], 0, [], id="nobody"),
])
def test_eligible_agents(agents: list[AgentState], capacity: int, eligible: list[str]) -> None:
    assert [a.id for a in eligible_agents(agents, capacity)] == eligible


CASES = [
    # mode, agents, capacity, round-robin cursor, chosen
    ("broadcast: every available agent, in id order",
     BROADCAST, team("c:online/1/0/-", "a:online/1/5/-", "b:busy/1/0/-"), 0, None, ("a", "c")),
    ("broadcast: capacity leaves the full ones out",
     BROADCAST, team("a:online/1/2/-", "b:online/1/1/-"), 2, None, ("b",)),
    ("broadcast: nobody available",
     BROADCAST, team("a:busy/1/0/-", "b:online/0/0/-"), 0, None, ()),
    ("round robin: no cursor starts at the lowest id",
     ROUND_ROBIN, team("b:online/1/0/-", "a:online/1/0/-"), 0, None, ("a",)),
    ("round robin: the next id after the cursor",
     ROUND_ROBIN, team("a:online/1/0/-", "b:online/1/0/-", "c:online/1/0/-"), 0, "a", ("b",)),
    ("round robin: wraps after the highest id",
     ROUND_ROBIN, team("a:online/1/0/-", "b:online/1/0/-"), 0, "b", ("a",)),
    ("round robin: a cursor that is no agent's id still orders",
     ROUND_ROBIN, team("a:online/1/0/-", "c:online/1/0/-"), 0, "b", ("c",)),
    ("round robin: skips the unavailable",
     ROUND_ROBIN, team("a:online/1/0/-", "b:busy/1/0/-", "c:online/1/0/-"), 0, "a", ("c",)),
    ("round robin: skips the full",
     ROUND_ROBIN, team("a:online/1/0/-", "b:online/1/1/-", "c:online/1/0/-"), 1, "a", ("c",)),
    ("round robin: ids compare as strings",
     ROUND_ROBIN, team("a10:online/1/0/-", "a9:online/1/0/-"), 0, "a10", ("a9",)),
    ("round robin: nobody",
     ROUND_ROBIN, team("a:busy/1/0/-"), 0, "a", ()),
    ("least busy: fewest open conversations",
     LEAST_BUSY, team("a:online/1/3/1.0", "b:online/1/1/9.0", "c:online/1/2/0.0"), 0, None,
     ("b",)),
    ("least busy: tie on load goes to the one assigned longest ago",
     LEAST_BUSY, team("a:online/1/1/5.0", "b:online/1/1/2.0"), 0, None, ("b",)),
    ("least busy: never assigned counts as longest ago",
     LEAST_BUSY, team("a:online/1/1/0.0", "b:online/1/1/-"), 0, None, ("b",)),
    ("least busy: a full tie goes to the lowest id",
     LEAST_BUSY, team("b:online/1/1/-", "a:online/1/1/-"), 0, None, ("a",)),
    ("least busy: a full tie on time goes to the lowest id",
     LEAST_BUSY, team("b:online/1/1/4.0", "a:online/1/1/4.0"), 0, None, ("a",)),
    ("least busy: the less busy but unavailable is skipped",
     LEAST_BUSY, team("a:busy/1/0/-", "b:online/1/4/-"), 0, None, ("b",)),
    ("least busy: the full are skipped even when idle longest",
     LEAST_BUSY, team("a:online/1/2/-", "b:online/1/1/9.0"), 2, None, ("b",)),
    ("least busy: everybody full",
     LEAST_BUSY, team("a:online/1/1/-", "b:online/1/1/-"), 1, None, ()),
    ("least busy: the round-robin cursor plays no part",
     LEAST_BUSY, team("a:online/1/0/-", "b:online/1/0/-"), 0, "a", ("a",)),
]


@pytest.mark.parametrize(("mode", "agents", "capacity", "cursor", "chosen"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_choose_agents(mode: Routing, agents: list[AgentState], capacity: int,
                       cursor: str | None, chosen: tuple[str, ...]) -> None:
    assert choose_agents(agents, mode, capacity, cursor) == chosen

"""Who gets a new conversation (contract: Routing). Pure: the store feeds it a snapshot.

The Redis store's assignment script (store/lua/routing.lua) mirrors these rules; the store
contract tests hold both to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence

from frontdesk.core.model import AgentState, Routing


def is_under_capacity(agent: AgentState, capacity: int) -> bool:
    """0 means no limit; the count is over all the account's widgets."""
    return capacity == 0 or agent.conversations < capacity


def eligible_agents(agents: Sequence[AgentState], capacity: int) -> list[AgentState]:
    """Available agents under capacity, in the order of their ids."""
    return sorted((a for a in agents if a.is_available and is_under_capacity(a, capacity)),
                  key=lambda a: a.id)


def choose_agents(agents: Sequence[AgentState], routing: Routing, capacity: int,
                  round_robin_cursor: str | None) -> tuple[str, ...]:
    """The ids of the agents to add; empty when nobody can take the conversation."""
    eligible = eligible_agents(agents, capacity)
    if not eligible:
        return ()
    if routing is Routing.BROADCAST:
        return tuple(a.id for a in eligible)
    if routing is Routing.ROUND_ROBIN:
        if round_robin_cursor is not None:
            for agent in eligible:
                if agent.id > round_robin_cursor:
                    return (agent.id,)
        return (eligible[0].id,)
    best = min(eligible, key=lambda a: (a.conversations,
                                        -1.0 if a.last_assigned is None else a.last_assigned,
                                        a.id))
    return (best.id,)

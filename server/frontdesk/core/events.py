"""Events: what one process tells every process (its own included) about one account.

Four kinds, each its own frozen dataclass, so that a handler dispatches on the type and
mypy (`assert_never`) points at every handler a new kind must reach:

- `Push`: a frame for the contract's audiences (never a socket by name);
- `CloseWidget`: close every socket of a deleted widget with a code, sending nothing;
- `GraceStarted`: internal, a connection's close grace ends at `until` (every process arms a
  timer for it);
- `SettingsChanged`: internal, a widget's settings were stored or deleted (published by the
  store in the same step as the write), so each process's view (view.py) drops what it knew.

The store's bus moves them between processes as plain dicts (`to_dict` / `event_from_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Push:
    account: str
    payload: dict[str, Any]
    widget: str | None = None  # every socket of this widget
    all_agents: bool = False  # every agent socket of the account
    agents: tuple[str, ...] = ()  # every socket of these agents
    visitor: tuple[str, str] | None = None  # (widget, visitor): that visitor's sockets
    at: float = 0.0  # epoch seconds of the cause, for the push-latency histogram
    # The account-wide order the store gave a status push as it published it (the webhook
    # `seq`); set only on what the feed tells its subscribers, never sent between processes.
    order: int | None = None

    @property
    def kind(self) -> str:
        """The frame's `type` (contract word), e.g. `widget.status`."""
        return str(self.payload.get("type", ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": "push", "a": self.account, "p": self.payload, "w": self.widget,
            "all": self.all_agents, "ag": list(self.agents),
            "v": list(self.visitor) if self.visitor else None, "t": self.at,
        }


@dataclass(frozen=True, slots=True)
class CloseWidget:
    account: str
    widget: str
    code: int

    def to_dict(self) -> dict[str, Any]:
        return {"k": "close", "a": self.account, "w": self.widget, "c": self.code}


@dataclass(frozen=True, slots=True)
class GraceStarted:
    account: str
    until: float  # epoch seconds

    def to_dict(self) -> dict[str, Any]:
        return {"k": "grace", "a": self.account, "u": self.until}


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    account: str
    widget: str

    def to_dict(self) -> dict[str, Any]:
        return {"k": "settings", "a": self.account, "w": self.widget}


Event = Push | CloseWidget | GraceStarted | SettingsChanged


def event_from_dict(data: dict[str, Any]) -> Event:
    """The event `to_dict` made; ValueError/KeyError/TypeError on anything else."""
    kind = data["k"]
    if kind == "push":
        visitor = data.get("v")
        return Push(
            account=data["a"], payload=data["p"], widget=data.get("w"),
            all_agents=bool(data.get("all")), agents=tuple(data.get("ag") or ()),
            visitor=(visitor[0], visitor[1]) if visitor else None,
            at=float(data.get("t") or 0.0))
    if kind == "close":
        return CloseWidget(account=data["a"], widget=data["w"], code=int(data["c"]))
    if kind == "grace":
        return GraceStarted(account=data["a"], until=float(data["u"]))
    if kind == "settings":
        return SettingsChanged(account=data["a"], widget=data["w"])
    raise ValueError(f"unknown event kind {kind!r}")

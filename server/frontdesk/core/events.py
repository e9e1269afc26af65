"""Events: a frame plus who, in one account, should get it.

The store's bus moves events between processes; each process's hub delivers them to its
own sockets. An event never names a socket, only the contract's audiences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    account: str
    payload: dict[str, Any]
    widget: str | None = None  # every socket of this widget
    all_agents: bool = False  # every agent socket of the account
    agents: tuple[str, ...] = ()  # every socket of these agents
    visitor: tuple[str, str] | None = None  # (widget, visitor): that visitor's sockets
    close_code: int | None = None  # close the widget's sockets with this code, send nothing
    at: float = 0.0  # epoch seconds of the cause, for the push-latency histogram

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.account, "p": self.payload, "w": self.widget, "all": self.all_agents,
            "ag": list(self.agents), "v": list(self.visitor) if self.visitor else None,
            "c": self.close_code, "t": self.at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        visitor = data.get("v")
        return cls(
            account=data["a"], payload=data["p"], widget=data.get("w"),
            all_agents=bool(data.get("all")), agents=tuple(data.get("ag") or ()),
            visitor=(visitor[0], visitor[1]) if visitor else None, close_code=data.get("c"),
            at=float(data.get("t") or 0.0),
        )

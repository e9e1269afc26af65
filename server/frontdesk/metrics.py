"""Prometheus metrics, in a registry of the app's own so that apps can run side by side."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self, sockets: Callable[[], tuple[int, int]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        connections = Gauge("frontdesk_open_connections", "Open WebSocket connections",
                            ["kind"], registry=self.registry)
        connections.labels("agent").set_function(lambda: sockets()[0])
        connections.labels("widget").set_function(lambda: sockets()[1])
        self.frames_in = Counter("frontdesk_frames_in", "Frames received from clients",
                                 ["kind"], registry=self.registry)
        self.frames_out = Counter("frontdesk_frames_out", "Frames written to sockets",
                                  registry=self.registry)
        self.pushes = Counter("frontdesk_pushes", "Events delivered by this process", ["type"],
                              registry=self.registry)
        self.push_latency = Histogram(
            "frontdesk_push_latency_seconds",
            "From an event's cause to its frames being written on this process",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry)
        self.closes = Counter("frontdesk_server_closes", "Sockets closed by the server", ["code"],
                              registry=self.registry)
        self.store_errors = Counter("frontdesk_store_errors", "Store calls that failed",
                                    registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)

"""Prometheus metrics, in a registry of the app's own so that apps can run side by side.

No `_created` series (they double every counter's series and no dashboard reads them); the
process collector gives CPU, memory and open files. Labels are bounded: the HTTP route label
is the route's template (never the raw path), and per-account gauges (account_metrics.py)
name at most MAX_ACCOUNT_LABELS accounts.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self, sockets: Callable[[], tuple[int, int]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.http_latency = Histogram(
            "frontdesk_http_request_duration_seconds",
            "HTTP requests by route template, method and status class",
            ["route", "method", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry)
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
        self.bus_events = Counter(
            "frontdesk_bus_events_received",
            "Events this process's bus subscription handed it (any account, any process)",
            registry=self.registry)
        self.store_errors = Counter("frontdesk_store_errors", "Store calls that failed",
                                    registry=self.registry)
        # Coverage (README "Coverage"): no widget, agent or account labels, so the number of
        # series stays fixed however many accounts there are; per-widget figures are what the
        # coverage route is for. Each is counted by the process that recorded the change, so
        # the cluster's figure is the sum over processes.
        self.offline_while_open = Counter(
            "frontdesk_widget_offline_while_open_seconds",
            "Seconds widgets were offline while open (team away), counted when each gap ends",
            registry=self.registry)
        self.time_to_assign = Histogram(
            "frontdesk_time_to_assign_seconds",
            "From a conversation's start to its first assignment",
            buckets=(0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
            registry=self.registry)
        self.history_records = Counter(
            "frontdesk_history_records", "Changes this process recorded in the history",
            ["kind"], registry=self.registry)
        self.history_unchanged = Counter(
            "frontdesk_history_unchanged",
            "Changes the history already held (a message-only change, or a record made twice)",
            ["kind"], registry=self.registry)
        self.history_dropped = Counter(
            "frontdesk_history_dropped",
            "History writes dropped because too many waited for an unreachable store",
            registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)

"""The hub encodes a pushed frame once per encoding and writes the same bytes everywhere."""

from __future__ import annotations

import json

import msgpack

from frontdesk.codec import Encoding
from frontdesk.core.events import Push
from frontdesk.hub import Hub


class RecordingSocket:
    def __init__(self, encoding: Encoding) -> None:
        self.encoding = encoding
        self.pushed: list[bytes] = []
        self.closed: int | None = None

    def push(self, data: bytes) -> None:
        self.pushed.append(data)

    def close_now(self, code: int, reason: str = "") -> None:
        self.closed = code


def test_one_encoding_per_fan_out_shared_by_every_socket():
    hub = Hub()
    sockets = [RecordingSocket(Encoding.JSON if i % 2 else Encoding.MSGPACK) for i in range(100)]
    for i, s in enumerate(sockets):
        hub.add_widget(s, "acme", "site", f"v{i}")
    agent = RecordingSocket(Encoding.JSON)
    hub.add_agent(agent, "acme", "kevin")
    payload = {"type": "widget.status", "widget": "site", "status": "offline"}
    written = hub.deliver(Push("acme", payload, widget="site", all_agents=True))
    assert written == 101
    json_frames = {id(s.pushed[0]) for s in sockets if s.encoding is Encoding.JSON}
    msgpack_frames = {id(s.pushed[0]) for s in sockets if s.encoding is Encoding.MSGPACK}
    assert len(json_frames) == 1 and len(msgpack_frames) == 1  # the very same bytes objects
    assert agent.pushed[0] is next(s.pushed[0] for s in sockets if s.encoding is Encoding.JSON)
    text = sockets[1].pushed[0]
    assert text[0] == 0x81 and json.loads(text[2:]) == payload  # FIN + text, short length
    binary = sockets[0].pushed[0]
    assert binary[0] == 0x82 and msgpack.unpackb(binary[2:]) == payload


def test_events_reach_only_their_audience():
    hub = Hub()
    site, other, rival = (RecordingSocket(Encoding.JSON) for _ in range(3))
    hub.add_widget(site, "acme", "site", "v1")
    hub.add_widget(other, "acme", "other", "v2")
    hub.add_widget(rival, "rival", "site", "v1")  # same ids, another account
    kevin, sam = RecordingSocket(Encoding.JSON), RecordingSocket(Encoding.JSON)
    hub.add_agent(kevin, "acme", "kevin")
    hub.add_agent(sam, "acme", "sam")
    hub.deliver(Push("acme", {"type": "conversation.joined"}, agents=("kevin",),
                     visitor=("site", "v1")))
    assert len(site.pushed) == 1 and len(kevin.pushed) == 1
    assert not other.pushed and not rival.pushed and not sam.pushed
    hub.close_widget("acme", "site", 4404)
    assert site.closed == 4404 and other.closed is None and rival.closed is None


def test_last_socket_is_reported_when_removed():
    hub = Hub()
    a, b = RecordingSocket(Encoding.JSON), RecordingSocket(Encoding.JSON)
    hub.add_agent(a, "acme", "kevin")
    hub.add_agent(b, "acme", "kevin")
    assert hub.remove_agent(a, "acme", "kevin") is False
    assert hub.remove_agent(b, "acme", "kevin") is True
    assert hub.counts() == (0, 0) and hub.accounts() == set()

"""The codec (codec.py): the one place frames become bytes, and bytes frames."""

from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest

from frontdesk.codec import (
    Encoding,
    OutgoingFrame,
    choose_encoding,
    decode_frame,
    encoding_of,
    frame_bytes,
    is_encodable,
    pack_event,
    unpack_event,
)
from frontdesk.core.errors import ErrorCode, FrameError

JSON, MSGPACK = Encoding.JSON, Encoding.MSGPACK


@pytest.mark.parametrize(("offered", "chosen"), [
    ([], None), (["chat"], None),
    (["frontdesk.v1.json"], JSON), (["frontdesk.v1.msgpack"], MSGPACK),
    (["chat", "frontdesk.v1.msgpack", "frontdesk.v1.json"], MSGPACK),  # the client's order
])
def test_choose_encoding(offered: list[str], chosen: Encoding | None) -> None:
    assert choose_encoding(offered) is chosen


def test_encoding_of_the_first_frame() -> None:
    assert encoding_of('{"type":"hello"}') is JSON
    assert encoding_of(b"\x81\xa4type\xa5hello") is MSGPACK


@pytest.mark.parametrize("encoding", [JSON, MSGPACK])
def test_decode_round_trips(encoding: Encoding) -> None:
    frame = {"type": "conversation.start", "text": "héllo ✓"}
    data: str | bytes = (json.dumps(frame) if encoding is JSON
                         else msgpack.packb(frame, use_bin_type=True))
    assert decode_frame(data, encoding) == frame


@pytest.mark.parametrize(("data", "encoding"), [
    (b'{"type":"ping"}', JSON),  # binary on a JSON socket
    ('{"type":"ping"}', MSGPACK),  # text on a MessagePack socket
    ("{not json", JSON),
    ("[1, 2]", JSON), ('"ping"', JSON),
    ("{}", JSON), ('{"type": 5}', JSON),
    ('{"type":"x","t":"\\ud800"}', JSON),  # a lone surrogate
    ("[" * 100_000 + "]" * 100_000, JSON),  # nesting too deep to parse
    (b"\xc1", MSGPACK), (msgpack.packb([1]), MSGPACK), (msgpack.packb({"type": 1}), MSGPACK),
    (msgpack.packb({1: "x"}), MSGPACK),  # map keys must be strings
])
def test_bad_frames(data: str | bytes, encoding: Encoding) -> None:
    with pytest.raises(FrameError) as caught:
        decode_frame(data, encoding)
    assert caught.value.code is ErrorCode.BAD_FRAME


def test_escaped_but_valid_text_is_accepted() -> None:
    assert decode_frame('{"type":"x","t":"\\u00e9\\ud83d\\ude00"}', JSON)["t"] == "é😀"


@pytest.mark.parametrize(("value", "ok"), [
    ({"a": "é"}, True), (["\ud800"], False), ({"k\udfff": 1}, False), (3, True),
])
def test_is_encodable(value: Any, ok: bool) -> None:
    assert is_encodable(value) is ok


@pytest.mark.parametrize(("size", "header"), [(10, 2), (200, 4), (70_000, 10)])
def test_frame_bytes_are_whole_unmasked_frames(size: int, header: int) -> None:
    payload = {"type": "x", "pad": "p" * size}
    text = frame_bytes(payload, JSON)
    assert text[0] == 0x81 and not text[1] & 0x80  # FIN + text, no mask
    assert json.loads(text[header:]) == payload
    binary = frame_bytes(payload, MSGPACK)
    assert binary[0] == 0x82 and msgpack.unpackb(binary[header:]) == payload


def test_json_frames_are_compact_utf8() -> None:
    assert frame_bytes({"type": "x", "t": "é"}, JSON)[2:] == '{"type":"x","t":"é"}'.encode()


def test_outgoing_frame_encodes_once_per_encoding() -> None:
    frame = OutgoingFrame({"type": "widget.status"})
    assert frame.wire(JSON) is frame.wire(JSON)
    assert frame.wire(MSGPACK) is frame.wire(MSGPACK)
    assert frame.wire(JSON) != frame.wire(MSGPACK)


def test_events_round_trip_and_refuse_non_maps() -> None:
    data = {"k": "push", "a": "acme", "p": {"type": "x"}, "b": b"\x00"}
    assert unpack_event(pack_event(data)) == data
    with pytest.raises(ValueError):
        unpack_event(msgpack.packb([1, 2]))

"""Reconnect storm: N widget sockets lose their node at once and come back on another.

    python bench/storm.py                       # 10,000 sockets
    python bench/storm.py --sockets 2000        # a quicker look

Two Frontdesk nodes A and B share one redis-server (all three pinned to the server core;
this client on the other). N widget sockets connect to A (hello, welcome). Then A gets
SIGTERM: it closes every socket with 1001, and each client reconnects to B after the JS
client's delay (client_js/src/backoff.js and client.js: full jitter, uniform in
[0, min(30 s, 0.5 s x 2^attempt)); attempt 0 after a good connection, +1 per failed try;
after a "later" close such as 1013, attempt >= 3 and the delay >= 0.5 s). Reported: the time
from the SIGTERM until 99 % and 100 % of the sockets are welcomed by B, and B's event-loop
lag (scenarios/lag_frontdesk.py) meanwhile. B is told nothing in advance.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import struct
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from client import _parse_frame, client_frame, upgrade_request  # noqa: E402
from run import RESULTS, ServerProcess, free_port, log, percentile, raise_nofile  # noqa: E402
from scenarios import frontdesk_push as fd  # noqa: E402
from targets import CLIENT_CORE, SERVER_CORE, before_tree  # noqa: E402

BASE, CAP = 0.5, 30.0  # seconds: client_js/src/backoff.js BACKOFF_DEFAULTS
LATER_MIN_ATTEMPT = 3  # client_js/src/client.js
NEVER = {1008, 4001, 4003, 4004}  # close codes after which the JS client gives up
LATER = {1000, 1009, 1011, 1013, 4002}  # "later": a real pause first


def backoff_delay(attempt: int, later: bool) -> float:
    if later:
        attempt = max(attempt, LATER_MIN_ATTEMPT)
    delay = random.random() * min(CAP, BASE * 2 ** attempt)
    return max(delay, BASE) if later else delay


class Widget:
    """One visitor's widget: connected to a port, reconnecting as the JS client does."""

    __slots__ = ("storm", "attempt", "welcomed_at", "tries")

    def __init__(self, storm: Storm) -> None:
        self.storm = storm
        self.attempt = 0
        self.welcomed_at = 0.0
        self.tries = 0

    def connect(self, port: int) -> None:
        self.tries += 1
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._connect(port))
        self.storm.tasks.add(task)
        task.add_done_callback(self.storm.tasks.discard)

    async def _connect(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: Link(self, port), "127.0.0.1", port)
        except OSError:
            self.lost(1006, port)

    def welcomed(self) -> None:
        self.attempt = 0
        self.welcomed_at = time.monotonic()
        self.storm.welcomed(self)

    def lost(self, code: int, port: int) -> None:
        """The connection ended (or never started): retry after the JS client's delay."""
        self.welcomed_at = 0.0
        if port == self.storm.port_a:
            self.storm.lost_times.append(time.monotonic())
        if code in NEVER:
            self.storm.given_up += 1
            return
        later = code in LATER
        delay = backoff_delay(self.attempt, later)
        self.attempt = max(self.attempt, LATER_MIN_ATTEMPT) + 1 if later else self.attempt + 1
        self.storm.closes[code] = self.storm.closes.get(code, 0) + 1
        asyncio.get_running_loop().call_later(delay, self.retry)

    def retry(self) -> None:
        self.connect(self.storm.port)  # the port at the time of the retry


class Link(asyncio.Protocol):
    """One connection: upgrade by hand, hello, read the welcome, then watch for the close."""

    __slots__ = ("widget", "port", "transport", "buf", "upgraded", "welcomed", "code")

    def __init__(self, widget: Widget, port: int) -> None:
        self.widget = widget
        self.port = port
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = self.welcomed = False
        self.code = 1006

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(upgrade_request(self.port, f"/ws/widget/{fd.WIDGET}", fd.SUBPROTOCOL))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in bytes(self.buf[:end]).split(b"\r\n", 1)[0] + b" ":
                self.code = 1006  # refused at the handshake: like a failed connect
                assert self.transport is not None
                self.transport.close()
                return
            del self.buf[:end + 4]
            self.upgraded = True
            assert self.transport is not None
            self.transport.write(self.widget.storm.hello)
        pos = 0
        while (frame := _parse_frame(self.buf, pos)) is not None:
            opcode, payload, pos = frame
            if opcode == 0x8:
                self.code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                assert self.transport is not None
                self.transport.write(client_frame(payload[:2], 0x8))
                self.transport.close()
            elif opcode == 0x1 and not self.welcomed and payload.startswith(b'{"type":"welcome"'):
                self.welcomed = True
                self.widget.welcomed()
        del self.buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.widget.lost(self.code, self.port)


class Storm:
    def __init__(self, n: int, port_a: int, port_b: int) -> None:
        self.n = n
        self.port = port_a  # where (re)connections go
        self.port_a = port_a
        self.port_b = port_b
        self.hello = client_frame(fd.widget_hello())
        self.widgets = [Widget(self) for _ in range(n)]
        self.tasks: set[asyncio.Task[None]] = set()
        self.up = 0
        self.closes: dict[int, int] = {}
        self.given_up = 0
        self.lost_times: list[float] = []
        self.marks: dict[int, float] = {}  # welcomed count -> monotonic time
        self.watch: set[int] = set()
        self.changed = asyncio.Event()

    def welcomed(self, widget: Widget) -> None:
        self.up += 1
        if self.up in self.watch:
            self.marks[self.up] = time.monotonic()
        self.changed.set()

    async def wait_up(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.up < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.up} of {count} welcomed after {timeout} s")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass


async def storm(args: argparse.Namespace, a: ServerProcess, b: ServerProcess) -> dict[str, Any]:
    n = args.sockets
    st = Storm(n, a.port, b.port)
    t0 = time.monotonic()
    for start in range(0, n, args.batch):  # batches of 500, as run.py connects
        target = min(n, start + args.batch)
        for w in st.widgets[start:target]:
            w.connect(a.port)
        await st.wait_up(target, 60)
    log(f"{n} widget sockets welcomed by A in {time.monotonic() - t0:.1f} s")
    await asyncio.sleep(args.settle)
    st.up = 0
    st.lost_times = []
    st.watch = {-(-n * 99 // 100), n}
    st.port = b.port  # the load balancer now sends everyone to B
    sigterm_wall = time.time()
    sigterm = time.monotonic()
    client_cpu0, b_cpu0 = time.process_time(), b.sched()[0]
    assert a.proc is not None
    a.proc.send_signal(signal.SIGTERM)
    try:
        await st.wait_up(n, args.timeout)
    except TimeoutError as exc:
        log(str(exc))
    done_wall = time.time()
    client_cpu, b_cpu = time.process_time() - client_cpu0, b.sched()[0] - b_cpu0
    t99 = st.marks.get(-(-n * 99 // 100))
    t100 = st.marks.get(n)
    return {
        "sockets": n, "sigterm_unix": sigterm_wall, "done_unix": done_wall,
        "welcomed": st.up,
        "s_to_99pct": None if t99 is None else t99 - sigterm,
        "s_to_100pct": None if t100 is None else t100 - sigterm,
        "closes_seen": {str(k): v for k, v in sorted(st.closes.items())},
        "connect_attempts_after_sigterm": sum(w.tries for w in st.widgets) - n,
        "given_up": st.given_up,
        "client_cpu_s": client_cpu, "b_cpu_s": b_cpu, "wall_s": time.monotonic() - sigterm,
        "s_to_first_close": st.lost_times[0] - sigterm if st.lost_times else None,
        "s_to_last_close": st.lost_times[-1] - sigterm if st.lost_times else None,
    }


def lag_stats(path: Path, start: float, end: float) -> dict[str, float]:
    lags = []
    for line in path.read_text().splitlines():
        try:
            t, ms = map(float, line.split())
        except ValueError:
            continue
        if start <= t <= end:
            lags.append(ms)
    return {"lag_samples": len(lags), "lag_p50_ms": percentile(lags, 50),
            "lag_p99_ms": percentile(lags, 99), "lag_max_ms": max(lags, default=0.0)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sockets", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--settle", type=float, default=2.0)
    p.add_argument("--timeout", type=float, default=90.0, help="give up after this (s)")
    p.add_argument("--before", default="", help="run both nodes as of this commit")
    args = p.parse_args(argv)
    raise_nofile()
    os.sched_setaffinity(0, {CLIENT_CORE})
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env, _, api_key = fd.make_env(dict(os.environ))
    redis_port = free_port()
    env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    if args.before:
        env["PYTHONPATH"] = before_tree(args.before, RESULTS)
    lag_log = logs / f"{run_id}-storm-B.lag"
    redis = ServerProcess("redis", ["redis-server", "--port", "{port}", "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no"], dict(os.environ),
                          logs / f"{run_id}-storm-redis.log", port=redis_port, core=SERVER_CORE)
    serve = fd.command(0)[:-1] + ["{port}"]
    a = ServerProcess("A", serve, env, logs / f"{run_id}-storm-A.log")
    b = ServerProcess("B", [sys.executable, str(BENCH / "scenarios" / "lag_frontdesk.py"),
                            "--host", "127.0.0.1", "--port", "{port}"],
                      env | {"BENCH_LAG_LOG": str(lag_log)}, logs / f"{run_id}-storm-B.log")
    processes = [redis, a, b]
    try:
        redis.start(pin=True)
        redis.wait_listening()
        for node in (a, b):
            node.start(pin=True)
            node.wait_listening(health_path="/healthz")
        fd.create_widget(a.port, api_key)
        import uvloop

        result = uvloop.run(storm(args, a, b))
        result |= lag_stats(lag_log, result["sigterm_unix"], result["done_unix"])
    finally:
        for process in reversed(processes):
            process.stop()
    result["command"] = " ".join(["storm.py", *sys.argv[1:]])
    out = RESULTS / f"storm-{run_id}.json"
    out.write_text(json.dumps(result, indent=2))

    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f} s"

    print(f"reconnect storm{' as of ' + args.before if args.before else ''}, {args.sockets} widget sockets, A SIGTERMed, reconnecting to B "
          f"(full jitter, 0.5-30 s):")
    print(f"  99 % welcomed by B after {s(result['s_to_99pct'])}, 100 % after "
          f"{s(result['s_to_100pct'])} ({result['welcomed']} of {args.sockets})")
    print(f"  B's event-loop lag meanwhile: p50 {result['lag_p50_ms']:.1f} ms, p99 "
          f"{result['lag_p99_ms']:.1f} ms, max {result['lag_max_ms']:.1f} ms")
    print(f"  CPU meanwhile: B {result['b_cpu_s']:.1f} s, this client {result['client_cpu_s']:.1f} s, "
          f"of {result['wall_s']:.1f} s")
    print(f"  A's sockets lost from {s(result['s_to_first_close'])} to "
          f"{s(result['s_to_last_close'])} after the SIGTERM")
    print(f"  closes seen {result['closes_seen']}, connection attempts after the SIGTERM "
          f"{result['connect_attempts_after_sigterm']}")
    print(f"results: {out.relative_to(BENCH.parent)}")
    return 0 if result["welcomed"] == args.sockets else 1


if __name__ == "__main__":
    raise SystemExit(main())

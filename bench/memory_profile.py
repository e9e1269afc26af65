"""What one idle Frontdesk widget socket costs, by allocating line (tracemalloc).

    python bench/memory_profile.py [--sockets 2000] [--top 25]

Starts `frontdesk serve` under tracemalloc (scenarios/traced_frontdesk.py), takes a snapshot
with the agent connected, connects N widget sockets, takes another, and prints the
difference per socket grouped by file and by line. tracemalloc sees Python allocations only
(not the kernel's socket buffers, nor what C libraries allocate with plain malloc); compare
its total with the RSS delta printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from client import Tally, open_many  # noqa: E402
from run import RESULTS, ServerProcess, raise_nofile  # noqa: E402
from scenarios import frontdesk_push as fd  # noqa: E402
from targets import FrontdeskTarget  # noqa: E402


def snapshot(server: ServerProcess, base: Path, index: int) -> tracemalloc.Snapshot:
    os.kill(server.pid, signal.SIGUSR1)
    done = Path(f"{base}.{index}.done")
    deadline = time.monotonic() + 120
    while not done.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no snapshot from the server")
        time.sleep(0.1)
    return tracemalloc.Snapshot.load(f"{base}.{index}")


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sockets", type=int, default=2000)
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    raise_nofile()
    RESULTS.mkdir(exist_ok=True)
    base = RESULTS / f"tracemalloc-{os.getpid()}"
    target = FrontdeskTarget(fd.pushed_messages())
    env = target.env() | {"BENCH_SNAPSHOT": str(base)}
    argv = [sys.executable, str(BENCH / "scenarios" / "traced_frontdesk.py"),
            "--host", "127.0.0.1", "--port", "{port}"]
    server = ServerProcess("frontdesk-traced", argv, env, RESULTS / "logs" / "memory-profile.log")
    server.start(pin=False)
    try:
        server.wait_listening(health_path="/healthz")
        target.port = server.port
        tally = Tally()
        await target.prepare(tally)
        await asyncio.sleep(1)
        before, rss0 = snapshot(server, base, 1), server.rss_kib()
        conns = await open_many(a.sockets, 250, lambda: target.open_listener(tally))
        await asyncio.sleep(2)
        after, rss1 = snapshot(server, base, 2), server.rss_kib()
        n = len(conns)
        for key in ("filename", "lineno"):
            stats = after.compare_to(before, key)
            total = sum(s.size_diff for s in stats)
            print(f"\nby {key}: {total / n / 1024:.2f} KiB per socket traced in all")
            for s in stats[:a.top]:
                frame = s.traceback[0]
                where = frame.filename.split("site-packages/")[-1].split("/server/")[-1]
                where = where.split("python3.11/")[-1]
                line = f":{frame.lineno}" if key == "lineno" else ""
                print(f"  {s.size_diff / n:8.0f} B/socket  {s.count_diff / n:6.2f} blocks  "
                      f"{where}{line}")
        print(f"\nRSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB: "
              f"{(rss1 - rss0) / n:.1f} KiB per socket (tracemalloc's own overhead included)")
        for conn in conns:
            conn.abort()
    finally:
        server.stop()
        for path in RESULTS.glob(f"{base.name}.*"):
            path.unlink()


if __name__ == "__main__":
    asyncio.run(main())

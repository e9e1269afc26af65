"""`frontdesk serve` that also logs its event loop's lag, for bench/storm.py.

Every 10 ms a task sleeps 10 ms and writes `<unix time> <lag ms>` (how much later than asked
it woke up) to $BENCH_LAG_LOG: a loop busy with a reconnect storm wakes it late.
Usage: python lag_frontdesk.py --host 127.0.0.1 --port P (same environment as serve).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import uvicorn

PERIOD = 0.01
_startup = uvicorn.Server.startup
_tasks: set[asyncio.Task[None]] = set()


def open_log() -> Any:
    return open(os.environ["BENCH_LAG_LOG"], "w", buffering=1)


async def sample(out: Any) -> None:
    with out:
        while True:
            t = time.monotonic()
            await asyncio.sleep(PERIOD)
            lag = time.monotonic() - t - PERIOD
            out.write(f"{time.time():.4f} {lag * 1000:.2f}\n")


async def startup(self: uvicorn.Server, *args: Any, **kwargs: Any) -> None:
    await _startup(self, *args, **kwargs)
    task = asyncio.get_running_loop().create_task(sample(open_log()))
    _tasks.add(task)


uvicorn.Server.startup = startup  # type: ignore[method-assign]

if __name__ == "__main__":
    from frontdesk.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))

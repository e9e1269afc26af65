"""`frontdesk serve` with tracemalloc on: SIGUSR1 dumps a snapshot to $BENCH_SNAPSHOT.N.

Used by bench/memory_profile.py to see what an idle widget socket costs, line by line.
Usage: python traced_frontdesk.py --host 127.0.0.1 --port P (same environment as serve).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc

tracemalloc.start(12)
_dumps = 0


def dump(signum: int, frame: object) -> None:
    global _dumps
    gc.collect()
    _dumps += 1
    path = f"{os.environ['BENCH_SNAPSHOT']}.{_dumps}"
    tracemalloc.take_snapshot().dump(path)
    with open(path + ".done", "w") as f:
        f.write("ok")


signal.signal(signal.SIGUSR1, dump)

if __name__ == "__main__":
    from frontdesk.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))

"""`frontdesk serve` with other GC thresholds than runner.GC_THRESHOLDS, to measure them.

BENCH_GC="700,10,10" (Python's defaults) or any three numbers; "off" skips runner.tune_gc.
Usage: python gc_frontdesk.py --host 127.0.0.1 --port P (same environment as serve).
"""

from __future__ import annotations

import os
import sys

from frontdesk import runner

if __name__ == "__main__":
    wanted = os.environ.get("BENCH_GC", "700,10,10")
    if wanted == "off":
        runner.tune_gc = lambda: None
    else:
        runner.GC_THRESHOLDS = tuple(int(x) for x in wanted.split(","))  # type: ignore[assignment]
    from frontdesk.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))

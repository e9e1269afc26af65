"""Summarize a py-spy `--format raw` profile (collapsed stacks): self and inclusive time.

    python bench/profile_report.py bench/results/profile-<run>.txt [--top 25] [--focus deliver]

`bench/run.py --only frontdesk --profile` writes such a file while it pushes. Self time is
where the interpreter was when sampled; inclusive time counts every sample a function is on
the stack of (once per sample, however deep it recurses).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    """`push (frontdesk/web/protocol.py:73)` with site-packages and the repo prefix cut."""
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for cut in ("site-packages/", "/server/", "lib/python3.11/"):
        if cut in path:
            path = path.split(cut, 1)[1]
    return f"{m.group('func')} ({path})"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("profile", type=Path)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--focus", default="", help="only stacks through a frame containing this")
    a = p.parse_args()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for raw in a.profile.read_text().splitlines():
        stack, _, count = raw.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        if a.focus and a.focus not in stack:
            continue
        n = int(count)
        frames = [short(f) for f in stack.split(";") if f]
        # py-spy lines begin with the process/thread name; drop frames without a file.
        frames = [f for f in frames if "(" in f]
        if not frames:
            continue
        total += n
        self_time[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    print(f"{total} samples{' through ' + a.focus if a.focus else ''}\n")
    print("self time:")
    for f, n in self_time.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {f}")
    print("\ninclusive time:")
    for f, n in inclusive.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {f}")


if __name__ == "__main__":
    main()

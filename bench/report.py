"""The benchmark's summary: medians over rounds, ratios to the floor and to the baselines.

Every figure that matters is a ratio against a server measured in the same run: the floor
(`scenarios/floor.py`, the least a Python server can do per socket here) for every server,
and, as before, Frontdesk (in-process) against each baseline.
"""

from __future__ import annotations

import statistics
from typing import Any

FLOOR = "floor"
SUBJECT = "frontdesk"

# (attribute of a Sample, column title, format)
METRICS = [
    ("seq_frames_per_s", "seq fr/s", "{:,.0f}"),
    ("push_median_frames_per_s", "push p50 fr/s", "{:,.0f}"),
    ("push_median_ms", "push p50 ms", "{:.1f}"),
    ("lat_p50_ms", "frame p50 ms", "{:.1f}"),
    ("lat_p99_ms", "frame p99 ms", "{:.1f}"),
    ("first_ms", "1st frame ms", "{:.2f}"),
    ("burst_frames_per_s", "burst fr/s", "{:,.0f}"),
    ("frames_per_server_cpu_s", "fr/CPU-s", "{:,.0f}"),
    ("burst_frames_per_server_cpu_s", "burst fr/CPU-s", "{:,.0f}"),
    ("server_cpu_pct", "srv CPU%", "{:.0f}"),
    ("server_wait_pct", "srv wait%", "{:.0f}"),
    ("server_kernel_pct", "srv sys/CPU%", "{:.0f}"),
    ("client_cpu_pct", "cli CPU%", "{:.0f}"),
    ("kib_per_socket", "KiB/sock", "{:.1f}"),
    ("frame_bytes", "frame B", "{:.0f}"),
    ("connect_s", "connect s", "{:.1f}"),
    ("connects_per_s", "conn/s", "{:,.0f}"),
    ("connects_per_cpu_s", "conn/CPU-s", "{:,.0f}"),
    ("redis_cmds_per_s", "redis cmd/s idle", "{:.1f}"),
    ("redis_cmds_per_connect", "redis cmd/conn", "{:.1f}"),
]
# Ratios: higher is better for these (server / other)...
RATIO_METRICS = ["seq_frames_per_s", "push_median_frames_per_s", "burst_frames_per_s",
                 "frames_per_server_cpu_s", "burst_frames_per_server_cpu_s", "connects_per_s",
                 "connects_per_cpu_s"]
# ...and these are times, given as server / other too (lower is better).
TIME_METRICS = ["lat_p50_ms", "lat_p99_ms"]
RATIO_COLUMNS = [
    ("seq_frames_per_s", "seq fr/s"),
    ("push_median_frames_per_s", "push p50"),
    ("burst_frames_per_s", "burst fr/s"),
    ("frames_per_server_cpu_s", "fr/CPU-s"),
    ("burst_frames_per_server_cpu_s", "burst fr/CPU-s"),
    ("connects_per_s", "conn/s"),
    ("connects_per_cpu_s", "conn/CPU-s"),
    ("lat_p50_ms", "p50 time"),
    ("lat_p99_ms", "p99 time"),
]


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _pair(samples: list[Any], metric: str, name: str, other: str) -> dict[str, float | None]:
    """The ratio of the medians over rounds, and the median of the per-round ratios."""
    mine = [getattr(s, metric) for s in samples if s.server == name and s.ok]
    theirs = [getattr(s, metric) for s in samples if s.server == other and s.ok]
    per_round = []
    for rnd in sorted({s.round for s in samples}):
        a = [getattr(s, metric) for s in samples if s.server == name and s.round == rnd and s.ok]
        b = [getattr(s, metric) for s in samples if s.server == other and s.round == rnd and s.ok]
        if a and b and a[0] and b[0]:
            per_round.append(a[0] / b[0])
    return {
        metric: _ratio(statistics.median(mine), statistics.median(theirs))
        if mine and theirs else None,
        f"{metric}_per_round": statistics.median(per_round) if per_round else None,
    }


def summarize(samples: list[Any], servers: list[str]) -> dict[str, Any]:
    """Medians over rounds per server; ratios to the floor, and Frontdesk's to each baseline."""
    summary: dict[str, Any] = {"servers": {}, "vs_floor": {}, "ratios": {}}
    for name in servers:
        good = [s for s in samples if s.server == name and s.ok]
        summary["servers"][name] = None if not good else {
            key: statistics.median(getattr(s, key) for s in good) for key, _, _ in METRICS
        } | {"rounds_ok": len(good)}
    for name in servers:
        if FLOOR in servers and name != FLOOR:
            row: dict[str, float | None] = {}
            for m in RATIO_METRICS + TIME_METRICS:
                row |= _pair(samples, m, name, FLOOR)
            summary["vs_floor"][name] = row
        if SUBJECT in servers and not name.startswith(SUBJECT) and name != FLOOR:
            row = {}
            for m in RATIO_METRICS + TIME_METRICS:
                row |= _pair(samples, m, SUBJECT, name)
            summary["ratios"][name] = row
    return summary


def table_rows(summary: dict[str, Any], labels: dict[str, str]) -> list[list[list[str]]]:
    """The tables: servers; every server / the floor; Frontdesk / each baseline."""
    rows = [["server"] + [title for _, title, _ in METRICS]]
    for name, row in summary["servers"].items():
        rows.append([labels[name]] + [fmt.format(row[key]) if row else "failed"
                                      for key, _, fmt in METRICS])

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    tables = [rows]
    for key, title, prefix in (("vs_floor", "server / floor", ""),
                               ("ratios", "Frontdesk / baseline", "vs ")):
        table = [[title] + [t for _, t in RATIO_COLUMNS]]
        for name, r in summary[key].items():
            table.append([prefix + labels[name]] + [
                f"{f(r[m])} ({f(r[m + '_per_round'])})" for m, _ in RATIO_COLUMNS])
        tables.append(table)
    return tables


def render(summary: dict[str, Any], labels: dict[str, str], footer: str,
           markdown: bool = False) -> str:
    out: list[str] = []
    for table in table_rows(summary, labels):
        if len(table) < 2:
            continue
        if markdown:
            out.append("| " + " | ".join(table[0]) + " |")
            out.append("|" + "|".join(["---"] + ["---:"] * (len(table[0]) - 1)) + "|")
            out.extend("| " + " | ".join(r) + " |" for r in table[1:])
        else:
            widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
            for r in table:
                out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                     for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        out.append("")
    out.append("Ratios: ratio of the medians (median of the per-round ratios). Rates: >1 is "
               "faster than the other server; p50/p99 time (per-frame trigger-to-receipt): "
               "<1 is quicker.")
    out.append(footer)
    return "\n".join(out)

"""Fan-out latency percentiles and connection rate against N, plotted (PNG).

    python bench/sweep.py                               # N = 1,000 / 5,000 / 10,000: ~4 min
    python bench/sweep.py --sizes 1000,2000 --pushes 10  # quicker
    python bench/sweep.py --replot bench/results/sweep-<time>.json  # redraw a saved sweep

For each N, one `run.py` run of the floor, Frontdesk (in-process) and Node's `ws`
(interleaved, as always), then one figure: per server, the trigger-to-receipt time of the
frames of a push at p50 / p90 / p99 / 100 % against N, and connect + hello + welcome per
second against N. Writes bench/results/sweep-<UTC time>.{json,png} and copies the PNG to
bench/plots/fanout-vs-n.png (the one bench/README.md shows). Needs matplotlib
(`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402

PLOT = BENCH / "plots" / "fanout-vs-n.png"
SERVERS = ("floor", "frontdesk", "node")
PERCENTILES = (50, 90, 99, 100)


def measure(n: int, opts: run.Options) -> dict[str, Any]:
    """One run at N sockets: per server, latency percentiles (pooled) and connects/s."""
    opts.sockets = n
    samples, summary = run.run(opts)
    out: dict[str, Any] = {}
    for name in opts.only:
        good = [s for s in samples if s.server == name and s.ok]
        lat = [v for s in good for v in s.latency_ms]
        row = summary["servers"].get(name) or {}
        out[name] = {f"p{p}_ms": run.percentile(lat, p) if lat else None for p in PERCENTILES}
        out[name]["connects_per_s"] = row.get("connects_per_s")
        out[name]["frames_per_server_cpu_s"] = row.get("frames_per_server_cpu_s")
    return out


def plot(results: dict[int, dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results)
    fig, (lat_ax, rate_ax) = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = {"floor": "tab:gray", "frontdesk": "tab:blue", "node": "tab:green"}
    styles = {50: ":", 90: "-.", 99: "-", 100: "--"}
    for name in SERVERS:
        for p in PERCENTILES:
            ys = [results[n].get(name, {}).get(f"p{p}_ms") for n in sizes]
            if any(y is not None for y in ys):
                lat_ax.plot(sizes, [y if y is not None else float("nan") for y in ys],
                            styles[p], marker="o", color=colors[name], label=f"{name} p{p}")
        rates = [results[n].get(name, {}).get("connects_per_s") for n in sizes]
        rate_ax.plot(sizes, [r if r is not None else float("nan") for r in rates], "-o",
                     color=colors[name], label=name)
    lat_ax.set(title="fan-out: trigger to receipt of one push's frames", xlabel="N sockets",
               ylabel="ms")
    lat_ax.legend(fontsize=7, ncol=3)
    lat_ax.grid(alpha=0.3)
    rate_ax.set(title="connect + hello + welcome (batches of 500)", xlabel="N sockets",
                ylabel="connections / s")
    rate_ax.set_ylim(bottom=0)
    rate_ax.legend(fontsize=8)
    rate_ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,5000,10000")
    p.add_argument("--pushes", type=int, default=15)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--only", default=",".join(SERVERS))
    p.add_argument("--replot", metavar="JSON", help="only draw the plot of an earlier sweep's results")
    a = p.parse_args(argv)
    if a.replot:
        saved = json.loads(Path(a.replot).read_text())
        results = {int(n): row for n, row in saved["results"].items()}
        replotted = Path(a.replot).with_suffix(".png")
        plot(results, replotted, f"{saved['run_id']}: `python bench/{saved['command']}`")
        shutil.copyfile(replotted, PLOT)
        print(f"plot: {PLOT.relative_to(BENCH.parent)} (and {replotted.name})")
        return 0
    opts = run.parse_args(["--pushes", str(a.pushes), "--rounds", str(a.rounds), "--no-burst",
                           "--settle", "1", "--only", a.only])
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    opts.run_id = run_id
    run.raise_nofile()
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {run.CLIENT_CORE})
    if "node" in opts.only:
        run.ensure_node_modules()
    run.RESULTS.mkdir(exist_ok=True)
    results = {}
    for n in [int(x) for x in a.sizes.split(",")]:
        run.log(f"sweep: N = {n}")
        results[n] = measure(n, opts)
    out = run.RESULTS / f"sweep-{run_id}"
    out.with_suffix(".json").write_text(json.dumps(
        {"run_id": run_id, "command": " ".join(["sweep.py", *sys.argv[1:]]),
         "results": results}, indent=2))
    title = (f"{run_id}: `python bench/sweep.py {' '.join(sys.argv[1:])}`, K={a.pushes} pushes x "
             f"{a.rounds} round(s) per N; server on core 0, clients on core 1")
    plot(results, out.with_suffix(".png"), title)
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out.with_suffix(".png"), PLOT)
    for n, row in results.items():
        for name, r in row.items():
            print(f"N={n:>6} {name:<10} p50 {r['p50_ms'] or 0:7.1f} ms  p99 {r['p99_ms'] or 0:7.1f} ms"
                  f"  100% {r['p100_ms'] or 0:7.1f} ms  {r['connects_per_s'] or 0:8,.0f} conn/s")
    print(f"plot: {PLOT.relative_to(BENCH.parent)} (and {out.with_suffix('.png').name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fan-out benchmark: Frontdesk against three baselines, on one server core each.

    python bench/run.py                  # 10,000 sockets, 30 pushes, 3 rounds, all servers
    python bench/run.py --quick          # 1,000 sockets, a smoke test in well under a minute
    python bench/run.py --only frontdesk,websockets --rounds 5 --sockets 5000

Every server runs pinned to core 0 (`taskset -c 0`); this process, the only client, pins
itself to core 1. Per round, each server in turn (the order rotates every round) is started
on a free port, gets N listening sockets, is measured, and is stopped by its PID. See
bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import worker  # noqa: E402
from report import render, summarize  # noqa: E402
from scenarios import frontdesk_push as fd  # noqa: E402
from targets import CLIENT_CORE, SERVER_CORE, TARGETS, Target, before_tree  # noqa: E402

RESULTS = BENCH / "results"
NOFILE = 65536
CLK_TCK = os.sysconf("SC_CLK_TCK")
ALL_SERVERS = ("floor", "frontdesk", "frontdesk-asyncio", "frontdesk-gc", "frontdesk-redis", "frontdesk-redis2",
               "frontdesk-before", "frontdesk-redis-before", "websockets", "starlette", "node")
DEFAULT_SERVERS = ("floor", "frontdesk", "frontdesk-redis", "frontdesk-redis2", "websockets",
                   "starlette", "node")
LABELS = {
    "floor": "floor (uvloop, hand-made, 1 write/socket)",
    "frontdesk": "frontdesk (push)",
    "frontdesk-asyncio": "frontdesk, stdlib asyncio loop",
    "frontdesk-gc": "frontdesk, GC thresholds $BENCH_GC",
    "frontdesk-redis": "frontdesk, REDIS_URL",
    "frontdesk-redis2": "frontdesk, REDIS_URL, cause on a 2nd node",
    "frontdesk-before": "frontdesk as of --before",
    "frontdesk-redis-before": "frontdesk as of --before, REDIS_URL",
    "websockets": "bare websockets broadcast",
    "starlette": "starlette await send",
    "node": "node ws",
}
IDLE_REDIS_WINDOW = 5.0  # seconds of INFO commandstats deltas with N idle sockets
KEEPALIVE_EVERY = float(os.environ.get("BENCH_KEEPALIVE_EVERY", "40"))  # s; Frontdesk closes sockets silent for 120 s


def raise_nofile() -> None:
    """Every process of the bench may hold tens of thousands of sockets."""
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- a server process --------------------------------------------------------------------------
class ServerProcess:
    """One server under test: started pinned to the server core, stopped by its PID."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path,
                 port: int = 0, core: int = SERVER_CORE) -> None:
        self.name = name
        self.core = core
        self.port = port or free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, pin: bool) -> None:
        prefix = ["taskset", "-c", str(self.core)] if pin else []
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "wb")
        self.proc = subprocess.Popen(prefix + self.argv, env=self.env, stdout=out,
                                     stderr=subprocess.STDOUT, preexec_fn=raise_nofile,
                                     cwd=str(BENCH.parent))
        out.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def wait_listening(self, timeout: float = 30.0, health_path: str | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.log_path}")
            try:
                if health_path:
                    url = f"http://127.0.0.1:{self.port}{health_path}"
                    with urllib.request.urlopen(url, timeout=1) as response:
                        if response.status == 200:
                            return
                else:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout} s")

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def sched(self) -> tuple[float, float]:
        """(seconds on a CPU, seconds runnable but waiting for one) of the main thread."""
        try:
            with open(f"/proc/{self.pid}/schedstat") as f:
                on_cpu, waiting, _ = f.read().split()
            return int(on_cpu) / 1e9, int(waiting) / 1e9
        except (OSError, ValueError):  # no schedstat: utime + stime, in clock ticks
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLK_TCK, 0.0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def ensure_node_modules() -> None:
    if (BENCH / "node" / "node_modules" / "ws").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("node baseline needs `npm ci --prefix bench/node`")
    log("installing bench/node dependencies (npm ci)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BENCH / "node", check=True)


# --- measurement ------------------------------------------------------------------------------------
@dataclass
class Options:
    sockets: int
    pushes: int
    rounds: int
    warmup: int
    batch: int
    burst: bool
    pin: bool
    settle: float
    profile: bool
    only: list[str]
    profile_connect: bool = False
    before: str = ""
    run_id: str = ""


@dataclass
class Sample:
    """One server's numbers in one round (memory and connect time: measured once, at setup)."""

    server: str
    round: int
    ok: bool = True
    error: str = ""
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    kib_per_socket: float = 0.0
    connect_s: float = 0.0
    connects_per_s: float = 0.0
    connects_per_cpu_s: float = 0.0  # per CPU-second of the server core's processes
    redis_cmds_per_s: float = 0.0
    redis_cmds_per_connect: float = 0.0
    latency_ms: list[float] = field(default_factory=list)  # each 1 % of each push's frames
    lat_p50_ms: float = 0.0
    lat_p99_ms: float = 0.0
    first_ms: float = 0.0
    frame_bytes: float = 0.0
    seq_frames_per_s: float = 0.0
    push_ms: list[float] = field(default_factory=list)
    push_median_ms: float = 0.0
    push_median_frames_per_s: float = 0.0
    burst_frames_per_s: float = 0.0
    server_cpu_pct: float = 0.0
    server_wait_pct: float = 0.0
    frames_per_server_cpu_s: float = 0.0
    burst_frames_per_server_cpu_s: float = 0.0
    client_cpu_pct: float = 0.0
    server_kernel_pct: float = 0.0
    closes: int = 0
    _sum: dict[str, float] = field(default_factory=dict)

    def add_push(self, r: dict[str, Any]) -> None:
        self.push_ms.append(r["s"] * 1000)
        self.latency_ms.extend(r["latency_ms"])
        for key in ("s", "server_cpu", "server_wait", "server_user", "server_sys", "client_cpu",
                    "frames", "bytes"):
            self._sum[key] = self._sum.get(key, 0.0) + r[key]

    def finish(self, n: int) -> None:
        if not self.push_ms:
            return
        t = self._sum
        self.seq_frames_per_s = n * len(self.push_ms) / t["s"]
        self.push_median_ms = statistics.median(self.push_ms)
        self.push_median_frames_per_s = n / (self.push_median_ms / 1000)
        self.lat_p50_ms = percentile(self.latency_ms, 50)
        self.lat_p99_ms = percentile(self.latency_ms, 99)
        self.first_ms = statistics.median(self.latency_ms[0::100]) if self.latency_ms else 0.0
        self.frame_bytes = t["bytes"] / max(1, t["frames"])
        self.server_cpu_pct = 100 * t["server_cpu"] / t["s"]
        self.server_wait_pct = 100 * t["server_wait"] / t["s"]
        self.frames_per_server_cpu_s = t["frames"] / t["server_cpu"] if t["server_cpu"] else 0.0
        self.client_cpu_pct = 100 * t["client_cpu"] / t["s"]
        ticks = t["server_user"] + t["server_sys"]
        self.server_kernel_pct = 100 * t["server_sys"] / ticks if ticks else 0.0

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))]


def redis_calls(port: int) -> int:
    """Commands redis-server has run so far (INFO commandstats), less the INFO calls."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


class Remote:
    """One server under test, up with its N sockets held by its own client worker."""

    def __init__(self, target: Target, opts: Options) -> None:
        self.target = target
        self.name = target.name
        target.ports = {name: free_port() for name in target.sidecar_names}
        self.sidecars = [
            (car, ServerProcess(f"{target.name}-{car.name}", car.argv, car.env,
                                RESULTS / "logs" / f"{opts.run_id}-{target.name}-{car.name}.log",
                                port=target.ports[car.name], core=car.core))
            for car in target.sidecars()]
        self.server = ServerProcess(target.name, target.argv(), target.env(),
                                    RESULTS / "logs" / f"{opts.run_id}-{target.name}.log")
        self.pipe: Connection | None = None
        self.proc: multiprocessing.process.BaseProcess | None = None
        self.rss_before_kib = self.rss_after_kib = 0
        self.connect_s = 0.0
        self.redis_cmds_per_s = 0.0
        self.connect_cpu_s = 0.0
        self.redis_cmds_per_connect = 0.0
        self.last_keepalive = time.monotonic()
        self.error = ""

    def call(self, *command: Any, timeout: float = 300.0) -> dict[str, Any]:
        assert self.pipe is not None
        self.pipe.send(command)
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"{self.name} worker: no answer to {command[0]} in {timeout} s")
        status, result = self.pipe.recv()
        if status != "ok":
            raise RuntimeError(f"{command[0]}: {result}")
        return result

    def set_up(self, opts: Options) -> None:
        try:
            for car, process in self.sidecars:
                process.start(opts.pin)
                process.wait_listening(health_path=car.health_path)
            self.server.start(opts.pin)
            self.server.wait_listening(health_path=self.target.health_path)
            ctx = multiprocessing.get_context("fork")
            self.pipe, child = ctx.Pipe()
            self.proc = ctx.Process(target=worker.main, name=f"client-{self.name}",
                                    args=(child, self.target, self.server.port, self.server.pid))
            self.proc.start()
            child.close()
            self.call("prepare")
            time.sleep(opts.settle)
            self.rss_before_kib = self.server.rss_kib()
            profiler = None
            if opts.profile_connect and self.name.startswith("frontdesk"):
                profiler = start_profiler(self.server.pid, opts, f"connect-{self.name}")
                time.sleep(1.0)
            redis_port = self.target.ports.get(self.target.redis_sidecar or "", 0)
            calls0 = redis_calls(redis_port) if redis_port else 0
            cpu0 = self.server_core_cpu()
            self.connect_s = self.call("connect", opts.sockets, opts.batch)["connect_s"]
            self.connect_cpu_s = self.server_core_cpu() - cpu0
            if redis_port:
                self.redis_cmds_per_connect = (redis_calls(redis_port) - calls0) / opts.sockets
            if profiler is not None:
                stop_profiler(profiler)
            self.last_keepalive = time.monotonic()
            time.sleep(opts.settle)
            self.rss_after_kib = self.server.rss_kib()
            if self.target.redis_sidecar:  # what N idle sockets cost Redis
                port = self.target.ports[self.target.redis_sidecar]
                calls0, t0 = redis_calls(port), time.monotonic()
                time.sleep(IDLE_REDIS_WINDOW)
                self.redis_cmds_per_s = (redis_calls(port) - calls0) / (time.monotonic() - t0)
            for _ in range(opts.warmup):  # not recorded
                self.call("push")
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            log(f"{self.name} setup failed: {self.error} (server log: {self.server.log_path})")

    def server_core_cpu(self) -> float:
        """CPU seconds of the server and of its sidecars on the server core (redis-server)."""
        total = self.server.sched()[0]
        for car, process in self.sidecars:
            if car.core == SERVER_CORE and process.proc is not None:
                total += process.sched()[0]
        return total

    def keepalive_if_due(self) -> None:
        if self.target.needs_keepalive and time.monotonic() - self.last_keepalive > KEEPALIVE_EVERY:
            self.call("keepalive")
            self.last_keepalive = time.monotonic()

    def tear_down(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            try:
                self.call("close", timeout=30)
            except Exception as exc:
                log(f"{self.name} worker close: {exc}")
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join(5)
        self.server.stop()
        for _, process in reversed(self.sidecars):
            process.stop()


def run_rounds(remotes: list[Remote], opts: Options) -> list[Sample]:
    """Per round: K pushes, each server's push i next to the others' push i (interleaved)."""
    n = opts.sockets
    samples = [Sample(r.name, 0, ok=False, error=r.error) for r in remotes if r.error]
    live = [r for r in remotes if not r.error]
    for rnd in range(1, opts.rounds + 1):
        shift = (rnd - 1) % max(1, len(live))
        order = live[shift:] + live[:shift]  # rotate: nobody always goes first
        current = {}
        for r in order:
            current[r.name] = sm = Sample(r.name, rnd, connect_s=r.connect_s,
                                          rss_before_kib=r.rss_before_kib,
                                          rss_after_kib=r.rss_after_kib,
                                          redis_cmds_per_s=r.redis_cmds_per_s,
                                          redis_cmds_per_connect=r.redis_cmds_per_connect)
            sm.connects_per_s = n / r.connect_s if r.connect_s else 0.0
            sm.connects_per_cpu_s = n / r.connect_cpu_s if r.connect_cpu_s else 0.0
            sm.kib_per_socket = (r.rss_after_kib - r.rss_before_kib) / n
        profiler = None
        if opts.profile and rnd == 1:
            fd_remote = next((r for r in order if r.name == "frontdesk"), None)
            if fd_remote is not None:
                profiler = start_profiler(fd_remote.server.pid, opts)
                time.sleep(1.0)
        log(f"round {rnd}/{opts.rounds}: {opts.pushes} pushes each, interleaved: "
            f"{', '.join(r.name for r in order)}")
        for i in range(opts.pushes):
            for r in (order if i % 2 == 0 else order[::-1]):  # alternate who goes first too
                sm = current[r.name]
                if not sm.ok:
                    continue
                try:
                    r.keepalive_if_due()
                    sm.add_push(r.call("push"))
                except Exception as exc:
                    sm.ok, sm.error = False, f"{type(exc).__name__}: {exc}"
                    log(f"{r.name} round {rnd}: {sm.error}")
        if opts.burst:
            for r in order:
                sm = current[r.name]
                if not sm.ok:
                    continue
                try:
                    r.keepalive_if_due()
                    time.sleep(0.1)
                    b = r.call("burst", opts.pushes)
                    sm.burst_frames_per_s = n * opts.pushes / b["s"]
                    if b["server_cpu"]:
                        sm.burst_frames_per_server_cpu_s = n * opts.pushes / b["server_cpu"]
                except Exception as exc:
                    sm.ok, sm.error = False, f"{type(exc).__name__}: {exc}"
                    log(f"{r.name} round {rnd} burst: {sm.error}")
        if profiler is not None:
            stop_profiler(profiler)
        for r in order:
            sm = current[r.name]
            sm.finish(n)
            try:
                status = r.call("status")
                sm.closes = status["closes"] + status["dropped"]
            except Exception:
                pass
            samples.append(sm)
            if sm.ok:
                log(f"  {r.name:<16} seq {sm.seq_frames_per_s:>9,.0f} fr/s  push p50 "
                    f"{sm.push_median_ms:6.1f} ms  p99 {sm.lat_p99_ms:6.1f} ms  burst {sm.burst_frames_per_s:>9,.0f} fr/s  "
                    f"{sm.frames_per_server_cpu_s:>9,.0f} fr/CPU-s  srv CPU "
                    f"{sm.server_cpu_pct:3.0f}% wait {sm.server_wait_pct:3.0f}%  "
                    f"client CPU {sm.client_cpu_pct:3.0f}%")
    return samples


# --- profiling -------------------------------------------------------------------------------------
def start_profiler(pid: int, opts: Options, what: str = "push"
                   ) -> subprocess.Popen[bytes] | None:
    pyspy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if pyspy is None:
        log("--profile: py-spy not found (pip install py-spy); skipping")
        return None
    out = RESULTS / f"profile-{opts.run_id}-{what}.txt"
    log(f"profiling frontdesk (pid {pid}) with py-spy into {out}")
    return subprocess.Popen([pyspy, "record", "--pid", str(pid), "--rate", "500", "--format",
                             "raw", "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# --- main -------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sockets", type=int, default=10_000, help="listening sockets per server (10000)")
    p.add_argument("--pushes", type=int, default=30, help="pushes per block, K (30)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; servers interleaved (3)")
    p.add_argument("--warmup", type=int, default=3, help="unrecorded pushes first (3)")
    p.add_argument("--batch", type=int, default=500, help="sockets connected at a time (500)")
    p.add_argument("--only", default=",".join(DEFAULT_SERVERS),
                   help=f"comma-separated subset of {','.join(ALL_SERVERS)}")
    p.add_argument("--no-burst", action="store_true", help="skip the burst block")
    p.add_argument("--no-pin", action="store_true", help="do not pin to cores (machines with 1 core)")
    p.add_argument("--settle", type=float, default=2.0, help="seconds before each RSS reading (2)")
    p.add_argument("--profile", action="store_true",
                   help="py-spy record Frontdesk during round 1 (skews that round)")
    p.add_argument("--profile-connect", action="store_true",
                   help="py-spy record each Frontdesk while its sockets connect")
    p.add_argument("--before", default="",
                   help="commit whose server frontdesk-before / frontdesk-redis-before run")
    p.add_argument("--quick", action="store_true", help="1,000 sockets, 10 pushes, 1 round")
    a = p.parse_args(argv)
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in ALL_SERVERS]
    if unknown:
        p.error(f"unknown server(s) {unknown}; choose from {ALL_SERVERS}")
    if a.quick:
        a.sockets, a.pushes, a.rounds, a.warmup, a.settle = 1000, 10, 1, 2, 0.5
    if any(name.endswith("-before") for name in only) and not a.before:
        p.error("frontdesk-before and frontdesk-redis-before need --before COMMIT")
    if a.pushes > 200:
        p.error("--pushes above 200 would trip Frontdesk's per-socket frame rate limit")
    return Options(sockets=a.sockets, pushes=a.pushes, rounds=a.rounds, warmup=a.warmup,
                   batch=a.batch, burst=not a.no_burst, pin=not a.no_pin, settle=a.settle,
                   profile=a.profile, only=only, profile_connect=a.profile_connect,
                   before=a.before)


def footer(opts: Options) -> str:
    return (f"N={opts.sockets} sockets, K={opts.pushes} pushes per round, {opts.rounds} "
            "round(s), medians over rounds; " +
            (f"servers on core {SERVER_CORE}, clients on core {CLIENT_CORE} (redis-server on "
             f"core {SERVER_CORE}, a 2nd node on core {CLIENT_CORE})." if opts.pin
             else "not pinned."))


def run(opts: Options) -> tuple[list[Sample], dict[str, Any]]:
    messages = fd.pushed_messages()
    welcome = fd.welcome_message()
    targets = [TARGETS[name](messages, welcome) for name in opts.only]
    for target in targets:
        if target.name.endswith("-before"):
            target.before_tree = before_tree(opts.before, RESULTS)  # type: ignore[attr-defined]
    targets.sort(key=lambda t: t.needs_keepalive)  # Frontdesk's idle sockets time out: last
    remotes: list[Remote] = []
    try:
        for target in targets:
            for earlier in remotes:  # setting up many servers can outlast the presence TTL
                if not earlier.error:
                    earlier.keepalive_if_due()
            log(f"starting {target.name}, connecting {opts.sockets} sockets")
            remote = Remote(target, opts)
            remotes.append(remote)
            remote.set_up(opts)
            if not remote.error:
                log(f"  {remote.connect_s:.1f} s to connect; RSS {remote.rss_before_kib / 1024:.1f} -> "
                    f"{remote.rss_after_kib / 1024:.1f} MiB "
                    f"({(remote.rss_after_kib - remote.rss_before_kib) / opts.sockets:.1f} KiB/socket)")
        samples = run_rounds(remotes, opts)
    finally:
        for remote in remotes:
            remote.tear_down()
    order = [t.name for t in targets]
    order.sort(key=lambda name: ALL_SERVERS.index(name))
    return samples, summarize(samples, order)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    opts.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    raise_nofile()
    if opts.pin:
        if (os.cpu_count() or 1) < 2:
            print("need 2 cores to pin (or pass --no-pin)", file=sys.stderr)
            return 2
        os.sched_setaffinity(0, {CLIENT_CORE})
    if "node" in opts.only:
        ensure_node_modules()
    RESULTS.mkdir(exist_ok=True)
    started = time.time()
    samples, summary = run(opts)
    table = render(summary, LABELS, footer(opts))
    print(table)
    (RESULTS / f"fanout-{opts.run_id}.md").write_text(
        render(summary, LABELS, footer(opts), markdown=True) + "\n")
    out = RESULTS / f"fanout-{opts.run_id}.json"
    out.write_text(json.dumps({
        "run_id": opts.run_id, "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "options": opts.__dict__, "seconds": round(time.time() - started, 1),
        "python": sys.version.split()[0], "summary": summary,
        "samples": [s.public() for s in samples],
    }, indent=2))
    print(f"\nresults: {out.relative_to(BENCH.parent)}  ({time.time() - started:.0f} s)")
    return 0 if all(s.ok for s in samples) else 1


if __name__ == "__main__":
    raise SystemExit(main())

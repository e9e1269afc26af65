"""A real Redis Cluster on loopback: three masters and three replicas, stopped by PID.

Started once per test session (`tests/conftest.py`, fixture `redis_cluster`) because creating
a cluster costs a second or two. Each node is a `redis-server --cluster-enabled yes` in its own
temp dir with its own data port and bus port (both free ports, `--cluster-port`), so nothing
collides with another suite or helper on the machine. `redis-cli --cluster create ...
--cluster-replicas 1 --cluster-yes` assigns the slots and the replicas; `wait_ok()` then waits
until every running node reports `cluster_state:ok` and agrees on who owns each slot.

A short `cluster-node-timeout` (1 s) makes a replica take over within a few seconds of its
master's SIGKILL (`kill()`), which the failover tests rely on; `restart()` brings a killed node
back from its dir (its `nodes.conf` keeps its identity, so it rejoins as a replica), and
`reset()` puts the cluster back to six running nodes with every master empty.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
from redis.crc import key_slot

from tests.support.redis_server import (
    RedisServer,
    RedisServerMissing,
    find_redis_server,
)
from tests.support.redis_server import free_port as _free_port

NODE_TIMEOUT_MS = 1000
START_TIMEOUT = 10.0
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def _free_ports(count: int) -> list[int]:
    """Distinct free ports (each bound and released; a port seen twice is drawn again)."""
    ports: list[int] = []
    while len(ports) < count:
        port = _free_port()
        if port not in ports:
            ports.append(port)
    return ports


def _cli(port: int, *args: str, timeout: float = 2.0) -> str:
    """One command against 127.0.0.1:port, its reply as text ('' when the node is down)."""
    try:
        with redis.Redis(port=port, socket_timeout=timeout, socket_connect_timeout=timeout,
                         decode_responses=True) as client:
            reply = client.execute_command(*args)
    except redis.RedisError:
        return ""
    if isinstance(reply, dict):  # redis-py parses some replies (CLUSTER INFO); undo it
        return "\n".join(f"{k}:{v}" for k, v in reply.items())
    return str(reply)


class ClusterNode(RedisServer):
    """One redis-server of the cluster: a RedisServer with a bus port and cluster options."""

    def __init__(self, port: int, bus_port: int, dir: Path) -> None:
        super().__init__(port=port, dir=dir)
        self.bus_port = bus_port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def options(self) -> list[str]:
        return [
            *super().options(),
            "--cluster-enabled", "yes", "--cluster-port", str(self.bus_port),
            "--cluster-config-file", str(self.dir / "nodes.conf"),
            "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            # Any replica may take over whatever its replication lag: on loopback it is tiny,
            # and a refused failover would only turn a test into a wait for the deadline.
            "--cluster-replica-validity-factor", "0",
            "--repl-diskless-sync-delay", "0",  # a returning node resyncs at once
        ]

    def info(self, section: str) -> dict[str, Any]:
        """`INFO <section>` (or `CLUSTER INFO` for "cluster-info") as a dict; {} if down."""
        try:
            with redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2,
                             decode_responses=True) as client:
                if section == "cluster-info":
                    return dict(client.cluster("info"))
                return dict(client.info(section))
        except redis.RedisError:
            return {}


class RedisCluster:
    """Six nodes (3 masters, 3 replicas) on free loopback ports, each in its own temp dir."""

    def __init__(self, *, masters: int = 3, replicas: int = 1) -> None:
        binary = find_redis_server()
        if binary is None or shutil.which("redis-cli") is None:
            raise RedisServerMissing("redis-server and redis-cli are needed for a cluster")
        self.replicas = replicas
        self.root = Path(tempfile.mkdtemp(prefix="frontdesk-cluster-"))
        count = masters * (1 + replicas)
        ports = _free_ports(2 * count)
        self.nodes = [ClusterNode(ports[i], ports[count + i], self.root / str(i))
                      for i in range(count)]
        for node in self.nodes:
            node.dir.mkdir()

    # --- addresses --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The REDIS_URL Frontdesk takes for it: every node as a seed."""
        return "redis+cluster://" + ",".join(node.address for node in self.nodes)

    @property
    def ports(self) -> list[int]:
        return [node.port for node in self.nodes]

    def node_at(self, port: int) -> ClusterNode:
        return next(node for node in self.nodes if node.port == port)

    # --- life -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start every node, create the cluster, wait until it serves every slot."""
        try:
            for node in self.nodes:
                node.start()
            done = subprocess.run(
                ["redis-cli", "--cluster", "create", *(n.address for n in self.nodes),
                 "--cluster-replicas", str(self.replicas), "--cluster-yes"],
                capture_output=True, text=True, timeout=READY_TIMEOUT)
            if done.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {done.stdout[-2000:]}"
                                   f"{done.stderr[-2000:]}")
            self.wait_ok()
            self.wait_replicas()
        except BaseException:
            self.cleanup()
            raise

    def masters(self) -> list[ClusterNode]:
        """Running nodes that are masters serving slots right now (by their own view)."""
        return [node for node in self.running() if self._owned_slots(node) > 0]

    def replicas_of(self, master: ClusterNode) -> list[ClusterNode]:
        """Running nodes replicating `master`, as `master` reports them."""
        info = master.info("replication")
        ports = {int(value["port"]) for name, value in info.items()
                 if name.startswith("slave") and isinstance(value, dict)}
        return [node for node in self.nodes if node.port in ports and node.is_running]

    def _owned_slots(self, node: ClusterNode) -> int:
        """How many slots `node` serves, by its own view of CLUSTER SHARDS (0 if down)."""
        nodes_text = _cli(node.port, "cluster", "nodes", timeout=2.0)
        for line in nodes_text.splitlines():
            parts = line.split()
            if len(parts) >= 8 and "myself" in parts[2]:
                if "master" not in parts[2]:
                    return 0
                total = 0
                for spec in parts[8:]:
                    if spec.startswith("["):
                        continue  # a slot being migrated
                    low, _, high = spec.partition("-")
                    total += int(high or low) - int(low) + 1
                return total
        return 0

    def master_of_slot(self, slot: int) -> ClusterNode:
        """The running master serving `slot`, asked of a running node."""
        for node in self.nodes:
            if not node.is_running:
                continue
            for line in _cli(node.port, "cluster", "nodes", timeout=2.0).splitlines():
                parts = line.split()
                if len(parts) < 9 or "master" not in parts[2] or "fail" in parts[2]:
                    continue
                for spec in parts[8:]:
                    if spec.startswith("["):
                        continue
                    low, _, high = spec.partition("-")
                    if int(low) <= slot <= int(high or low):
                        port = int(parts[1].split("@")[0].rsplit(":", 1)[1])
                        return self.node_at(port)
        raise LookupError(f"no running master serves slot {slot}")

    def master_of_key(self, key: str) -> ClusterNode:
        return self.master_of_slot(key_slot(key.encode()))

    def master_of_key_or_none(self, key: str) -> ClusterNode | None:
        """master_of_key, or None while no running master serves the key's slot."""
        try:
            return self.master_of_key(key)
        except LookupError:
            return None

    def running(self) -> list[ClusterNode]:
        return [node for node in self.nodes if node.is_running]

    def is_ok(self) -> bool:
        """Every running node says cluster_state:ok, every slot has a master, no node fails."""
        running = self.running()
        if not running:
            return False
        for node in running:
            info = node.info("cluster-info")
            if info.get("cluster_state") != "ok" or info.get("cluster_slots_ok") != "16384":
                return False
            if int(info.get("cluster_slots_pfail", "1")) or int(info.get("cluster_slots_fail",
                                                                             "1")):
                return False
        return sum(self._owned_slots(node) for node in running) == 16384

    def wait_ok(self, timeout: float = READY_TIMEOUT) -> float:
        """Block until is_ok(); the seconds it took. RuntimeError past the timeout."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.is_ok():
                return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError("the cluster did not reach cluster_state:ok:\n" + "\n".join(
            f"{n.address}: {n.info('cluster-info').get('cluster_state')}" for n in self.nodes))

    def kill(self, node: ClusterNode) -> None:
        node.kill()

    def restart(self, node: ClusterNode) -> None:
        """Bring a stopped node back from its dir (it rejoins, as a replica if replaced)."""
        node.start()

    def reset(self) -> None:
        """Six running nodes, cluster ok, every replica attached, every master flushed."""
        restarted = False
        for node in self.nodes:
            if not node.is_running:
                node.start()
                restarted = True
        self.wait_ok()
        if restarted:
            self.wait_replicas()
        for node in self.masters():
            _cli(node.port, "flushall")

    def wait_replicas(self, timeout: float = READY_TIMEOUT) -> None:
        """Block until every running replica has finished its sync with its master."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            synced = 0
            for node in self.running():
                info = node.info("replication")
                if info.get("role") == "master":
                    synced += 1
                elif info.get("master_link_status") == "up":
                    synced += 1
            if synced == len(self.running()):
                return
            time.sleep(0.05)
        raise RuntimeError("cluster replicas did not finish syncing")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RedisCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def start_cluster_or_skip() -> RedisCluster:
    """A started cluster, or a pytest skip naming why there is none."""
    import pytest

    try:
        cluster = RedisCluster()
    except RedisServerMissing as exc:
        pytest.skip(f"needs a redis cluster: {exc}")
    cluster.start()
    return cluster

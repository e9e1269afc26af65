"""A real `redis-server` on a free loopback port, in its own temp dir, stopped by its PID.

Used by the store suite, the cluster tests and bench/redis_commands.py. `restart()` brings
the server back on the same port (outage tests); `RedisServerMissing` is raised when there
is no binary, and `start_or_skip()` turns that into a clean pytest skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class RedisServerMissing(RuntimeError):
    """No `redis-server` binary on PATH (or at /usr/bin/redis-server)."""


def find_redis_server() -> str | None:
    found = shutil.which("redis-server")
    if found is None and os.access("/usr/bin/redis-server", os.X_OK):
        found = "/usr/bin/redis-server"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_ping(port: int, timeout: float = 0.5) -> bool:
    """True when something on the port speaks RESP and answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process; `with RedisServer() as server:` starts and stops it."""

    def __init__(self, *, port: int | None = None, appendonly: bool = False,
                 dir: Path | None = None) -> None:
        binary = find_redis_server()
        if binary is None:
            raise RedisServerMissing("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = port or free_port()
        self.appendonly = appendonly
        self.dir = dir or Path(tempfile.mkdtemp(prefix="frontdesk-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def options(self) -> list[str]:
        """The command line after the binary (a cluster node adds its own)."""
        return ["--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.dir), "--save", "", "--daemonize", "no",
                "--appendonly", "yes" if self.appendonly else "no",
                "--logfile", str(self.dir / "redis.log")]

    def start(self) -> None:
        """Start on self.port and wait until it answers PING."""
        if self.is_running:
            return
        command = [self.binary, *self.options()]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with "
                                   f"{self.process.returncode}: {self.log_tail()}")
            if answers_ping(self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING on port {self.port}")

    def stop(self) -> None:
        """SIGTERM the process (by its PID), then SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown (nothing is saved)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> None:
        """Stop and start again on the same port (and dir, so AOF data comes back)."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.dir / "redis.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def start_or_skip(*, appendonly: bool = False) -> RedisServer:
    """A started server, or a pytest skip naming why there is none."""
    import pytest

    try:
        server = RedisServer(appendonly=appendonly)
    except RedisServerMissing as exc:
        pytest.skip(f"needs redis-server: {exc}")
    server.start()
    return server

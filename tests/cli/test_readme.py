"""The README's Python WebSocket example stays connected past the presence TTL (heartbeat)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from tests.support.server import make_settings, running_server

README = Path(__file__).resolve().parents[2] / "README.md"


def python_example() -> str:
    text = README.read_text()
    start = text.index("Python (`pip install websockets`)")
    return re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)  # type: ignore[union-attr]


async def test_python_example_outlives_the_presence_ttl():
    settings = make_settings(heartbeat=0.3, presence_ttl=1.0)
    async with running_server(settings) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/demo", json={"account": "demo"})
        code = python_example().replace("ws://127.0.0.1:8000", server.ws)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        try:
            await asyncio.wait_for(proc.wait(), 3.0)  # 3 TTLs: it must still be running
        except TimeoutError:
            pass
        finally:
            if proc.returncode is None:
                proc.kill()
            out, err = await proc.communicate()
        assert proc.returncode == -9, err.decode()
        assert out.decode().startswith("online"), out.decode()
        assert "pong" in out.decode()

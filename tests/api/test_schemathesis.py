"""Schemathesis against a live server over its own /openapi.json: generated requests (a few
per operation, a fixed seed) must never get a 5xx, and every answer must fit the document
(status code, content type, headers and body). Memory store and Redis store."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.server import API_KEY, make_settings, running_server

pytest.importorskip("schemathesis")

ST = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])
EXAMPLES = 6  # per operation and phase; the whole run stays near 10 s


async def run_schemathesis(base: str, where: Path) -> tuple[int, str]:
    """`st run` in `where` (its cache of crashes goes there, not into the worktree)."""
    assert ST is not None, "schemathesis is installed but its `st` command was not found"
    process = await asyncio.create_subprocess_exec(
        ST, "run", f"{base}/openapi.json", "--url", base,
        "--header", f"Authorization: Bearer {API_KEY}",
        "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", "13", "--no-shrink",
        "--request-timeout", "5", "--generation-database", "none",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=where,
        env={"NO_COLOR": "1", "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home()),
             "SCHEMATHESIS_TELEMETRY": "false"},
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(errors="replace")


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_generated_requests_get_no_5xx_and_answers_fit_the_document(
    store: str, request: pytest.FixtureRequest, tmp_path: Path,
) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    settings = make_settings(redis_url=redis_url)
    async with running_server(settings) as server:
        code, report = await run_schemathesis(server.http, tmp_path)
    assert code == 0 and "failure" not in report.rsplit("SUMMARY", 1)[-1].lower(), report[-6000:]
    tested = re.search(r"Tested: (\d+)", report)
    assert tested and int(tested.group(1)) >= 25, report[-2000:]  # every operation was tried

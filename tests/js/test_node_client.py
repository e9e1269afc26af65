"""Runs the JavaScript client's tests (tests/js/*.test.mjs) with Node's test runner.

They start their own Frontdesk (`python -m frontdesk serve --demo`, this interpreter) on a
free port. `npm ci` installs client_js's dev dependencies first when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client_js"


def test_node_client_suite() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the JavaScript client's tests need Node 18 or later")
    if not (CLIENT / "node_modules").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install client_js's dev dependencies")
        install = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT,
                                 capture_output=True, text=True, timeout=600)
        assert install.returncode == 0, f"npm ci failed:\n{install.stdout}\n{install.stderr}"
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run([node, "--test", "tests/js/"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    summary = "\n".join(line for line in result.stdout.splitlines() if line.startswith(("# tests", "# pass", "# fail")))
    print(summary)
    assert result.returncode == 0, f"node --test failed:\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}"

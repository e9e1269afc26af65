"""client_js as a user installs it: `npm pack`, then install the tarball into a fresh Node
project (offline, from the npm cache) and import it. A run-time import that is only a dev
dependency fails here, as it would for a user."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from tests.support.server import make_settings, running_server

CLIENT = Path(__file__).resolve().parents[2] / "client_js"

USE = r"""
import { FrontdeskWidget, encodeFrame, decodeFrame } from 'frontdesk-client';
const bytes = encodeFrame({ type: 'ping' }, 'msgpack');        // @msgpack/msgpack at run time
if (decodeFrame(bytes).type !== 'ping') throw new Error('msgpack round trip failed');
const WebSocket = globalThis.WebSocket ?? (await import('ws')).default;  // Node < 22: ws
const widget = new FrontdeskWidget({ widget: 'site', server: process.argv[2], storage: null,
                                     encoding: 'msgpack', WebSocket });
const welcome = await new Promise((resolve, reject) => {
  widget.on('open', resolve);
  widget.on('close', (info) => reject(new Error(`closed ${info.code}`)));
  widget.connect();
  setTimeout(() => reject(new Error('no welcome')), 5000);
});
console.log(JSON.stringify({ encoding: widget.encoding, status: welcome.widget.status }));
widget.close();
"""


def _write_project(project: Path, tarball: Path) -> None:
    """A project that depends on the tarball (and on `ws`, which a Node before 22 passes as its
    WebSocket, as the client's README says), with a lockfile so that `npm ci --offline` takes
    every package from the npm cache (scripts/setup's `npm ci` filled it). The tarball's entry
    lists exactly the `dependencies` of the packed package.json, so a run-time import that is
    only a dev dependency is not installed, and the import below fails as it would for a user."""
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/package.json")
        assert member is not None
        packed = json.load(member)
    ours = json.loads((CLIENT / "package-lock.json").read_text())["packages"]
    needs = {**packed.get("dependencies", {}), "ws": ours[""]["devDependencies"]["ws"]}
    spec = f"file:../{tarball.name}"
    packages: dict[str, dict[str, object]] = {
        "": {"name": "app", "dependencies": {"frontdesk-client": spec, "ws": needs["ws"]}},
        "node_modules/frontdesk-client": {"version": packed["version"], "resolved": spec,
                                          "dependencies": packed.get("dependencies", {})},
    }
    for name in needs:  # the client's own dependencies have none of their own (checked)
        entry = {k: v for k, v in ours[f"node_modules/{name}"].items() if k != "dev"}
        assert not entry.get("dependencies"), f"{name} has dependencies: extend this lockfile"
        packages[f"node_modules/{name}"] = entry
    (project / "package.json").write_text(json.dumps({
        "name": "app", "private": True, "type": "module",
        "dependencies": packages[""]["dependencies"]}))
    (project / "package-lock.json").write_text(json.dumps({
        "name": "app", "lockfileVersion": 3, "requires": True, "packages": packages}))


def _run(args: list[str], cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


async def test_packed_tarball_installs_and_runs_in_a_fresh_project(tmp_path: Path) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to pack and install the client")
    packed = json.loads(_run([npm, "pack", "--json", "--pack-destination", str(tmp_path)], CLIENT))
    tarball = tmp_path / packed[0]["filename"]
    files = {f["path"] for f in packed[0]["files"]}
    assert "src/index.js" in files and "index.d.ts" in files and "package.json" in files
    project = tmp_path / "app"
    project.mkdir()
    _write_project(project, tarball)
    _run([npm, "ci", "--offline", "--no-audit", "--no-fund"], project)
    assert (project / "node_modules" / "@msgpack" / "msgpack").is_dir()
    assert not (project / "node_modules" / "esbuild").exists()  # dev dependencies stay out
    (project / "use.mjs").write_text(USE)
    async with running_server(make_settings()) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        proc = await asyncio.create_subprocess_exec(  # the server shares this event loop
            node, "use.mjs", server.http, cwd=project, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out) == {"encoding": "msgpack", "status": "online"}

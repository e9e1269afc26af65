"""GET /openapi.json: every HTTP route is in it, documented, and live answers fit its schemas."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.routing import Route

from frontdesk.web.app import create_app
from frontdesk.web.openapi import OPERATIONS
from tests.support.server import make_settings, running_server


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def fits(value: Any, schema: dict[str, Any], doc: dict[str, Any], where: str = "$") -> list[str]:
    """The subset of JSON Schema the document uses: type, properties, required, items, enum,
    const, anyOf, oneOf, pattern, maxLength."""
    schema = _resolve(schema, doc)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        return [] if any(not fits(value, o, doc, where) for o in options) else [f"{where}: no option"]
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
             "integer": int, "number": (int, float)}
    kind = schema.get("type")
    if kind is not None and (not isinstance(value, kinds[kind])
                             or (kind in ("integer", "number") and isinstance(value, bool))):
        return [f"{where}: {value!r} is not {kind}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: {value!r} is not {schema['const']!r}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{where}: {value!r} does not match")
    if isinstance(value, dict):
        problems += [f"{where}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += fits(value[key], sub, doc, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += fits(item, schema["items"], doc, f"{where}[{i}]")
    return problems


async def test_every_route_is_documented_and_answers_fit():
    settings = make_settings(webhook_allow_private=True)
    async with running_server(settings) as server, server.api() as api:
        async with httpx.AsyncClient(base_url=server.http) as anonymous:
            doc = (await anonymous.get("/openapi.json")).json()
        assert doc["openapi"] == "3.1.0"
        routes = [r for r in create_app(settings).starlette.routes if isinstance(r, Route)]
        missing = [(r.path, m) for r in routes for m in r.methods or ()
                   if m not in ("HEAD", "OPTIONS") and m.lower() not in doc["paths"].get(r.path, {})]
        assert missing == []
        undocumented = sorted({r.endpoint.__name__ for r in routes} - set(OPERATIONS))
        assert undocumented == [], ("add these handlers to OPERATIONS in "
                                    "server/frontdesk/web/openapi.py", undocumented)

        def check(path: str, method: str, response: httpx.Response) -> None:
            template = _template(doc, path)
            answer = doc["paths"][template][method]["responses"][str(response.status_code)]
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                assert fits(response.json(), schema, doc) == [], (path, response.text)

        put = await api.put("/api/v1/widgets/site", json={"account": "acme"})
        check("/api/v1/widgets/site", "put", put)
        check("/api/v1/widgets/site/status", "get", await api.get("/api/v1/widgets/site/status"))
        check("/api/v1/accounts/acme/agents", "get", await api.get("/api/v1/accounts/acme/agents"))
        made = await api.post("/api/v1/accounts/acme/webhooks", json={
            "url": "http://127.0.0.1:9/in", "events": ["widget.status"]})
        check("/api/v1/accounts/acme/webhooks", "post", made)
        hook = made.json()["id"]
        check("/api/v1/accounts/acme/webhooks", "get", await api.get("/api/v1/accounts/acme/webhooks"))
        await api.put("/api/v1/widgets/site", json={"account": "acme", "manual_status": "offline"})
        path = f"/api/v1/accounts/acme/webhooks/{hook}/deliveries"
        check(path, "get", await api.get(path))
        bad = await api.get(path, params={"status": "nope"})
        check(path, "get", bad)
        assert bad.status_code == 422
        for report in ("/api/v1/widgets/site/coverage", "/api/v1/accounts/acme/queue/stats"):
            check(report, "get", await api.get(report))
        await api.post("/api/v1/accounts/acme/agents/kevin/token", json={"name": "Kevin"})
        report = "/api/v1/accounts/acme/agents/kevin/activity"
        check(report, "get", await api.get(report))
        check("/api/v1/accounts/acme/settings", "get",
              await api.get("/api/v1/accounts/acme/settings"))


def _template(doc: dict[str, Any], path: str) -> str:
    for template in doc["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the document")

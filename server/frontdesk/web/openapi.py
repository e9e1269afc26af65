"""The OpenAPI 3.1 document at /openapi.json, built from the app's own routes and shapes.

Paths, methods and path parameters come from the app's route table; payload schemas are
inferred from what the core builders return for a sample (the same functions the handlers
answer with), with enums and limits taken from core. What a handler does not expose as a
builder (request bodies, query parameters, status codes) is described once, in OPERATIONS,
keyed by the handler's name; tests/api/test_openapi.py fails for a route missing there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from frontdesk import __version__
from frontdesk.core import frames
from frontdesk.core.model import AgentState, AgentStatus, Mode, Reason, Routing, WidgetStatus
from frontdesk.core.settings import parse_settings, settings_to_json
from frontdesk.core.tokens import MAX_NAME
from frontdesk.core.webhook_model import Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import ALL_EVENTS, EVENT_TYPES, MAX_SECRET, MAX_URL
from frontdesk.core.widget_status import compute_widget_status
from frontdesk.web.http_api import MAX_TOKEN_TTL

ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}  # null: as if absent
AGENT_TOKEN = {"own_activity"}  # public to the API key, but an agent's JWT is required
TIME = {"type": "string", "format": "date-time"}
Schema = dict[str, Any]


def infer(sample: Any, nullable: dict[str, Schema] | None = None,
          optional: tuple[str, ...] = ()) -> Schema:
    """A JSON Schema for what a builder returned; `nullable` gives the non-null type of fields
    that were null in the sample (or may be)."""
    nullable = nullable or {}
    if isinstance(sample, bool):
        return {"type": "boolean"}
    if isinstance(sample, int):
        return {"type": "integer"}
    if isinstance(sample, float):
        return {"type": "number"}
    if isinstance(sample, str):
        return {"type": "string"}
    if isinstance(sample, list):
        return {"type": "array", "items": infer(sample[0]) if sample else {}}
    if isinstance(sample, dict):
        props: dict[str, Schema] = {}
        for key, value in sample.items():
            if key in nullable:
                props[key] = {"anyOf": [nullable[key], {"type": "null"}]}
            else:
                props[key] = infer(value)
        return {"type": "object", "properties": props,
                "required": [k for k in sample if k not in optional]}
    return {"type": "null"}


def _enum(values: Any) -> Schema:
    return {"type": "string", "enum": [v.value for v in values]}


def _samples() -> dict[str, Schema]:
    now = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)
    agent = AgentState("kevin", "Kevin", AgentStatus.ONLINE, 1, 0)
    settings = parse_settings({"account": "acme"})
    settings_json = settings_to_json(settings)
    status = compute_widget_status("site", settings, True, now).to_payload()
    hook = Webhook("wh_1", "acme", "https://hooks.example/in", ("*",), "s", now.timestamp())
    delivery = Delivery("evt_1", "widget.status", 1, now.timestamp())
    settings_schema = infer(settings_json, optional=tuple(k for k in settings_json
                                                           if k != "account"))
    settings_schema["properties"].update({
        "account": ID, "mode": _enum(Mode), "manual_status": _enum(WidgetStatus),
        "routing": _enum(Routing),
        "hours": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "array", "items": {"type": "string"},
                                       "minItems": 2, "maxItems": 2}}},
        "closed_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
        "allowed_origins": {"type": "array", "items": {"type": "string"}},
    })
    settings_schema["additionalProperties"] = True  # later versions add fields
    widget_status = infer(status, nullable={"next_change": TIME})
    widget_status["properties"].update({"status": _enum(WidgetStatus), "reason": _enum(Reason)})
    status_body = {**widget_status, "properties": {
        k: v for k, v in widget_status["properties"].items() if k != "type"},
        "required": [k for k in widget_status["required"] if k != "type"]}
    listing = infer(hook.to_listing())
    listing["properties"]["events"] = {"type": "array", "items": {
        "type": "string", "enum": [*EVENT_TYPES, ALL_EVENTS]}}
    created = {**listing, "properties": {**listing["properties"], "secret": {"type": "string"}},
               "required": [*listing["required"], "secret"]}
    delivery_schema = infer(delivery.to_wire(), nullable={
        "last_code": {"type": "integer"}, "last_error": {"type": "string"},
        "next_attempt": TIME})
    delivery_schema["properties"]["status"] = _enum(DeliveryStatus)
    return {
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}},
        "WidgetSettings": settings_schema,
        "WidgetStatusFrame": widget_status,
        "WidgetStatus": status_body,
        "AgentStatusFrame": {**infer(frames.agent_status(agent)), "additionalProperties": True},
        "Agent": {**infer(frames.agent_listing(agent)), "additionalProperties": True},
        "Webhook": listing,
        "WebhookCreated": created,
        "WebhookRegistration": {"type": "object", "required": ["url", "events"], "properties": {
            "url": {"type": "string", "format": "uri", "maxLength": MAX_URL},
            "events": {"oneOf": [
                {"type": "array", "items": {"type": "string", "enum": list(EVENT_TYPES)},
                 "minItems": 1},
                {"type": "array", "items": {"const": ALL_EVENTS}, "minItems": 1, "maxItems": 1}]},
            "secret": {"anyOf": [  # null: as if absent, the server makes one up
                {"type": "string", "minLength": 1, "maxLength": MAX_SECRET}, {"type": "null"}]}}},
        "Delivery": delivery_schema,
        "WebhookEvent": {"type": "object", "description": "The body POSTed to a webhook.",
                         "required": ["id", "seq", "type", "account", "occurred_at", "data"],
                         "properties": {"id": {"type": "string"}, "seq": {"type": "integer"},
                                        "type": {"type": "string", "enum": list(EVENT_TYPES)},
                                        "account": ID, "occurred_at": TIME,
                                        "data": {"type": "object"}}},
        "AccountSettings": {"type": "object", "additionalProperties": True, "properties": {
            "auto_away_after": {"type": "number", "minimum": 0},
            "reassign_after": {"type": "number", "minimum": 0},
            "gap_alert_after": {"type": "number", "minimum": 0}}},
        **_coverage_schemas(),
        "Object": {"type": "object", "additionalProperties": True},
    }


def _coverage_schemas() -> dict[str, Schema]:
    """The three coverage reports (contract: Coverage); totals are seconds."""
    seconds = {"type": "number", "minimum": 0}
    null_or_seconds = {"anyOf": [seconds, {"type": "null"}]}

    def report(extra: dict[str, Schema], interval: dict[str, Schema],
               totals: dict[str, Schema]) -> Schema:
        return {"type": "object", "required": [*extra, "from", "to", "intervals", "totals"],
                "properties": {**extra, "from": TIME, "to": TIME, "intervals": {
                    "type": "array", "items": {
                        "type": "object", "required": ["from", "to", *interval],
                        "properties": {"from": TIME, "to": TIME, **interval}}},
                    "totals": {"type": "object", "required": list(totals),
                               "properties": totals, "additionalProperties": True}}}

    return {
        "WidgetCoverage": report(
            {"widget": ID}, {"status": _enum(WidgetStatus), "reason": _enum(Reason)},
            {"online": seconds, "offline": seconds, "open": seconds,
             "offline_while_open": seconds,
             "offline_while_open_by_reason": {"type": "object", "required": ["team_away"],
                                              "properties": {"team_away": seconds}}}),
        "AgentActivity": report(
            {"agent": ID}, {"status": _enum(AgentStatus), "connected": {"type": "boolean"}},
            {name: seconds for name in ("online", "busy", "connected", "available")}),
        "QueueStats": {"type": "object", "required": [
            "from", "to", "started", "assigned", "queued", "closed_while_queued",
            "time_to_assign", "max_depth"], "properties": {
            "from": TIME, "to": TIME, **{name: {"type": "integer", "minimum": 0} for name in (
                "started", "assigned", "queued", "closed_while_queued", "max_depth")},
            "time_to_assign": {"type": "object", "required": ["p50", "p90", "max"],
                               "properties": {k: null_or_seconds for k in ("p50", "p90", "max")}}}},
    }


def _range_query() -> list[Schema]:
    """`from` and `to` of a coverage report: ISO-8601, any offset; the last 24 hours."""
    return [{"name": name, "in": "query", "required": False, "schema": TIME}
            for name in ("from", "to")]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name: str) -> Schema:
    return {"type": "array", "items": _ref(name)}


def _status_query() -> list[Schema]:
    return [{"name": "status", "in": "query", "required": False,
             "schema": _enum(DeliveryStatus)}]


# handler name -> (summary, public, request schema or None, {status: (description, schema)})
Responses = dict[int, tuple[str, Schema | None]]
OPERATIONS: dict[str, tuple[str, bool, Schema | None, Responses]] = {
    "put_widget": ("Store a widget's settings", False, _ref("WidgetSettings"),
                   {200: ("The stored settings, defaults filled in", _ref("WidgetSettings"))}),
    "get_widget": ("A widget's settings", False, None, {200: ("Settings", _ref("WidgetSettings"))}),
    "patch_widget": ("Merge-patch a widget's settings (RFC 7396)", False, _ref("Object"),
                     {200: ("The stored settings", _ref("WidgetSettings"))}),
    "delete_widget": ("Delete a widget; its sockets close with 4404", False, None,
                      {204: ("Deleted", None)}),
    "widget_status": ("A widget's effective status", True, None,
                      {200: ("Status", _ref("WidgetStatus"))}),
    "start_conversation": ("Start a conversation", False, {
        "type": "object", "required": ["visitor"],
        "properties": {"visitor": ID, "text": NULLABLE_STRING}},
        {201: ("Assigned, queued or rejected", _ref("Object"))}),
    "close_conversation": ("Close a conversation", False, None, {200: ("Closed", _ref("Object"))}),
    "list_agents": ("Every agent the account has seen", False, None,
                    {200: ("Agents", _list("Agent"))}),
    "issue_agent_token": ("Issue an agent JWT", False, {
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME,
                                "pattern": r"\S"},
                       "ttl": {"type": "number", "minimum": 1, "maximum": MAX_TOKEN_TTL}}},
        {201: ("Token", {"type": "object", "required": ["token", "expires"], "properties": {
            "token": {"type": "string"}, "expires": TIME}})}),
    "healthz": ("The process runs", True, None, {200: ("OK", _ref("Object"))}),
    "readyz": ("The store answers", True, None, {200: ("Ready", _ref("Object")),
                                                503: ("Store unreachable", _ref("Error"))}),
    "metrics": ("Prometheus metrics (text format)", True, None, {200: ("Metrics", None)}),
    "openapi": ("This document", True, None, {200: ("OpenAPI 3.1", _ref("Object"))}),
    "leave_message": ("Leave a message on a widget (origin-checked, rate-limited)", True, {
        "type": "object", "required": ["email", "text"], "properties": {
            "visitor": ID, "email": {"type": "string", "format": "email"},
            "text": {"type": "string", "minLength": 1, "pattern": r"\S"}}},
        {201: ("Stored", _ref("Object")), 403: ("Origin refused", _ref("Error")),
         429: ("Too many", _ref("Error"))}),
    "list_offline_messages": ("Offline messages (unread; ?all=1 for all)", False, None,
                              {200: ("Messages", {"type": "array", "items": _ref("Object")})}),
    "mark_offline_message_read": ("Mark an offline message read", False, None,
                                  {200: ("Read", _ref("Object"))}),
    "list_widgets": ("The account's widgets with settings and status", False, None,
                     {200: ("Widgets", {"type": "array", "items": _ref("Object")})}),
    "list_conversations": ("Open and queued conversations (?state=open|queued)", False, None,
                           {200: ("Conversations", {"type": "array", "items": _ref("Object")})}),
    "widget_coverage": ("A widget's availability history", False, None,
                        {200: ("Coverage", _ref("WidgetCoverage"))}),
    "agent_activity": ("An agent's status history", False, None,
                       {200: ("Activity", _ref("AgentActivity"))}),
    "own_activity": ("The calling agent's own history (agent token)", True, None,
                     {200: ("Activity", _ref("AgentActivity")),
                      401: ("No valid agent token", _ref("Error"))}),
    "queue_stats": ("Queue statistics over a range", False, None,
                    {200: ("Stats", _ref("QueueStats"))}),
    "get_account_settings": ("The account's settings (defaults for an account never seen)", False,
                             None, {200: ("Settings", _ref("AccountSettings"))}),
    "put_account_settings": ("Store the account's settings", False, _ref("AccountSettings"),
                             {200: ("The stored settings", _ref("AccountSettings"))}),
    "put_agent_status": ("Set an agent's status (status_reason api)", False, {
        "type": "object", "required": ["status"], "properties": {"status": _enum(AgentStatus)}},
        {200: ("The agent's entry of the agents list", _ref("Agent"))}),
    "reassign_conversation": ("Reassign a conversation now", False, {
        "type": "object", "properties": {"to": ID}},
        {200: ("Like a start", _ref("Object")), 409: ("Not available", _ref("Error"))}),
    "create_webhook": ("Register a webhook", False, _ref("WebhookRegistration"),
                       {201: ("Registered; the only answer showing the secret",
                              _ref("WebhookCreated"))}),
    "list_webhooks": ("The account's webhooks", False, None, {200: ("Webhooks", _list("Webhook"))}),
    "delete_webhook": ("Delete a webhook; its deliveries stop", False, None,
                       {204: ("Deleted", None)}),
    "list_deliveries": ("A webhook's deliveries, newest first, at most 100 (7 days)", False, None,
                        {200: ("Deliveries", _list("Delivery"))}),
    "redeliver": ("One more attempt now (same id, new t)", False, None,
                  {202: ("Accepted", _ref("Delivery"))}),
}
QUERIES: dict[str, list[Schema]] = {
    "list_deliveries": _status_query(),
    **{name: _range_query() for name in ("widget_coverage", "agent_activity", "queue_stats",
                                         "own_activity")},
}


def _operation(route: Route, method: str) -> Schema:
    name = getattr(route.endpoint, "__name__", "")
    summary, public, body, responses = OPERATIONS.get(
        name, (name.replace("_", " "), False, None, {200: ("OK", None)}))
    operation: Schema = {"operationId": f"{name}_{method}" if method != "get" else name,
                         "summary": summary}
    params = [{"name": p, "in": "path", "required": True, "schema": ID}
              for p in route.param_convertors]
    params += QUERIES.get(name, [])
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    answers: dict[str, Any] = {}
    for code, (description, schema) in responses.items():
        answer: Schema = {"description": description}
        if schema is not None:
            answer["content"] = {"application/json": {"schema": schema}}
        answers[str(code)] = answer
    error = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
    if not public:
        answers.setdefault("401", error)
        operation["security"] = [{"apiKey": []}]
    elif name in AGENT_TOKEN:
        operation["security"] = [{"agentToken": []}]
    if route.param_convertors:
        answers.setdefault("404", error)
    if body is not None or name in QUERIES:
        answers.setdefault("422", error)
    answers.setdefault("503", error)
    operation["responses"] = answers
    return operation


def build_document(routes: list[BaseRoute]) -> dict[str, Any]:
    """The document for these routes (the HTTP ones: sockets and static pages are not in it)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, method.lower())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Frontdesk", "version": __version__,
                 "description": "Real-time presence for live-chat widgets. WebSocket endpoints "
                                "(/ws/agent, /ws/widget/{widget}) are described in the README."},
        "paths": paths,
        "components": {
            "schemas": _samples(),
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "FRONTDESK_API_KEY"},
                "agentToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                               "description": "An agent's token (HS256, FRONTDESK_SECRET)"}}},
    }


async def openapi(request: Request) -> Response:
    """Public: this server's OpenAPI document (built once per app)."""
    state = request.app.state
    if getattr(state, "openapi", None) is None:
        state.openapi = build_document(request.app.routes)
    return JSONResponse(state.openapi)


ROUTES = [Route("/openapi.json", openapi, methods=["GET"])]

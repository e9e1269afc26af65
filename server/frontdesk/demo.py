"""`--demo`: account `demo` with widget `demo` and agents Kevin and Samantha, and the links."""

from __future__ import annotations

from datetime import timedelta

from frontdesk.config import Settings
from frontdesk.core.settings import parse_settings
from frontdesk.core.tokens import issue_token
from frontdesk.node import Node
from frontdesk.web.app import FrontdeskApp, create_app

ACCOUNT = "demo"
WIDGET = "demo"
AGENTS = (("kevin", "Kevin"), ("samantha", "Samantha"))
DEMO_SETTINGS = {
    "account": ACCOUNT,
    "mode": "manual",
    "manual_status": "online",
    "offline_when_team_away": True,
    "online_message": "Hi! Kevin and Samantha are here to help.",
    "offline_message": "We're away right now. Leave a message and we'll reply by email.",
}


def demo_app(settings: Settings, made_up: list[str], host: str, port: int) -> FrontdeskApp:
    async def seed(node: Node) -> None:
        if await node.widgets.get(WIDGET) is None:
            await node.widgets.put(WIDGET, parse_settings(DEMO_SETTINGS))
        for agent, name in AGENTS:
            await node.presence.see_agent(ACCOUNT, agent, name)
        await node.widgets.refresh_account(ACCOUNT)
        print(demo_banner(node, settings, made_up, host, port), flush=True)

    return create_app(settings, on_start=seed)


def demo_banner(node: Node, settings: Settings, made_up: list[str], host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    lines = ["", "Frontdesk demo is running.", ""]
    if made_up:
        lines.append("Made up for this run (set them in the environment to keep them):")
        if "FRONTDESK_SECRET" in made_up:
            lines.append(f"  FRONTDESK_SECRET={settings.secret}")
        if "FRONTDESK_API_KEY" in made_up:
            lines.append(f"  FRONTDESK_API_KEY={settings.api_key}")
        lines.append("")
    for agent, name in AGENTS:
        token, _ = issue_token(settings.secret, ACCOUNT, agent, name, node.clock(),
                               timedelta(hours=12))
        lines += [f"{name}'s console:  {base}/console.html#token={token}",
                  f"{name}'s token:    {token}", ""]
    lines += [
        f"Visitor page:       {base}/visitor.html?widget={WIDGET}",
        f"Widget settings:    {base}/settings.html?widget={WIDGET}  (paste the API key)",
        f"Widget status:      {base}/api/v1/widgets/{WIDGET}/status",
        f"Agent socket:       ws://{shown}:{port}/ws/agent",
        f"Widget socket:      ws://{shown}:{port}/ws/widget/{WIDGET}",
        "",
    ]
    return "\n".join(lines)

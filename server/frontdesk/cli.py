"""`frontdesk serve [--host] [--port] [--demo]` (contract: Running it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from frontdesk.config import ConfigError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk", description="Frontdesk presence server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true",
                       help="seed account 'demo' and make up missing secrets")
    args = parser.parse_args(argv)

    try:
        settings = load_settings(os.environ, demo=args.demo)
    except ConfigError as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 2

    from frontdesk.runner import serve as run
    from frontdesk.web.app import create_app

    if args.demo:
        from frontdesk.demo import demo_app

        settings, made_up = settings.with_generated_secrets()
        app = demo_app(settings, made_up, args.host, args.port)
    else:
        app = create_app(settings)
    run(app, settings, args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

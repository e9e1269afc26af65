"""`frontdesk serve [--host] [--port] [--demo]` (contract: Running it), and `frontdesk --version`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from frontdesk import __version__
from frontdesk.config import VARIABLES, ConfigError, load_settings
from frontdesk.logs import FORMATS, LEVELS


def _environment_help() -> str:
    width = max(len(name) for name, _, _ in VARIABLES)
    lines = ["environment variables (default in brackets):"]
    lines += [f"  {name:<{width}}  [{default}] {meaning}" for name, default, meaning in VARIABLES]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk", description="Frontdesk presence server")
    parser.add_argument("--version", action="version", version=f"frontdesk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server", epilog=_environment_help(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default %(default)s)")
    serve.add_argument("--demo", action="store_true",
                       help="seed account 'demo' and make up missing secrets")
    serve.add_argument("--log-level", choices=LEVELS, default="info",
                       help="least severe level logged (default %(default)s)")
    serve.add_argument("--log-format", choices=FORMATS, default="text",
                       help="text, or json: one JSON object a line (default %(default)s)")
    args = parser.parse_args(argv)

    try:
        settings = load_settings(os.environ, demo=args.demo)
    except ConfigError as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 2

    from frontdesk.logs import configure_logging
    from frontdesk.runner import serve as run
    from frontdesk.web.app import create_app

    configure_logging(args.log_level, args.log_format)
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

"""A Frontdesk webhook receiver with the standard library only: verify, then act.

    FRONTDESK_WEBHOOK_SECRET=... python3 webhook_receiver.py 8080
"""

import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["FRONTDESK_WEBHOOK_SECRET"].encode()
TOLERANCE = 300  # seconds: refuse signatures older than this (replays)
seen: set[str] = set()  # delivery is at least once: drop repeats by id (keep this in a DB)


def verified(header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(SECRET, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - t) <= TOLERANCE and hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verified(self.headers.get("Frontdesk-Signature", ""), body):
            self.send_response(401)  # another 4xx: Frontdesk does not retry it
            self.end_headers()
            return
        event = json.loads(body)
        if event["id"] not in seen:
            seen.add(event["id"])
            print(f"verified {event['type']} seq={event['seq']} id={event['id']}", flush=True)
        self.send_response(204)  # answer fast (within 5 s); do slow work elsewhere
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()

#!/usr/bin/env python3
"""A webhook receiver for Railyard (docs/api.md, "Webhooks"): verifies each delivery's signature
and prints the event. Python 3.11+, standard library only.

    RAILYARD_WEBHOOK_SECRET=<the secret shown when the webhook was made> \
        python docs/examples/webhook_receiver.py --port 9000

Railyard signs `timestamp + "." + body` with HMAC-SHA256 keyed by the webhook's secret and sends
`X-Railyard-Timestamp` and `X-Railyard-Signature: sha256=<hex>`. A receiver recomputes the HMAC
over the raw body it received, compares in constant time, and refuses a timestamp older than five
minutes (a replayed delivery). It answers 2xx quickly: Railyard retries anything else (2, 4, 8,
16 s; 5 attempts). Deliveries may come twice: `X-Railyard-Delivery` tells them apart."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    """True when the delivery is Railyard's: a recent timestamp and a matching signature."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)


def handler_for(secret: str, seen: list[dict]) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ok = verify(
                secret,
                self.headers.get("X-Railyard-Timestamp", ""),
                body,
                self.headers.get("X-Railyard-Signature", ""),
            )
            if not ok:
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            seen.append(event)
            print(f"{event['event']} in train {event['train']} (delivery {event['delivery']})", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    return Receiver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", default=os.environ.get("RAILYARD_WEBHOOK_SECRET", ""))
    args = parser.parse_args()
    if not args.secret:
        parser.error("give --secret (or RAILYARD_WEBHOOK_SECRET)")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(args.secret, []))
    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""Helpers for the hotline tests: a client with its key, a local HTTP receiver of callbacks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from hotline import services
from liaison.models import Role
from tests import factories


def make_client(name: str = "12345 市级平台"):
    staff = factories.make_user(role=Role.TASKFORCE)
    client, key = services.hotline_client_create(name=name, acting_user=staff)
    return client, key


def api_for(key: str, language: str = "zh-hans") -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.credentials(HTTP_AUTHORIZATION=f"Hotline {key}")
    return api


def order(enterprise, external_id: str = "GD20260603001", **extra) -> dict:
    body = {
        "external_id": external_id,
        "enterprise_credit_code": enterprise.credit_code,
        "title": "厂区门前道路积水",
        "description": "雨后厂区门前道路积水严重，货车无法进出，请协调市政处理。",
        "category": "utilities",
        "contact_name": "王经理",
        "contact_phone": "13800000000",
        "received_at": "2026-06-03T09:30:00+08:00",
    }
    body.update(extra)
    return body


class Receiver:
    """A real HTTP server on 127.0.0.1 (an ephemeral port) that records each callback it is sent.

    `fail_first` requests are answered 503 before it recovers; `always_fail` never recovers; the first
    request waits `delay_first` seconds before it is answered (a sender killed meanwhile)."""

    def __init__(self, *, fail_first: int = 0, always_fail: bool = False, delay_first: float = 0):
        self.fail_first, self.always_fail, self.delay_first = fail_first, always_fail, delay_first
        self.arrivals = 0
        self.received: list[dict] = []  # every request: headers, body, the answer given
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.arrivals += 1
                    first = receiver.arrivals == 1
                if first and receiver.delay_first:
                    time.sleep(receiver.delay_first)
                with receiver.lock:
                    failing = receiver.always_fail or len(receiver.received) < receiver.fail_first
                    code = 503 if failing else 200
                    receiver.received.append({"headers": dict(self.headers), "body": body, "code": code})
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"busy" if failing else b"ok")
                except OSError:  # the sender is gone
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/callback"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        """The bodies of the callbacks it accepted, in the order they came."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.received if r["code"] == 200]


def verifies(secret: str, request: dict) -> bool:
    """What the hotline does: recompute the signature of `<timestamp>.<body>` and compare."""
    timestamp = request["headers"]["X-Hotline-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"],
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Hotline-Signature"])

"""A database host that accepts the connection and then says nothing (a hung server, a firewall that
drops packets after the handshake) fails a new connection after `DB_CONNECT_TIMEOUT` seconds: /healthz
answers 503 with the database down instead of hanging the worker for minutes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "timeout": settings.DATABASES["default"]["OPTIONS"].get("connect_timeout")}))
"""


def test_a_silent_database_host_fails_healthz_after_the_connect_timeout():
    # given a "database" that accepts TCP connections and never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "liaison.settings", "DEBUG": "true", "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/liaison", "DB_CONNECT_TIMEOUT": "2",
        }
        # when the load balancer probes /healthz (the subprocess would be killed at 60 s without the timeout)
        result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60)
    # then it answers 503 with the database down, the timeout configured from the environment
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["timeout"] == 2
    assert answer["status"] == 503
    assert answer["body"]["components"]["database"]["status"] == "down"

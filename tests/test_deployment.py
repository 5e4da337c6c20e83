"""Production settings pass Django's deployment check and refuse to start without a secret key; every
answer carries the security headers; /healthz tells a load balancer what is up; a connection the
database dropped costs no request; the API's schema and docs need a sign-in unless made public."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from liaison import health

ROOT = Path(__file__).resolve().parent.parent
# README's Production section, with a throw-away key.
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://liaison:secret@127.0.0.1:5432/liaison",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "k3Jd9-production-like-key-for-the-test-only-Zq81xPw0Lr5vTn2",
    "ALLOWED_HOSTS": "liaison.example.gov.cn",
    "BEHIND_PROXY": "true",
    "SECURE_COOKIES": "true",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """manage.py with the production settings module and only the given environment (no DEBUG, no test key)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "liaison.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


# --- The deployment check and the secret key --------------------------------------------------------


def test_check_deploy_is_clean_under_the_documented_production_settings():
    # when Django's deployment check runs with README's production environment
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    # then it finds nothing, not even a warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    # given the production environment without SECRET_KEY
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    # when anything starts
    result = manage("check", env=env)
    # then it stops with a message saying what to set
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_development_without_a_key_still_starts():
    # given DEBUG (as scripts/demo.sh sets it) and no key
    result = manage("check", env={"DEBUG": "true"})
    # then the portal starts on its development key
    assert result.returncode == 0, result.stderr


def test_production_mail_goes_through_smtp_from_the_environment():
    # given the production environment and the SMTP variables
    env = PRODUCTION_ENV | {"EMAIL_HOST": "smtp.example.gov.cn", "EMAIL_PORT": "587", "EMAIL_HOST_USER": "liaison",
                            "EMAIL_HOST_PASSWORD": "pw", "EMAIL_USE_TLS": "true"}
    code = ("from django.conf import settings as s; import json; print(json.dumps({'mail': s.MAILERS['default'], "
            "'redirect': s.SECURE_SSL_REDIRECT, 'hsts': [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_HSTS_PRELOAD], 'proxy': s.SECURE_PROXY_SSL_HEADER, 'health': s.DATABASES['default']"
            "['CONN_HEALTH_CHECKS']}))")
    # when the settings are read
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    # then mail is SMTP with those values, and HTTPS is enforced behind the proxy
    assert read["mail"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    expected = {"host": "smtp.example.gov.cn", "port": 587, "username": "liaison", "password": "pw", "use_tls": True}
    assert expected.items() <= read["mail"]["OPTIONS"].items()
    assert read["redirect"] is True
    assert read["hsts"] == [31536000, True, True]
    assert read["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert read["health"] is True


def test_development_mail_stays_on_the_console():
    result = manage("shell", "-c", "from django.conf import settings as s; print(s.MAILERS['default']['BACKEND'])",
                    env={"DEBUG": "true"})
    assert result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"


# --- Headers -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client, admin_user_):
    # when a page is read
    client.force_login(admin_user_)
    response = client.get("/")
    # then it has a CSP without inline script or eval, a Permissions-Policy and the usual headers
    assert response.status_code == 200
    csp = dict(
        (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler():
    # the CSP allows scripts from this site only: <script> without src, on…= and javascript: would be refused
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"""\son[a-z]+\s*=\s*["']|javascript:|hx-on""", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_behind_the_proxy_except_the_health_check():
    # given the production switches: HTTPS redirect, the proxy's header trusted
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        client = Client()
        # when a page is asked for over plain HTTP, then over HTTPS through the proxy
        plain = client.get("/accounts/login/")
        proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        # and the load balancer probes /healthz over plain HTTP
        probe = client.get("/healthz")
    # then plain HTTP is sent to HTTPS, HTTPS is served with HSTS, and the probe is answered
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert probe.status_code == 200


# --- /healthz ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_a_sign_in_with_each_component():
    # when a load balancer asks (tests run tasks in-process: no worker is expected)
    response = Client().get("/healthz")
    # then every component is listed with its state
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["redis"]["status"] == "ok"
    assert body["components"]["celery_worker"]["status"] == "not_configured"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_is_503_without_a_worker_heartbeat_and_200_with_a_fresh_one():
    # given a deployment with workers, and no heartbeat written
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)
    missing = Client().get("/healthz")
    # when a worker writes its heartbeat
    health.worker_heartbeat_write()
    fresh = Client().get("/healthz")
    # then /healthz is 503 before and 200 after
    assert missing.status_code == 503
    assert missing.json()["components"]["celery_worker"]["status"] == "down"
    assert fresh.status_code == 200
    assert fresh.json()["components"]["celery_worker"]["status"] == "ok"
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_stale_heartbeat_counts_as_no_worker_unless_workers_are_not_required():
    # given a heartbeat older than HEALTHZ_WORKER_MAX_AGE
    health._redis().set(health.WORKER_HEARTBEAT_KEY, repr(time.time() - settings.HEALTHZ_WORKER_MAX_AGE - 5))
    stale = Client().get("/healthz")
    with override_settings(HEALTHZ_REQUIRE_WORKER=False):
        lenient = Client().get("/healthz")
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)
    # then it is 503, unless the operator said a missing worker should not take the node out
    assert stale.status_code == 503
    assert lenient.status_code == 200
    assert lenient.json()["components"]["celery_worker"]["status"] == "down"


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_says_redis_is_down_quickly_and_leaks_no_address():
    # when Redis cannot be reached
    started = time.monotonic()
    response = Client().get("/healthz")
    elapsed = time.monotonic() - started
    # then the answer is 503 within a second, naming the component but no address or error
    assert response.status_code == 503
    assert response.json()["components"]["redis"] == {"status": "down", "ms": pytest.approx(0, abs=1000)}
    assert elapsed < 1
    text = response.content.decode()
    assert "127.0.0.1" not in text and "6379" not in text and "Error" not in text


def test_a_real_worker_writes_the_heartbeat_healthz_reads(start_worker):
    # given no heartbeat
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)
    # when a real Celery worker starts
    start_worker(CELERY_HEARTBEAT_SECONDS="1")
    deadline = time.monotonic() + 30
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        while True:
            response = Client().get("/healthz")
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    # then /healthz sees it
    assert response.status_code == 200, response.json()
    assert response.json()["components"]["celery_worker"]["status"] == "ok"


# --- A dropped database connection --------------------------------------------------------------------


def _serve(env_extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """gunicorn on a port the system picks (bound here and handed over, so that runs side by side never
    collide on a fixed port); returns the server and its base URL."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liaison.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "DB_CONN_MAX_AGE": "600",
        **env_extra,
    }
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "liaison.wsgi", "--bind", f"fd://{listener.fileno()}",
             "--workers", "1", "--log-level", "critical"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
        )
    base = f"http://127.0.0.1:{port}"
    for _i in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return server, base
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGTERM)
    raise AssertionError(f"gunicorn did not start on port {port}")


def _status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def _requests_around_a_dropped_connection(health_checks: str) -> tuple[int, int, int]:
    from accounts.services import token_create
    from tests import factories

    user = factories.make_user(username=f"api-{health_checks}")
    token = token_create(user=user, client="test")[1]
    server, base = _serve({"DB_CONN_HEALTH_CHECKS": health_checks})
    try:
        url = f"{base}/api/v1/me/"
        before = _status(url, token)
        # the database drops the web worker's kept connection (a restart, a fail-over, an idle kill)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated = cursor.fetchone()[0]
        time.sleep(0.2)
        after = _status(url, token)
        return before, terminated, after
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_costs_no_request():
    # given a web worker keeping its connection between requests, with CONN_HEALTH_CHECKS (the default)
    before, terminated, after = _requests_around_a_dropped_connection("true")
    # then the request after the drop is served on a new connection
    assert (before, after) == (200, 200) and terminated >= 1


@pytest.mark.django_db(transaction=True)
def test_without_health_checks_the_dropped_connection_was_a_500():
    # the control: the same drop without CONN_HEALTH_CHECKS fails the next request
    before, terminated, after = _requests_around_a_dropped_connection("false")
    assert (before, after) == (200, 500) and terminated >= 1


# --- API schema and docs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_schema_and_docs_need_a_sign_in(admin_user_):
    anonymous = Client()
    # when an anonymous visitor asks for the schema and the two docs pages
    schema = anonymous.get("/api/schema/")
    docs = anonymous.get("/api/docs/")
    redoc = anonymous.get("/api/redoc/")
    # then the schema is 401 and the pages send them to the sign-in page
    assert schema.status_code == 401
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/?next=/api/docs/")
    assert redoc.status_code == 302 and redoc["Location"].startswith("/accounts/login/")
    # and signed in, they are served
    signed_in = Client()
    signed_in.force_login(admin_user_)
    assert signed_in.get("/api/schema/").status_code == 200
    assert signed_in.get("/api/docs/").status_code == 200
    assert signed_in.get("/api/docs/?script=").status_code == 200
    assert signed_in.get("/api/redoc/").status_code == 200


@pytest.mark.django_db
@override_settings(API_DOCS_PUBLIC=True)
def test_api_docs_public_opens_the_schema_and_docs_to_everyone():
    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200
    assert anonymous.get("/api/redoc/").status_code == 200


@pytest.mark.django_db
def test_redoc_loads_nothing_from_outside_the_site(admin_user_):
    client = Client()
    client.force_login(admin_user_)
    html = client.get("/api/redoc/").content.decode()
    assert "googleapis" not in html and "https://" not in html
    assert "<script>" not in html

"""Pages and endpoints under load, each beside its floor view (bench/floors.py) on the same server.

Starts gunicorn with production settings (DEBUG off) and the floor URLs, signs in as task-force staff
and as a cadre, and runs wrk with 32 connections against each URL for a few seconds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_city .venv/bin/python -m bench.http [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

PORT = int(os.environ.get("BENCH_PORT", "8620"))
BASE = f"http://127.0.0.1:{PORT}"
HERE = Path(__file__).resolve().parent


def _login(username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{BASE}/accounts/login/", data=data.encode(), headers={"Referer": BASE})
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not sign in as {username}")
    return f"sessionid={cookies['sessionid']}"


def _check(url: str, cookie: str) -> None:
    """The URL answers 200 itself (not a redirect to the login or the password page)."""
    response = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}))
    if response.status != 200 or response.url != url:
        raise SystemExit(f"{url} answers {response.status} at {response.url}: not what should be measured")


def _wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    _check(url, cookie)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(HERE / "wrk_report.lua"),
         "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    rps, p50, p95, errors, requests, size = line.split()[1:]
    return {"rps": float(rps), "p50": float(p50), "p95": float(p95), "errors": int(errors),
            "requests": int(requests), "bytes": int(size)}


def _median(runs: list[dict]) -> dict:
    """Each figure's median over the runs (errors summed)."""
    return {key: sum(r[key] for r in runs) if key == "errors" else statistics.median(r[key] for r in runs)
            for key in runs[0]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", default="", help="measure only the endpoints whose label contains this")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each endpoint and its floor this many times, alternately; print the medians "
                             "(a shared machine's load drifts)")
    args = parser.parse_args(argv)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "STATIC_MANIFEST": "false"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "liaison.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(args.workers), "--log-level", "warning"],
        env=env, cwd=HERE.parent, start_new_session=True,
    )
    try:
        for _i in range(60):
            try:
                urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
        import django

        django.setup()
        from appeals.models import Appeal
        from liaison.models import Cadre

        cadre = Cadre.objects.filter(user__isnull=False, active=True, visits__isnull=False).order_by("pk").first()
        appeal = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first()
        # The benchmark's logins keep the demo's shared password: let them in without changing it. A
        # database seeded under the test settings stores it with a hasher production refuses: hash it anew.
        # (So the benchmark writes: run it on a copy of a shared database.)
        from accounts.models import UserSecurity
        from liaison.models import User

        password = os.environ.get("BENCH_PASSWORD", "demo12345")
        for user in User.objects.filter(username__in=["taskforce", cadre.user.username]):
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
        UserSecurity.objects.filter(user__username__in=["taskforce", cadre.user.username]).update(
            must_change_password=False
        )
        staff = _login("taskforce", password)
        own = _login(cadre.user.username, password)
        cases = [
            ("/appeals/ (task force, all)", "/appeals/?tab=all", "/bench-floor/appeals/", staff),
            ("/enterprises/", "/enterprises/", "/bench-floor/enterprises/", staff),
            ("/api/v1/enterprises/", "/api/v1/enterprises/", "/bench-floor/api/enterprises/", staff),
            ("/api/v1/visits/ (a cadre)", f"/api/v1/visits/?cadre={cadre.pk}",
             f"/bench-floor/api/visits/?cadre={cadre.pk}", own),
            ("appeal detail page", f"/appeals/{appeal}/", f"/bench-floor/appeals/{appeal}/", staff),
        ]
        print(f"{args.connections} connections, {args.seconds} s each, gunicorn with {args.workers} workers"
              + (f", median of {args.rounds} alternate runs" if args.rounds > 1 else ""))
        print(f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7} {'floor r/s':>10} "
              f"{'share':>6} {'floor p95':>9} {'floor KB':>8} {'non-2xx':>8}")
        for label, url, floor_url, cookie in cases:
            if args.only not in label:
                continue
            reals, floors = [], []
            for _round in range(args.rounds):
                reals.append(_wrk(BASE + url, cookie, args.seconds, args.connections))
                floors.append(_wrk(BASE + floor_url, cookie, args.seconds, args.connections))
            real, floor = _median(reals), _median(floors)
            share = real["rps"] / floor["rps"] if floor["rps"] else float("nan")
            print(f"{label:<30} {real['rps']:>8.1f} {real['p50']:>8.0f} {real['p95']:>8.0f} "
                  f"{real['bytes'] / 1024:>7.1f} {floor['rps']:>10.1f} {share:>6.0%} {floor['p95']:>9.0f} "
                  f"{floor['bytes'] / 1024:>8.1f} {real['errors'] + floor['errors']:>8}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

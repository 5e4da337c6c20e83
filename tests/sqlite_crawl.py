"""Every page of the demo district on the embedded default (SQLite), as every role: run by
tests/test_sqlite_pages.py in a subprocess whose DATABASE_URL names an empty SQLite file.

Builds the demo district as README's first command does (`migrate`, `seed_demo`), then, signed in as
each demo login, follows every link and htmx GET of every page it reaches from the home page (each URL
name at most a few times, with different arguments or filters), and prints one JSON object: the pages
visited per role, the URL names reached, and every answer 500 (or an exception) with its path.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from collections import Counter, deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PER_NAME = 3  # distinct paths (with their query) per URL name and role
MAX_PAGES = 700  # per role
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/static/", "/media/", "/admin/logout", "/admin/jsi18n")
ROLES = {
    "anonymous": None,
    "cadre": "cadre",
    "unit handler": "handler",
    "service group": "g01",
    "task force": "taskforce",
    "leader": "leader",
    "admin": "admin",
}
LINK = re.compile(r"""(?:href|hx-get|data-url)=["'](/[^"'#]*)["']""")
NO_START = {"logout", "set_language", "healthz"}


def _links(body: str) -> list[str]:
    return [unescape(urldefrag(link)[0]) for link in LINK.findall(body)]


def _starting_points() -> list[str]:
    """The home page, then every page and endpoint that takes no argument (a page no link reaches is
    still a page someone types or bookmarks)."""
    from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

    def names(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    paths = ["/"]
    for name in dict.fromkeys(names(get_resolver().url_patterns)):
        if name.startswith("admin:") or name in NO_START:
            continue
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue
    return paths


def crawl(client) -> tuple[list[str], list[dict], Counter]:
    from django.urls import Resolver404, resolve

    seen_paths: set[str] = set()
    per_name: Counter = Counter()
    visited: list[str] = []
    failures: list[dict] = []
    queue = deque(_starting_points())
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if path in seen_paths or path.startswith(SKIP_PREFIXES):
            continue
        seen_paths.add(path)
        try:
            match = resolve(urlsplit(path).path)
        except Resolver404:
            continue
        name = f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)
        if per_name[name] >= (1 if name.startswith("admin:") else PER_NAME):
            continue
        per_name[name] += 1
        visited.append(path)
        try:
            response = client.get(path)
        except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the crawl
            failures.append({"path": path, "name": name, "error": repr(error),
                             "where": traceback.format_exc(limit=-3)})
            continue
        if response.status_code >= 500:
            failures.append({"path": path, "name": name, "status": response.status_code})
            continue
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/html") and not response.streaming:
            queue.extend(link for link in _links(response.content.decode("utf-8", "replace"))
                         if link not in seen_paths)
        elif response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
    return visited, failures, per_name


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import UserSecurity
    from liaison.models import User

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)
    # The demo's shared password must be changed at first sign-in; the crawl signs in directly.
    UserSecurity.objects.update(must_change_password=False)

    report = {"roles": {}, "failures": [], "names": {}}
    for role, username in ROLES.items():
        client = Client(raise_request_exception=True)
        if username is not None:
            client.force_login(User.objects.get(username=username))
        visited, failures, per_name = crawl(client)
        report["roles"][role] = len(visited)
        report["names"][role] = sorted(per_name)
        report["failures"] += [{"role": role, **failure} for failure in failures]
    sys.stdout.write("\nCRAWL " + json.dumps(report, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

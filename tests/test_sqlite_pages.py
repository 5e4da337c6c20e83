"""Every page works on the embedded default (SQLite, no Redis) as on PostgreSQL, for every role.

The rest of the suite runs on PostgreSQL; these two tests run in a subprocess on a fresh SQLite file,
as README's first command does: the demo district crawled as each demo login (tests/sqlite_crawl.py),
and the permission matrix (every role × every URL name × own / another's object) on SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _sqlite_env(path: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PLAYWRIGHT_BROWSERS_PATH")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    # No REDIS_URL: the demo's local-memory cache and in-process jobs.
    return {**env, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "true", "ALLOWED_HOSTS": "testserver,localhost",
            "DISTRICT_NAME": "西岗区"}


def test_every_page_of_the_demo_district_answers_on_sqlite_for_every_role(tmp_path):
    # given the demo district built on an empty SQLite file, as `bash scripts/demo.sh` builds it
    # when every demo login follows every link from the home page and opens every page without argument
    result = subprocess.run(
        [sys.executable, "tests/sqlite_crawl.py"], cwd=ROOT, env=_sqlite_env(tmp_path / "demo.sqlite3"),
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.split("\nCRAWL ", 1)[1])
    # then no page answers 500 or raises
    assert report["failures"] == [], json.dumps(report["failures"], ensure_ascii=False, indent=1)[:5000]
    # and the crawl did reach the pages of each role's daily work
    names = {role: set(found) for role, found in report["names"].items()}
    assert {"home", "appeal-list", "appeal-detail", "enterprise-detail", "my-month"} <= names["cadre"]
    assert {"appeal-list", "appeal-detail", "dispatch-week", "bulletin-detail", "dashboard", "policy-handbook",
            "policy-detail", "meeting-detail", "evaluation-year", "job-list"} <= names["task force"]
    assert {"dashboard", "bulletin-detail"} <= names["leader"]
    assert {"admin:index", "audit-list"} <= names["admin"]
    assert all(count >= 90 for count in report["roles"].values()), report["roles"]


def test_the_permission_matrix_holds_on_sqlite(tmp_path):
    # when the permission matrix (every role × every URL name, own and another's object) runs on SQLite
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_permission_matrix.py", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly"],
        cwd=ROOT, env=_sqlite_env(tmp_path / "matrix.sqlite3"), capture_output=True, text=True, timeout=900,
    )
    # then every answer is the one its table gives, none a 500
    assert result.returncode == 0, result.stdout[-5000:]
    assert " passed" in result.stdout and "failed" not in result.stdout

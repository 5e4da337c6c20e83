"""Province-scale benchmark: the project's time beside its floor, in the same run.

Build the data first (once; each build is resumable):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_city .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py seed_demo --scale city        # or --scale province
Then:
    DATABASE_URL=... .venv/bin/python -m bench [--repeat 3] [--only dispatch,bulletin,publish,evaluation]

Prints one table: each measurement's time, its floor's time, the ratio, queries and Python peak memory.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")


def main(argv: list[str] | None = None) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from appeals.models import Appeal
    from bench import jobs
    from liaison.models import Assignment, Unit, Visit
    from liaison.selectors import previous_month

    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="dispatch,bulletin,publish,evaluation,eligible")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    month = previous_month(today)
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}): {Unit.objects.count():,} units, "
          f"{Assignment.objects.active().count():,} active pairings, {Visit.objects.count():,} visits, "
          f"{Appeal.objects.count():,} appeals; today {today}")
    rows = []
    if "dispatch" in only:
        rows.append(jobs.dispatch(monday, args.repeat))
    if "bulletin" in only:
        rows.append(jobs.bulletin(month, args.repeat))
    if "publish" in only:
        rows.append(jobs.bulletin_publish(month, args.repeat))
    if "evaluation" in only:
        rows.extend(jobs.evaluation(today.year - 1 if today.month == 1 else today.year, args.repeat))
    if "eligible" in only:
        rows.extend(jobs.eligible(args.repeat))
    print()
    print(f"{'measurement':<48} {'time s':>9} {'floor s':>9} {'ratio':>7} {'queries':>8} {'peak MB':>8}")
    for project, floor in rows:
        ratio = project.seconds / floor.seconds if floor.seconds else float("nan")
        print(f"{project.name:<48} {project.seconds:>9.3f} {floor.seconds:>9.3f} {ratio:>7.1f} "
              f"{project.queries:>8} {project.peak_mb:>8.1f}")
        print(f"{floor.name:<48} {floor.seconds:>9.3f} {'':>9} {'':>7} {floor.queries:>8} {floor.peak_mb:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

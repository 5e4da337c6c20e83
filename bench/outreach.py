"""Policy push on a city or province: the push job for one policy (every paired above-scale enterprise newly
eligible) beside a hand-written floor that writes the same rows (pushes, one notification per cadre, a notice
per enterprise) in one statement; then the funnel page's reads of that policy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy of liaison_city> DEBUG=true \\
        .venv/bin/python -m bench.outreach [--repeat 3]

Each run creates the policy inside a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

FLOOR = """
WITH pushed AS (
    INSERT INTO outreach_policypush (policy_id, pushed_at, notification_key, told_via, enterprise_id, cadre_id,
                                     unit_id)
    SELECT %(policy)s, now(), 'floor', '', a.enterprise_id, a.cadre_id, c.unit_id
    FROM liaison_assignment a
    JOIN enterprises_enterprise e ON e.id = a.enterprise_id
    JOIN liaison_cadre c ON c.id = a.cadre_id
    WHERE a.ended_on IS NULL AND e.status = 'operating' AND e.above_scale
    ON CONFLICT DO NOTHING
    RETURNING id, cadre_id, enterprise_id
), notices AS (
    INSERT INTO portal_enterprisenotice (enterprise_id, kind, key, title, body, url, created_at)
    SELECT p.enterprise_id, 'policy-push', 'policy-push:' || p.id, %(title)s, '', '/e/policies/', now() FROM pushed p
    ON CONFLICT DO NOTHING
    RETURNING 1
)
INSERT INTO liaison_notification (user_id, kind, title, body, url, dedupe_key, created_at)
SELECT c.user_id, 'policy.push', %(title)s, string_agg(e.name || '：' || %(title)s, E'\\n'), '/outreach/mine/',
       'floor', now()
FROM pushed p JOIN liaison_cadre c ON c.id = p.cadre_id JOIN enterprises_enterprise e ON e.id = p.enterprise_id
JOIN liaison_user u ON u.id = c.user_id AND u.is_active
WHERE (SELECT count(*) FROM notices) >= 0
GROUP BY c.user_id
ON CONFLICT DO NOTHING
RETURNING 1
"""


def main(argv: list[str] | None = None) -> int:
    import django

    django.setup()
    from django.db import connection

    from bench.jobs import measure, sql
    from liaison.models import Assignment
    from outreach import selectors, services
    from outreach.models import PolicyPush
    from policies.models import Policy, PolicyCategory, PolicyStatus, RuleGroup

    parser = argparse.ArgumentParser(prog="python -m bench.outreach")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    title = "规上企业稳增长奖励（基准测试）"

    def new_policy() -> Policy:
        policy = Policy.objects.create(title=title, category=PolicyCategory.objects.order_by("pk").first(),
                                       status=PolicyStatus.PUBLISHED)
        RuleGroup.objects.create(policy=policy, above_scale=True)
        return policy

    def project():
        policy = new_policy()
        pushed = services.policy_push(policy_id=policy.pk)
        services.pushes_notify()
        return [pushed]

    def floor():
        policy = new_policy()
        sql(FLOOR, {"policy": policy.pk, "title": title})
        return [PolicyPush.objects.filter(policy=policy).count()]

    def funnel():
        policy = new_policy()
        services.policy_push(policy_id=policy.pk)
        return policy

    print(f"database {connection.settings_dict['NAME']}: {Assignment.objects.active().count():,} active pairings, "
          f"{PolicyPush.objects.count():,} pushes before")
    rows = [(measure("policy push: one policy, every paired above-scale", project, repeat=args.repeat, rollback=True),
             measure("  floor: one INSERT … SELECT of the three tables", floor, repeat=args.repeat, rollback=True))]
    # The funnel's reads of a freshly pushed policy (push not timed: made once, rolled back at the end).
    from django.db import transaction

    class _Done(Exception):
        pass

    try:
        with transaction.atomic():
            policy = funnel()
            pushed = PolicyPush.objects.filter(policy=policy).count()
            rows.append((
                measure(f"policy funnel page's reads ({pushed:,} pushes)",
                        lambda: [selectors.policy_funnel(policy=policy)], repeat=args.repeat),
                measure("  floor: one GROUP BY of the policy's pushes", lambda: sql(
                    "SELECT unit_id, count(*), count(read_at), count(told_at), count(applied_at) "
                    "FROM outreach_policypush WHERE policy_id = %(policy)s GROUP BY unit_id", {"policy": policy.pk}),
                    repeat=args.repeat),
            ))
            raise _Done
    except _Done:
        pass
    print()
    print(f"{'measurement':<56} {'time s':>9} {'floor s':>9} {'ratio':>7} {'queries':>8} {'peak MB':>8}")
    for project_m, floor_m in rows:
        ratio = project_m.seconds / floor_m.seconds if floor_m.seconds else float("nan")
        print(f"{project_m.name:<56} {project_m.seconds:>9.3f} {floor_m.seconds:>9.3f} {ratio:>7.1f} "
              f"{project_m.queries:>8} {project_m.peak_mb:>8.1f}")
        print(f"{floor_m.name:<56} {floor_m.seconds:>9.3f} {'':>9} {'':>7} {floor_m.queries:>8} "
              f"{floor_m.peak_mb:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

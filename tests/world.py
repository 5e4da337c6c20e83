"""A small portal with one object of each kind per side, for the API fuzz and the permission matrix.

Two units, each with a cadre (with a login) paired with an enterprise that has a visit and an appeal:
side "own" belongs to the cadre `cadre` and the unit handler `handler`; side "other" to neither. A
service group with its handler, task-force staff, a leader and an administrator complete the roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from liaison.models import Notification, Role, User
from tests import factories


@dataclass
class World:
    users: dict[str, User]
    own: dict[str, object] = field(default_factory=dict)
    other: dict[str, object] = field(default_factory=dict)
    shared: dict[str, object] = field(default_factory=dict)


def _side(unit_name: str) -> dict[str, object]:
    unit = factories.make_unit(name=unit_name)
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit), started_on=date(2024, 1, 1))
    visit = factories.make_visit(assignment=pairing, date=date(2024, 3, 5))
    appeal = factories.make_appeal(pairing=pairing)
    return {
        "unit": unit,
        "cadre": pairing.cadre,
        "enterprise": pairing.enterprise,
        "assignment": pairing,
        "visit": visit,
        "appeal": appeal,
    }


def _analysis_report():
    """A published analysis report of 2026 (its figures are not what the permission checks look at)."""
    from django.utils import timezone

    from analysis.models import AnalysisReport, ReportStatus

    return AnalysisReport.objects.create(
        period_kind="year", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), title="2026年度总结分析报告",
        status=ReportStatus.PUBLISHED, version=1, published_at=timezone.now(), computed_at=timezone.now(),
        next_steps="持续推进。",
    )


def build_world() -> World:
    """Every role, two sides of the roster, and one row of each other kind the API lists."""
    from django.utils import timezone

    from jobs.models import JobRun
    from matching import services as matching_services
    from meetings.models import Meeting
    from outreach.models import PolicyPush
    from policies.models import Delivery, Policy, PolicyCategory, PolicyStatus
    from reports import bulletins
    from reports.models import Dispatch

    own, other = _side("本单位"), _side("他单位")
    group = factories.make_service_group(name="服务组甲")
    users = {
        "cadre": own["cadre"].user,
        "other_cadre": other["cadre"].user,
        "unit_handler": factories.make_unit_handler(own["unit"], username="w-handler"),
        "group_handler": factories.make_unit_handler(group, username="w-group"),
        "taskforce": factories.make_user(role=Role.TASKFORCE, username="w-taskforce"),
        "leader": factories.make_user(role=Role.LEADER, username="w-leader"),
        "admin": factories.make_user(
            role=Role.ADMIN, username="w-admin", is_staff=True, is_superuser=True
        ),
    }
    # A free cadre and an unpaired enterprise, so that a matching proposal has a pair to show.
    factories.make_cadre(unit=own["unit"])
    factories.make_enterprise()
    category = PolicyCategory.objects.order_by("pk").first()
    policy = Policy.objects.create(
        title="稳岗补贴", category=category, status=PolicyStatus.PUBLISHED, no_application=True
    )
    for side in (own, other):
        side["delivery"] = Delivery.objects.create(
            policy=policy, enterprise=side["enterprise"], cadre=side["cadre"]
        )
        side["push"] = PolicyPush.objects.create(
            policy=policy, enterprise=side["enterprise"], cadre=side["cadre"], unit=side["unit"],
            pushed_at=timezone.now(),
        )
        side["notification"] = Notification.objects.create(
            user=side["cadre"].user, kind="test", title="提醒", dedupe_key=f"world-{side['cadre'].pk}"
        )
        side["dispatch"] = Dispatch.objects.create(
            unit=side["unit"], week_start=date(2026, 6, 1), data={"pairings": 1, "overdue_appeals": []}
        )
    bulletin, _created = bulletins.bulletin_publish(month=date(2026, 6, 1), acting_user=users["taskforce"])
    from analysis.models import Cluster, ClusterRun

    cluster_run = ClusterRun.objects.create(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    shared = {
        "group": group,
        "policy": policy,
        "meeting": Meeting.objects.create(kind="solicitation", title="征求意见会", date=date(2026, 5, 10)),
        "proposal": matching_services.proposal_create(acting_user=users["taskforce"]),
        "bulletin": bulletin,
        "cluster": Cluster.objects.create(run=cluster_run, number=1, keywords=["融资", "贷款"], size=1, enterprises=1),
        "analysis_report": _analysis_report(),
        "job_run": JobRun.objects.create(
            job="monthly_bulletin", period=date(2026, 6, 1), requested_by=users["taskforce"]
        ),
    }
    return World(users=users, own=own, other=other, shared=shared)

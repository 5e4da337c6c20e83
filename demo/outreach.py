"""The demo district's policy push: every policy in force pushed to the paired enterprises it admits (the
job, as after publication), then the pushes taken along the funnel over the past weeks so that each stage
holds some: most read by their cadre, many told, some applied; some left untold past the allowed working
days (they show on the weekly dispatch), and the `cadre` login keeps one to tell."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from demo.district import Reporter
from liaison.models import User
from outreach import services
from outreach.models import PolicyPush, ToldVia


def demo_outreach_build(*, seed: int, reporter: Reporter | None = None) -> Counter:
    """Push what is newly eligible and, for pushes made now, spread their stages over the past 30 days."""
    reporter = reporter or Reporter()
    made: Counter = Counter()
    reporter.stage("  policy push")
    with translation.override(settings.LANGUAGE_CODE):
        result = services.policy_push_run(day=timezone.localdate())
    now = timezone.now()
    if PolicyPush.objects.filter(read_at__isnull=False).exists():
        return made  # spread over the funnel by an earlier build: left as it is
    # Made by this build (by the job the policies' publication started, or just now) and not moved yet.
    fresh = list(
        PolicyPush.objects.filter(pushed_at__gte=now - timedelta(days=1), read_at__isnull=True, told_at__isnull=True)
        .select_related("policy", "cadre")
        # In an order of their own (not by id: one INSERT … SELECT numbers them in whatever order its plan
        # reads), so that the same seed spreads the same pushes the same way.
        .order_by("policy__title", "enterprise__credit_code")
    )
    if not fresh:
        return made
    made["policy pushes"] += len(fresh)
    made["push notifications"] += result["notifications"]
    rng = random.Random(seed * 7919 + 15)
    user_ids = {p.cadre.user_id for p in fresh if p.cadre and p.cadre.user_id}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    kept_for_cadre = False
    for push in fresh:
        push.pushed_at = now - timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
        login = users.get(push.cadre.user_id) if push.cadre else None
        if login is not None and login.username == "cadre" and not kept_for_cadre:
            kept_for_cadre = True  # the demo's cadre has something to tell
            continue
        if rng.random() < 0.8:
            push.read_at = min(push.pushed_at + timedelta(days=rng.randint(0, 3), hours=2), now)
            if rng.random() < 0.7:
                push.told_at = min(push.read_at + timedelta(days=rng.randint(1, 8), hours=1), now)
                push.told_via = ToldVia.VISIT if rng.random() < 0.4 else ToldVia.BUTTON
                push.told_by = login
                if not push.policy.no_application and rng.random() < 0.45:
                    push.applied_at = min(push.told_at + timedelta(days=rng.randint(1, 10)), now)
                    push.applied_by = login
    with transaction.atomic():
        PolicyPush.objects.bulk_update(
            fresh, ["pushed_at", "read_at", "told_at", "told_via", "told_by", "applied_at", "applied_by"],
            batch_size=1000,
        )
    stages = Counter(
        "applied" if p.applied_at else "told" if p.told_at else "read" if p.read_at else "pushed" for p in fresh
    )
    for stage, n in stages.items():
        made[f"pushes {stage}"] += n
    return made


def demo_outreach_delete(*, enterprise_ids: list[int], cadre_ids: list[int], reporter: Reporter | None = None
                         ) -> Counter:
    """The pushes of the demo's enterprises or cadres (they hold on to policies, enterprises and cadres)."""
    from django.db.models import Q

    from demo.policies import TITLES

    deleted: Counter = Counter()
    pushes = PolicyPush.objects.filter(
        Q(enterprise_id__in=enterprise_ids) | Q(cadre_id__in=cadre_ids) | Q(policy__title__in=TITLES)
    )
    count, _by_model = pushes.delete()
    deleted["policy pushes"] = count
    return deleted

"""Policy push: find the enterprises newly eligible for a measure, tell their cadres, record the funnel.

`policy_push` works set-based for one policy: one INSERT … SELECT writes a push for every operating,
paired enterprise the rules admit and that was never pushed this policy (the unique constraint on
policy and enterprise makes a second run, or a run at the same moment, add nothing). `pushes_notify`
then tells each cadre once about everything new for them, across the policies of the run, in one
notification. Each step is its own transaction: a worker killed between them leaves pushes without a
notification key, which the next run notifies.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.models import Assignment, Cadre, User, Visit
from liaison.notifications import Message, notify_many
from outreach.models import PolicyPush, PushRequest, ToldVia
from policies import eligibility
from policies.models import Policy, PolicyStatus

log = logging.getLogger(__name__)

JOB = "policy_push"
# Enterprises named in one notification's text; the rest are counted.
NOTIFY_LIST_MAX = 10


# --- Asking for a push ----------------------------------------------------------------------------


def push_request(*, policy_id: int) -> None:
    """A policy's publication or rules changed: remember it in this transaction (a change rolled back asks
    for nothing); the receiver starts the job once committed."""
    now = timezone.now()
    if not PushRequest.objects.filter(policy_id=policy_id).update(requested_at=now):
        PushRequest.objects.bulk_create([PushRequest(policy_id=policy_id, requested_at=now)], ignore_conflicts=True)


def push_start_if_requested() -> None:
    """After the commit: start the job if a request is still there (an earlier run may have taken it)."""
    if PushRequest.objects.exists():
        push_start()


def push_start(*, acting_user: User | None = None):
    """Start the push job (or find the run under way); a queue that is down leaves the request for the
    next run or a start from /jobs/."""
    from jobs.services import QueueUnavailable, job_start

    try:
        run, _created = job_start(job_key=JOB, period=None, acting_user=acting_user)
    except QueueUnavailable:
        log.warning("policy push not started: the task queue is unavailable")
        return None
    except Exception:
        if acting_user is not None:
            raise
        log.exception("could not start the policy push job")
        return None
    return run


# --- Pushing ---------------------------------------------------------------------------------------


def in_force(policy: Policy, *, day: date | None = None) -> bool:
    day = day or timezone.localdate()
    return policy.status == PolicyStatus.PUBLISHED and not (policy.effective_to and policy.effective_to < day)


def newly_eligible_pairings(policy: Policy):
    """The active pairings of the enterprises the policy admits that were never pushed it (one query)."""
    eligible = eligibility.eligible_enterprises(policy).values("pk")
    return (
        Assignment.objects.active()
        .filter(enterprise_id__in=eligible)
        .exclude(Exists(PolicyPush.objects.filter(policy_id=policy.pk, enterprise_id=OuterRef("enterprise_id"))))
        .order_by()
    )


def _insert_pushes(policy: Policy, now: datetime) -> int:
    """One INSERT … SELECT of the newly eligible pairings; the constraint drops any pushed meanwhile."""
    source = newly_eligible_pairings(policy).values(e=F("enterprise_id"), c=F("cadre_id"), u=F("cadre__unit_id"))
    sql, params = source.query.sql_with_params()
    table = connection.ops.quote_name(PolicyPush._meta.db_table)
    pushed_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (policy_id, pushed_at, notification_key, told_via, enterprise_id, cadre_id, unit_id) "
            f"SELECT %s, %s, '', '', s.e, s.c, s.u FROM ({sql}) s WHERE 1 = 1 "
            "ON CONFLICT (policy_id, enterprise_id) DO NOTHING",
            [policy.pk, pushed_at, *params],
        )
        return max(cursor.rowcount, 0)


def policy_push(*, policy_id: int, now: datetime | None = None) -> int:
    """Push one policy to its newly eligible, paired enterprises; returns how many were pushed.

    A policy out of force, or with no rules, pushes nothing; its request is removed all the same."""
    now = now or timezone.now()
    with transaction.atomic():
        # One push of a policy at a time: a second run waits here and then finds nothing new.
        policy = eligibility.with_rules(Policy.objects.select_for_update(of=("self",)).filter(pk=policy_id)).first()
        PushRequest.objects.filter(policy_id=policy_id).delete()
        if policy is None or not in_force(policy) or not policy.rule_groups.all():
            return 0
        return _insert_pushes(policy, now)


def _notification_text(lines: list[tuple[str, str]]) -> tuple[str, str]:
    """Title and body of one cadre's notification: (enterprise, policy) pairs, the first few named."""
    if len(lines) == 1:
        enterprise, policy = lines[0]
        title = _("Tell %(enterprise)s about “%(policy)s”") % {"enterprise": enterprise, "policy": policy}
    else:
        title = ngettext("%(n)d policy newly open to your enterprise", "%(n)d policies newly open to your enterprises",
                         len(lines)) % {"n": len(lines)}
    body = "\n".join(f"{enterprise}：{policy}" for enterprise, policy in lines[:NOTIFY_LIST_MAX])
    if len(lines) > NOTIFY_LIST_MAX:
        body += "\n" + _("and %(n)d more") % {"n": len(lines) - NOTIFY_LIST_MAX}
    body += "\n" + _("They are eligible now: tell them, then mark each told on your list of policies to tell.")
    return title, body


def pushes_notify() -> int:
    """Tell each cadre, in one notification, about every push not yet notified (all policies at once).

    The key is the batch's first push id: a run killed after the notifications but before the keys
    were written (they are one transaction, so never) or run twice sends nothing twice."""
    with transaction.atomic():
        rows = list(
            PolicyPush.objects.select_for_update(of=("self",)).filter(notification_key="")
            .values_list("pk", "cadre_id", "enterprise_id", "enterprise__name", "policy__title", named=True)
            .order_by("pk")
        )
        if not rows:
            return 0
        key = f"policy-push-{rows[0].pk}"
        by_cadre: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for row in rows:
            if row.cadre_id is not None:
                by_cadre[row.cadre_id].append((row.enterprise__name, row.policy__title))
        users = {
            c.pk: c for c in Cadre.objects.filter(pk__in=list(by_cadre), user__isnull=False, user__is_active=True)
            .values_list("pk", "user_id", "user__email", named=True)
        }
        url = reverse("outreach-mine")
        messages = []
        for cadre_id, lines in by_cadre.items():
            user = users.get(cadre_id)
            if user is None:
                continue
            title, body = _notification_text(lines)
            messages.append(Message(user_id=user.user_id, email=user.user__email or "", kind="policy.push",
                                    title=title, body=body, url=url, key=key))
        sent = notify_many(messages)
        push_ids = [row.pk for row in rows]
        _enterprise_notices(push_ids)
        _set_notification_key(push_ids, key)
        return sent


def _id_chunks(ids: list[int]):
    """`id …` conditions over many ids: one array parameter on PostgreSQL (planned at once, not thousands of
    parameters), lists of at most a thousand elsewhere."""
    if connection.vendor == "postgresql":
        yield "= ANY(%s)", [ids]
        return
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        yield f"IN ({', '.join(['%s'] * len(chunk))})", chunk


def _enterprise_notices(push_ids: list[int]) -> None:
    """A notice on each pushed enterprise's own page (/e/), once per push (portal's key), in one statement."""
    from portal.models import EnterpriseNotice

    marker = "\x00"
    before, _sep, after = (_("A policy you are eligible for: %(policy)s") % {"policy": marker}).partition(marker)
    body = _("Your cadre will tell you how to benefit; the details are on your policies page.")
    quote = connection.ops.quote_name
    notices, pushes = quote(EnterpriseNotice._meta.db_table), quote(PolicyPush._meta.db_table)
    policies = quote(Policy._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for where, params in _id_chunks(push_ids):
            cursor.execute(
                f"INSERT INTO {notices} (enterprise_id, kind, {quote('key')}, title, body, url, created_at) "
                "SELECT p.enterprise_id, 'policy-push', 'policy-push:' || p.id, SUBSTR(%s || pol.title || %s, 1, 200), "
                f"%s, %s, %s FROM {pushes} p JOIN {policies} pol ON pol.id = p.policy_id WHERE p.id {where} "
                "ON CONFLICT DO NOTHING",
                [before, after, body, reverse("portal-policies"), now, *params],
            )


def _set_notification_key(push_ids: list[int], key: str) -> None:
    table = connection.ops.quote_name(PolicyPush._meta.db_table)
    with connection.cursor() as cursor:
        for where, params in _id_chunks(push_ids):
            cursor.execute(f"UPDATE {table} SET notification_key = %s WHERE id {where}", [key, *params])


def policy_push_run(*, day: date, progress: Callable[..., None] | None = None) -> dict:
    """The job: push every policy asked for (published, or rules changed), then notify the cadres.

    Nothing asked for (a start from /jobs/): every policy in force is looked at again, which also
    reaches enterprises whose own data made them eligible since."""
    requested = list(PushRequest.objects.order_by("requested_at").values_list("policy_id", flat=True))
    policy_ids = requested or list(
        Policy.objects.filter(status=PolicyStatus.PUBLISHED).exclude(effective_to__lt=day)
        .order_by("pk").values_list("pk", flat=True)
    )
    result = {"day": day.isoformat(), "policies": len(policy_ids), "pushed": 0, "notifications": 0}
    if progress:
        progress(0, len(policy_ids) + 1, "")
    for done, policy_id in enumerate(policy_ids, start=1):
        result["pushed"] += policy_push(policy_id=policy_id)
        if progress:
            progress(done, len(policy_ids) + 1, str(policy_id))
    result["notifications"] = pushes_notify()
    if progress:
        progress(len(policy_ids) + 1, len(policy_ids) + 1, "")
    log.info("policy push %s: %s", day, result)
    return result


# --- The funnel's later steps ------------------------------------------------------------------------


def can_update_push(user: User, push: PolicyPush) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_taskforce:
        return True
    cadre = getattr(user, "cadre", None)
    return cadre is not None and push.cadre_id == cadre.pk


def pushes_mark_read(*, cadre: Cadre, policy_id: int | None = None) -> int:
    """The cadre opened their list of policies to tell (where the notification leads): read now."""
    qs = PolicyPush.objects.filter(cadre=cadre, read_at__isnull=True)
    if policy_id is not None:
        qs = qs.filter(policy_id=policy_id)
    return qs.update(read_at=_not_before_push(timezone.now()))


def _not_before_push(now: datetime):
    """`now` for a push's later step, never before the push itself: the push may have been stamped by
    another node (a worker) whose clock runs a little ahead, and the table holds read and told to be no
    earlier than pushed."""
    return Greatest(F("pushed_at"), Value(now))


@transaction.atomic
def push_mark_told(*, push_id: int, acting_user: User, via: str = ToldVia.BUTTON) -> PolicyPush:
    """The cadre told the enterprise (已告知): once; a second mark changes nothing."""
    push = PolicyPush.objects.select_for_update().get(pk=push_id)
    if not can_update_push(acting_user, push):
        raise PermissionDenied(_("Only the enterprise's cadre or task-force staff can mark this push."))
    if via not in ToldVia.values:
        raise ValidationError(_("Unknown way of telling."))
    if push.told_at is not None:
        return push
    now = max(timezone.now(), push.pushed_at)  # never before the push (see _not_before_push)
    push.read_at = push.read_at or now
    push.told_at, push.told_via, push.told_by = now, via, acting_user
    push.save(update_fields=["read_at", "told_at", "told_via", "told_by"])
    return push


@transaction.atomic
def push_mark_applied(*, push_id: int, acting_user: User) -> PolicyPush:
    """The enterprise applied for the measure (已申报); a no-application measure is done by its delivery."""
    push = PolicyPush.objects.select_for_update().select_related("policy").get(pk=push_id)
    if not can_update_push(acting_user, push):
        raise PermissionDenied(_("Only the enterprise's cadre or task-force staff can mark this push."))
    if push.policy.no_application:
        raise ValidationError(_("No application is needed for this policy: record its delivery instead."))
    if push.applied_at is not None:
        return push
    now = max(timezone.now(), push.pushed_at)  # never before the push (see _not_before_push)
    if push.told_at is None:  # applying means the enterprise was told
        push.told_at, push.told_via, push.told_by = now, ToldVia.BUTTON, acting_user
    push.read_at = push.read_at or now
    push.applied_at, push.applied_by = now, acting_user
    push.save(update_fields=["read_at", "told_at", "told_via", "told_by", "applied_at", "applied_by"])
    return push


def pushes_mark_told_by_visit(*, visit: Visit, acting_user: User) -> int:
    """Policies explained on a visit are told to that enterprise."""
    policy_ids = list(visit.policies_explained.values_list("pk", flat=True))
    if not policy_ids:
        return 0
    now = _not_before_push(timezone.now())
    qs = PolicyPush.objects.filter(enterprise_id=visit.enterprise_id, policy_id__in=policy_ids, told_at__isnull=True)
    return qs.update(told_at=now, told_via=ToldVia.VISIT, told_by=acting_user, read_at=Coalesce(F("read_at"), now))


def pushes_mark_told_by_enterprise(*, enterprise_id: int, policy_ids: list[int] | None = None) -> int:
    """The enterprise's contact opened its pushed policies on its own page (/e/): told."""
    qs = PolicyPush.objects.filter(enterprise_id=enterprise_id, told_at__isnull=True)
    if policy_ids is not None:
        qs = qs.filter(policy_id__in=policy_ids)
    return qs.update(told_at=_not_before_push(timezone.now()), told_via=ToldVia.PORTAL)

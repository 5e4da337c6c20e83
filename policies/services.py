"""Every write to the policy catalogue, its rules, QR scan counts and deliveries."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from liaison.models import Assignment, User, Visit
from liaison.selectors import today
from policies import eligibility
from policies.models import (
    Delivery,
    DeliveryStatus,
    DeliveryTracking,
    HandbookSection,
    Policy,
    PolicyScan,
    PolicyStatus,
    RuleGroup,
)

log = logging.getLogger(__name__)


def can_edit_policies(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce


def _require_editor(user: User) -> None:
    if not can_edit_policies(user):
        raise PermissionDenied(_("Only task-force staff can change the policy catalogue."))


def _save(instance, *, acting_user: User | None, **kwargs) -> None:
    instance._history_user = acting_user
    instance.save(**kwargs)


@transaction.atomic
def policy_save(*, policy: Policy, acting_user: User) -> Policy:
    """Create or update a policy; publishing stamps the time, and a past end date expires it."""
    _require_editor(acting_user)
    policy.title = (policy.title or "").strip()
    if policy.status == PolicyStatus.PUBLISHED and policy.effective_to and policy.effective_to < today():
        policy.status = PolicyStatus.EXPIRED
    if policy.status == PolicyStatus.PUBLISHED and policy.published_at is None:
        policy.published_at = timezone.now()
    policy.full_clean()
    _save(policy, acting_user=acting_user)
    return policy


@transaction.atomic
def rule_group_save(*, group: RuleGroup, acting_user: User, streets=None) -> RuleGroup:
    _require_editor(acting_user)
    group.full_clean()
    _save(group, acting_user=acting_user)
    if streets is not None:
        group.streets.set(streets)
    return group


@transaction.atomic
def rule_group_delete(*, group: RuleGroup, acting_user: User) -> None:
    _require_editor(acting_user)
    group._history_user = acting_user
    group.delete()


@transaction.atomic
def handbook_section_save(*, section: HandbookSection, acting_user: User) -> HandbookSection:
    _require_editor(acting_user)
    section.full_clean()
    _save(section, acting_user=acting_user)
    return section


@transaction.atomic
def policy_expire_due(*, on=None) -> int:
    """Published policies past their end date become expired (a daily job; safe to run twice)."""
    day = on or today()
    expired = 0
    for policy in Policy.objects.select_for_update().filter(status=PolicyStatus.PUBLISHED, effective_to__lt=day):
        policy.status = PolicyStatus.EXPIRED
        policy._change_reason = "expired by date"
        _save(policy, acting_user=None, update_fields=["status", "updated_at"])
        expired += 1
    return expired


# The day's random salt, shared by every web worker through the cache; a visitor's hash means nothing
# once it expires. (The test suite gives each run its own key, see tests/conftest.py.)
SCAN_SALT_KEY = "policies:scan-salt:{day}"
SCAN_SEEN_KEY = "policies:scan-seen:{day}:{digest}"


def _seconds_left_today() -> int:
    now = timezone.localtime()
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    return max(int((midnight - now).total_seconds()), 1)


def _first_scan_today(*, policy_id: int, visitor: str, day) -> bool:
    """True the first time a visitor (their address and browser, never stored) opens this policy today.

    Only a keyed hash is kept, in the cache, until midnight; the database holds the day's count alone.
    Without a working cache every opening counts, as before, rather than failing the page."""
    ttl = _seconds_left_today()
    try:
        salt = cache.get_or_set(SCAN_SALT_KEY.format(day=day), lambda: secrets.token_hex(16), ttl + 3600)
        digest = hmac.new(salt.encode(), f"{policy_id}|{visitor}".encode(), hashlib.sha256).hexdigest()[:32]
        return cache.add(SCAN_SEEN_KEY.format(day=day, digest=digest), 1, ttl)
    except Exception:
        log.warning("scan de-duplication unavailable (cache down?); counting this scan", exc_info=True)
        return True


def policy_scan_record(*, policy: Policy, visitor: str = "") -> bool:
    """Count one opening of a policy's QR code today, once per visitor and day; no personal data is kept.
    `visitor` identifies the reader for today only (address and user agent); returns whether it counted."""
    day = today()
    if not _first_scan_today(policy_id=policy.pk, visitor=visitor, day=day):
        return False
    _scan_count(policy=policy, day=day)
    return True


def _scan_count(*, policy: Policy, day) -> None:
    if PolicyScan.objects.filter(policy=policy, day=day).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            PolicyScan.objects.create(policy=policy, day=day, count=1)
    except IntegrityError:  # another scan created today's row first
        PolicyScan.objects.filter(policy=policy, day=day).update(count=F("count") + 1)


# --- Deliveries (免申即享 / 直达快享) ---------------------------------------------------------


@transaction.atomic
def delivery_generate(*, policy: Policy, acting_user: User) -> dict:
    """Make the beneficiary list of a no-application policy: one delivery per eligible enterprise,
    given to its paired cadre, who is notified. Running it again adds only newly eligible ones."""
    _require_editor(acting_user)
    if not (policy.no_application or policy.direct_delivery):
        raise ValidationError(_("Only no-application or direct-delivery policies have a beneficiary list."))
    if policy.status != PolicyStatus.PUBLISHED or policy.is_expired:
        raise ValidationError(_("Publish the policy (and keep it in force) before generating its beneficiaries."))
    # One generation at a time per policy: the lock makes a concurrent second run wait and add nothing.
    policy = eligibility.with_rules(Policy.objects.select_for_update(of=("self",)).filter(pk=policy.pk)).get()
    if not policy.rule_groups.all():
        raise ValidationError(_("The policy has no eligibility rules, so no enterprise can be found for it."))
    eligible = eligibility.eligible_enterprises(policy).values_list("pk", flat=True)
    existing = set(Delivery.objects.filter(policy=policy).values_list("enterprise_id", flat=True))
    cadres = dict(
        Assignment.objects.active().filter(enterprise_id__in=eligible).values_list("enterprise_id", "cadre_id")
    )
    new = [
        Delivery(policy=policy, enterprise_id=enterprise_id, cadre_id=cadres.get(enterprise_id))
        for enterprise_id in eligible
        if enterprise_id not in existing
    ]
    created = bulk_create_with_history(new, Delivery, default_user=acting_user)
    from policies import tasks

    transaction.on_commit(lambda: tasks.delivery_notify.delay(policy.pk))
    return {"eligible": len(existing) + len(created), "created": len(created), "already": len(existing),
            "without_cadre": sum(1 for d in new if d.cadre_id is None)}


def can_update_delivery(user: User, delivery: Delivery) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_taskforce:
        return True
    cadre = getattr(user, "cadre", None)
    return cadre is not None and delivery.cadre_id == cadre.pk


@transaction.atomic
def delivery_update(*, delivery: Delivery, status: str, acting_user: User, note: str = "") -> Delivery:
    """The cadre reports progress: informed, delivered or declined (with a reason)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if not can_update_delivery(acting_user, delivery):
        raise PermissionDenied(_("Only the enterprise's cadre or task-force staff can update this delivery."))
    if status not in DeliveryStatus.values:
        raise ValidationError(_("Unknown delivery status."))
    if delivery.status in DeliveryTracking.DONE and not acting_user.is_taskforce:
        raise ValidationError(_("This delivery is already finished."))
    note = (note or "").strip()
    if status == DeliveryStatus.DECLINED and not note:
        raise ValidationError(_("Say why the enterprise declined."))
    delivery.status = status
    delivery.note = note[:300]
    _save(delivery, acting_user=acting_user)
    return delivery


def deliveries_mark_informed(*, visit: Visit, acting_user: User) -> int:
    """Policies explained on a visit count toward delivery: pending ones become informed."""
    policy_ids = list(visit.policies_explained.values_list("pk", flat=True))
    if not policy_ids:
        return 0
    updated = 0
    for delivery in Delivery.objects.select_for_update().filter(
        enterprise_id=visit.enterprise_id, policy_id__in=policy_ids, status=DeliveryStatus.PENDING
    ):
        delivery.status = DeliveryStatus.INFORMED
        delivery.visit = visit
        _save(delivery, acting_user=acting_user)
        updated += 1
    return updated


# --- A policy with its rule groups, all or nothing -------------------------------------------


class RuleGroupInvalid(ValidationError):
    """One of the rule groups a policy was saved with is invalid; `index` (0-based) says which."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.index = index


@transaction.atomic
def policy_save_with_rule_groups(*, policy: Policy, rule_groups: list[dict] | None, acting_user: User) -> Policy:
    """Save a policy and, when `rule_groups` is given, make those its groups: an entry with the `id` of
    one of its groups updates it, one without creates a group, and groups not listed are deleted.

    Each entry holds RuleGroup fields, plus `streets` (units) when it sets them. Nothing is saved
    unless everything is: an invalid group raises RuleGroupInvalid naming it, and rolls back the policy.
    """
    policy_save(policy=policy, acting_user=acting_user)
    if rule_groups is None:
        return policy
    existing = {group.pk: group for group in RuleGroup.objects.select_for_update().filter(policy=policy)}
    kept = set()
    for index, entry in enumerate(rule_groups):
        fields = dict(entry)
        group_id = fields.pop("id", None)
        streets = fields.pop("streets", None)
        if group_id is not None and group_id not in existing:
            raise RuleGroupInvalid(index, ValidationError({"id": _("This policy has no such rule group.")}))
        group = existing[group_id] if group_id is not None else RuleGroup(policy=policy)
        for name, value in fields.items():
            setattr(group, name, value)
        try:
            rule_group_save(group=group, acting_user=acting_user, streets=streets)
        except ValidationError as exc:
            raise RuleGroupInvalid(index, exc) from exc
        kept.add(group.pk)
    for pk, group in existing.items():
        if pk not in kept:
            rule_group_delete(group=group, acting_user=acting_user)
    return policy

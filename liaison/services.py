"""Every write to units, cadres, enterprises, pairings and visits goes through here.

Each service validates fully before it writes, runs in one transaction, and records the acting
user on the change history (django-simple-history reads `_history_user`).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, EnterpriseStatus
from liaison import events, permissions
from liaison.imports import ImportReport, ParsedFile, run_import
from liaison.models import Assignment, Cadre, Unit, User, Visit, VisitAttachment
from liaison.selectors import today
from liaison.uploads import store_attachments, validate_attachments


def _save(instance, *, acting_user: User | None, **kwargs) -> None:
    instance._history_user = acting_user
    instance.save(**kwargs)


def _require_roster_manager(user: User) -> None:
    if not permissions.can_manage_roster(user):
        raise PermissionDenied(_("Only task-force staff can change the roster."))


# --- Units, cadres, enterprises ---------------------------------------------------------------


@transaction.atomic
def unit_save(*, unit: Unit, acting_user: User) -> Unit:
    """Create or update a unit."""
    _require_roster_manager(acting_user)
    unit.full_clean()
    _save(unit, acting_user=acting_user)
    return unit


def _clean(instance, extra: dict[str, list]) -> None:
    """full_clean without Django's generic uniqueness messages, plus the service's own, all at once."""
    errors: dict = {}
    try:
        instance.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for name, messages in extra.items():
        errors.setdefault(name, []).extend(ValidationError(message) for message in messages)
    if errors:
        raise ValidationError(errors)


def _save_unique(instance, *, acting_user: User, message: dict[str, str]) -> None:
    """Save; a unique constraint that a concurrent save won first becomes `message`, not a 500."""
    try:
        with transaction.atomic():
            _save(instance, acting_user=acting_user)
    except IntegrityError as exc:
        raise ValidationError(message) from exc


@transaction.atomic
def cadre_save(*, cadre: Cadre, acting_user: User) -> Cadre:
    """Create or update a cadre. Deactivating a cadre does not end their pairing by itself.

    Name and unit identify a cadre in imports and exports: a second cadre of the same name in the same
    unit is refused (two namesakes need a distinguishing name, e.g. 王伟（大）)."""
    _require_roster_manager(acting_user)
    cadre.name = (cadre.name or "").strip()
    extra: dict[str, list] = {}
    namesake = (
        Cadre.objects.filter(name=cadre.name, unit_id=cadre.unit_id).exclude(pk=cadre.pk).first()
        if cadre.name and cadre.unit_id
        else None
    )
    if namesake is not None:
        extra["name"] = [
            _("%(unit)s already has a cadre named %(name)s; add something that tells them apart.")
            % {"unit": namesake.unit.name, "name": cadre.name}
        ]
    if cadre.user_id and Cadre.objects.filter(user_id=cadre.user_id).exclude(pk=cadre.pk).exists():
        extra["user"] = [_("This login already belongs to another cadre.")]
    _clean(cadre, extra)
    _save_unique(cadre, acting_user=acting_user, message={"user": _("This login already belongs to another cadre.")})
    return cadre


@transaction.atomic
def enterprise_save(*, enterprise: Enterprise, acting_user: User) -> Enterprise:
    """Create or update an enterprise; the credit code is normalised and checked (GB 32100), and unique."""
    _require_roster_manager(acting_user)
    enterprise.credit_code = (enterprise.credit_code or "").strip().upper()
    extra: dict[str, list] = {}
    holder = Enterprise.objects.filter(credit_code=enterprise.credit_code).exclude(pk=enterprise.pk).first()
    if holder is not None:
        extra["credit_code"] = [
            _("The credit code %(code)s already belongs to %(name)s.")
            % {"code": enterprise.credit_code, "name": holder.name}
        ]
    _clean(enterprise, extra)
    _save_unique(
        enterprise,
        acting_user=acting_user,
        message={"credit_code": _("Another enterprise with this credit code was saved at the same time.")},
    )
    return enterprise


# --- Pairings ---------------------------------------------------------------------------------


def _end(assignment: Assignment, *, on: date, reason: str, acting_user: User | None) -> None:
    if on < assignment.started_on:
        raise ValidationError(
            _("The pairing of %(pair)s started on %(start)s; it cannot end before that.")
            % {"pair": assignment, "start": assignment.started_on}
        )
    assignment.ended_on = on
    assignment.end_reason = reason[:200]
    _save(assignment, acting_user=acting_user, update_fields=["ended_on", "end_reason"])


@transaction.atomic
def assignment_pair(
    *,
    cadre: Cadre,
    enterprise: Enterprise,
    acting_user: User,
    reason: str = "",
    started_on: date | None = None,
) -> Assignment:
    """Pair a cadre with an enterprise, ending whatever active pairing either has (re-pairing).

    Re-pairing needs a reason; the ended pairings keep their history and visits. The partial
    unique constraints are the last word when two staff re-pair at once.
    """
    _require_roster_manager(acting_user)
    started_on = started_on or today()
    reason = (reason or "").strip()
    if started_on > today():
        raise ValidationError(_("A pairing cannot start in the future."))
    # Lock both rows so that two re-pairings of the same cadre or enterprise run one after the other.
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not cadre.active:
        raise ValidationError(_("%(cadre)s is not active and cannot be paired.") % {"cadre": cadre.name})
    if enterprise.status != EnterpriseStatus.OPERATING:
        raise ValidationError(_("%(name)s is closed and cannot be paired.") % {"name": enterprise.name})
    current = list(
        Assignment.objects.active().filter(cadre=cadre) | Assignment.objects.active().filter(enterprise=enterprise)
    )
    if any(a.cadre_id == cadre.pk and a.enterprise_id == enterprise.pk for a in current):
        raise ValidationError(
            _("%(cadre)s is already paired with %(enterprise)s.") % {"cadre": cadre.name, "enterprise": enterprise.name}
        )
    if current and not reason:
        raise ValidationError(_("Give a reason for re-pairing: the current pairing will be ended."))
    for old in current:
        _end(old, on=started_on, reason=_("Re-paired: %(reason)s") % {"reason": reason}, acting_user=acting_user)
    assignment = Assignment(
        cadre=cadre, enterprise=enterprise, started_on=started_on, reason=reason[:200], created_by=acting_user
    )
    try:
        with transaction.atomic():
            _save(assignment, acting_user=acting_user)
    except IntegrityError as exc:
        raise ValidationError(_("The roster was changed by someone else at the same time; please try again.")) from exc
    return assignment


@transaction.atomic
def assignment_end(
    *, assignment: Assignment, acting_user: User, reason: str, ended_on: date | None = None
) -> Assignment:
    """End an active pairing without a successor (the cadre left, the enterprise closed...)."""
    _require_roster_manager(acting_user)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for ending the pairing."))
    if assignment.ended_on is not None:
        raise ValidationError(_("This pairing has already ended."))
    ended_on = ended_on or today()
    if ended_on > today():
        raise ValidationError(_("A pairing cannot end in the future."))
    _end(assignment, on=ended_on, reason=reason, acting_user=acting_user)
    return assignment


# --- Visits -----------------------------------------------------------------------------------


def _check_visit_date(visit_date: date, assignment: Assignment) -> None:
    if visit_date > today():
        raise ValidationError({"date": _("A visit cannot be dated in the future.")})
    if visit_date < assignment.started_on:
        raise ValidationError(
            {"date": _("Your pairing with this enterprise started on %(start)s.") % {"start": assignment.started_on}}
        )


@transaction.atomic
def visit_create(
    *,
    acting_user: User,
    enterprise: Enterprise,
    date: date,
    method: str,
    summary: str,
    people_met: str = "",
    issues_raised: str = "",
    files=(),
    policies=(),
) -> Visit:
    """Log a visit to the acting cadre's own paired enterprise, with its attachments, all or nothing."""
    assignment = permissions.active_pairing_for(acting_user, enterprise)
    if assignment is None:
        raise PermissionDenied(_("You can only log visits to the enterprise you are paired with."))
    files = list(files or [])
    content_types = validate_attachments(files)
    _check_visit_date(date, assignment)
    visit = Visit(
        cadre_id=assignment.cadre_id,
        enterprise=enterprise,
        assignment=assignment,
        date=date,
        method=method,
        summary=(summary or "").strip(),
        people_met=(people_met or "").strip(),
        issues_raised=(issues_raised or "").strip(),
        created_by=acting_user,
    )
    visit.full_clean()
    _save(visit, acting_user=acting_user)
    store_attachments(VisitAttachment, files=files, content_types=content_types, acting_user=acting_user, visit=visit)
    _record_policies(visit, policies, acting_user)
    return visit


def _record_policies(visit: Visit, policies, acting_user: User) -> None:
    """Policies explained on the visit; pending deliveries of them to this enterprise become informed."""
    if policies is None:
        return
    visit.policies_explained.set(policies)
    events.visit_policies_recorded.send(sender=Visit, visit=visit, acting_user=acting_user)


VISIT_EDITABLE_FIELDS = ("date", "method", "people_met", "summary", "issues_raised")


@transaction.atomic
def visit_update(*, visit: Visit, acting_user: User, files=(), policies=None, **changes) -> Visit:
    """Correct a visit's record; only its own cadre may, and the date rules still hold."""
    if not permissions.can_edit_visit(acting_user, visit):
        raise PermissionDenied(_("Only the cadre who made this visit can change it."))
    visit = Visit.objects.select_for_update().select_related("assignment").get(pk=visit.pk)
    unknown = set(changes) - set(VISIT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field, value in changes.items():
        setattr(visit, field, value.strip() if isinstance(value, str) else value)
    files = list(files or [])
    content_types = validate_attachments(files, existing=visit.attachments.count())
    _check_visit_date(visit.date, visit.assignment)
    visit.full_clean()
    _save(visit, acting_user=acting_user)
    store_attachments(VisitAttachment, files=files, content_types=content_types, acting_user=acting_user, visit=visit)
    _record_policies(visit, policies, acting_user)
    return visit


@transaction.atomic
def visit_withdraw(*, visit_id: int, acting_user: User, reason: str) -> Visit:
    """Withdraw a visit logged by mistake: it stays in the database and its history, with who withdrew it,
    when and why, but no list, figure or monthly contact counts it any more."""
    visit = Visit.all_objects.select_for_update().select_related("cadre").get(pk=visit_id)
    if not permissions.can_withdraw_visit(acting_user, visit):
        raise PermissionDenied(_("Only the visit's own cadre or task-force staff can withdraw it."))
    if visit.is_withdrawn:
        raise ValidationError(_("This visit has already been withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the visit.")})
    visit.withdrawn_at, visit.withdrawn_by, visit.withdrawal_reason = timezone.now(), acting_user, reason[:200]
    fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"]
    _save(visit, acting_user=acting_user, update_fields=fields)
    return visit


# --- Imports ----------------------------------------------------------------------------------


def data_import(*, kind: str, parsed: ParsedFile, acting_user: User, dry_run: bool) -> ImportReport:
    """Import enterprises or cadres from a read file, all or nothing; a dry run only reports.

    Every row is validated like the services above (full_clean) and saved with the acting user on
    its history; one row with an error rolls the whole file back.
    """
    _require_roster_manager(acting_user)
    return run_import(kind=kind, parsed=parsed, acting_user=acting_user, dry_run=dry_run)

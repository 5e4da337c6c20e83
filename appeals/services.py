"""Every change to an appeal: one function per transition.

Each transition takes the acting user, re-reads the appeal under a row lock, refuses a stale
version ("already changed"), checks the move against TRANSITIONS and the actor's right to make
it, writes the appeal, appends one immutable timeline event, and notifies the new handler only
after the transaction commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import permissions as perms
from appeals.models import (
    OPEN_STATUSES,
    SATISFIED_VERDICTS,
    Appeal,
    AppealAttachment,
    AppealCategory,
    AppealEvent,
    EventKind,
    Feedback,
    FeedbackLink,
    ResolutionKind,
    Source,
    Status,
    Tier,
    TierDeadline,
    Urgency,
)
from enterprises.models import Enterprise
from liaison.extensions import StateConflict
from liaison.models import Assignment, Cadre, Unit, UnitKind, User, Visit
from liaison.pickers import may_substitute
from liaison.selectors import today
from liaison.uploads import store_attachments, validate_attachments
from workdays.services import add_workdays, span_is_provisional, workdays_between

DEFAULT_TIER_WORKDAYS = {Tier.INDIVIDUAL: 5, Tier.UNIT: 10, Tier.TASKFORCE: 15}


class TransitionError(StateConflict, ValidationError):
    """The move is not allowed from the appeal's current state."""

    conflict_code = "illegal_transition"


class ConcurrentChange(StateConflict, Exception):
    """Someone changed the appeal since the actor looked at it."""

    conflict_code = "stale_version"

    def __init__(self, appeal: Appeal):
        self.appeal = appeal
        super().__init__(_("This appeal has already been changed by someone else. Reload it and try again."))

    def conflict_extra(self) -> dict:
        return {"version": self.appeal.version}


@dataclass(frozen=True)
class Transition:
    statuses: tuple[str, ...]
    tiers: tuple[int, ...]
    rule: perms.Rule


ALL_TIERS = (Tier.INDIVIDUAL, Tier.UNIT, Tier.TASKFORCE)

ACTION_LABELS = {
    "escalate": gettext_lazy("Escalate"),
    "return": gettext_lazy("Return"),
    "assign": gettext_lazy("Assign"),
    "resolve": gettext_lazy("Resolve"),
    "suspend": gettext_lazy("Pause"),
    "resume": gettext_lazy("Resume"),
    "press": gettext_lazy("Press"),
    "out_of_scope": gettext_lazy("Mark out of scope"),
    "withdraw": gettext_lazy("Withdraw"),
    "request_feedback": gettext_lazy("Send feedback link"),
    "feedback": gettext_lazy("Record feedback"),
    "reopen": gettext_lazy("Reopen"),
    "recategorise": gettext_lazy("Change category"),
}

# The single table of allowed moves: from which statuses and tiers, and who may make them.
TRANSITIONS: dict[str, Transition] = {
    "escalate": Transition((Status.HANDLING,), (Tier.INDIVIDUAL, Tier.UNIT), perms.owns_step),
    "return": Transition((Status.HANDLING,), (Tier.UNIT, Tier.TASKFORCE), perms.returns_step),
    "assign": Transition((Status.HANDLING,), (Tier.TASKFORCE,), perms.is_taskforce),
    "resolve": Transition((Status.HANDLING,), ALL_TIERS, perms.owns_step),
    "suspend": Transition((Status.HANDLING,), ALL_TIERS, perms.owns_step),
    "resume": Transition((Status.SUSPENDED,), ALL_TIERS, perms.owns_step),
    "press": Transition((Status.HANDLING,), ALL_TIERS, perms.is_taskforce),
    "out_of_scope": Transition(OPEN_STATUSES, (Tier.TASKFORCE,), perms.is_taskforce),
    "withdraw": Transition(OPEN_STATUSES, ALL_TIERS, perms.speaks_for_enterprise),
    "request_feedback": Transition((Status.RESOLVED,), ALL_TIERS, perms.speaks_for_enterprise),
    "feedback": Transition((Status.RESOLVED,), ALL_TIERS, perms.speaks_for_enterprise),
    "reopen": Transition((Status.RESOLVED, Status.CLOSED), ALL_TIERS, perms.is_taskforce),
    # Not a move between states: a mis-filed appeal is corrected whatever its state, so the figures by
    # category count it right.
    "recategorise": Transition(tuple(Status), ALL_TIERS, perms.recategorises),
}


def is_move_open(action: str, appeal: Appeal) -> bool:
    """Whether the appeal's state allows `action` at all (whoever asks)."""
    move = TRANSITIONS[action]
    if appeal.status not in move.statuses or appeal.tier not in move.tiers:
        return False
    if action == "press":
        return appeal.is_overdue and appeal.press_level < 2
    return True


def allowed_actions(user: User, appeal: Appeal) -> list[str]:
    """The moves `user` may make on `appeal` now (to show buttons and in the API)."""
    return [
        action
        for action, move in TRANSITIONS.items()
        if is_move_open(action, appeal) and perms.acting_capacity(user, appeal, move.rule)[0]
    ]


# --- Shared steps -----------------------------------------------------------------------------


def tier_workdays(tier: int) -> int:
    row = TierDeadline.objects.filter(tier=tier).first()
    return row.workdays if row else DEFAULT_TIER_WORKDAYS[tier]


def step_deadline(tier: int, *, start: date | None = None) -> date:
    """The deadline of a new step at `tier`, in working days (provisional in a year with no notice yet)."""
    return add_workdays(start or today(), tier_workdays(tier))


def _set_deadline(appeal: Appeal, *, start: date, workdays: int | None, deadline: date | None = None) -> None:
    """The step's deadline: `workdays` working days after `start`, or a date given by hand."""
    if deadline is not None:
        appeal.deadline, appeal.deadline_workdays, appeal.deadline_provisional = deadline, None, False
        return
    appeal.deadline = add_workdays(start, workdays)
    appeal.deadline_workdays = workdays
    appeal.deadline_provisional = span_is_provisional(start, appeal.deadline)


@dataclass
class _Before:
    status: str
    tier: int
    handler: str


def _lock(appeal: Appeal | int, expected_version: int | None) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("cadre__unit", "handler_cadre", "handler_unit", "enterprise")
        .get(pk=pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(locked)
    return locked


def _authorize(action: str, appeal: Appeal, user: User | None) -> User | None:
    """Check the move and the actor; returns the principal when acting as a substitute."""
    if not is_move_open(action, appeal):
        raise TransitionError(
            _("This appeal is “%(status)s” at the %(tier)s tier; “%(action)s” is not possible now.")
            % {
                "status": appeal.get_status_display(),
                "tier": appeal.get_tier_display(),
                "action": ACTION_LABELS[action],
            },
            code="illegal_transition",
        )
    if user is None:  # the enterprise itself, through a feedback link
        return None
    allowed, principal = perms.acting_capacity(user, appeal, TRANSITIONS[action].rule)
    if not allowed:
        raise PermissionDenied(_("You may not do this on this appeal."))
    return principal


def _snapshot(appeal: Appeal) -> _Before:
    return _Before(status=appeal.status, tier=appeal.tier, handler=appeal.handler_label())


def _finish_step(appeal: Appeal) -> None:
    """A step that ends after its deadline counts as late, whatever happens next."""
    if appeal.status == Status.HANDLING and appeal.deadline and today() > appeal.deadline:
        appeal.overdue_steps += 1


def _start_step(
    appeal: Appeal,
    *,
    tier: int,
    cadre: Cadre | None = None,
    unit: Unit | None = None,
    deadline: date | None = None,
    workdays: int | None = None,
) -> None:
    appeal.tier = tier
    appeal.handler_cadre = cadre
    appeal.handler_unit = unit
    appeal.status = Status.HANDLING
    appeal.step_started_at = timezone.now()
    start = timezone.localdate(appeal.step_started_at)
    _set_deadline(appeal, start=start, workdays=workdays or tier_workdays(tier), deadline=deadline)
    appeal.press_level = 0
    appeal.supervision_due = None
    appeal.supervising_leader = None


def _record(
    appeal: Appeal,
    kind: str,
    *,
    actor: User | None,
    principal: User | None,
    before: _Before | None,
    comment: str = "",
    data: dict | None = None,
    actor_label: str = "",
    notify: bool = True,
) -> AppealEvent:
    """Save the appeal with a new version and append the event that says what happened."""
    appeal.version += 1
    appeal.full_clean(exclude=["raised_by", "enterprise", "category", "cadre", "visit"])
    appeal.save()
    event = AppealEvent.objects.create(
        appeal=appeal,
        seq=appeal.version,
        kind=kind,
        actor=actor,
        on_behalf_of=principal,
        actor_label=actor_label or (actor.display_name if actor else ""),
        from_status=before.status if before else "",
        to_status=appeal.status,
        from_tier=before.tier if before else None,
        to_tier=appeal.tier,
        from_handler=before.handler if before else "",
        to_handler=appeal.handler_label(),
        deadline=appeal.deadline if appeal.is_open else None,
        comment=comment,
        data=data or {},
    )
    if notify:
        from appeals import tasks

        transaction.on_commit(lambda: tasks.appeal_notify.delay(appeal.pk, event.pk))
    return event


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _store_attachments(appeal: Appeal, files, acting_user: User) -> None:
    files = list(files or [])
    content_types = validate_attachments(files, existing=appeal.attachments.count())
    store_attachments(AppealAttachment, files=files, content_types=content_types, acting_user=acting_user,
                      appeal=appeal)


# --- Raising ----------------------------------------------------------------------------------


@transaction.atomic
def appeal_raise(
    *,
    acting_user: User,
    enterprise: Enterprise,
    category: AppealCategory,
    title: str,
    description: str,
    source: str = Source.VISIT,
    urgency: str = Urgency.NORMAL,
    visit: Visit | None = None,
    files=(),
) -> Appeal:
    """Register an enterprise's problem.

    The paired cadre raises it at the individual tier and handles it first. Task-force staff may
    register one directly (a hotline call, say): it then starts at the task-force tier for triage.
    """
    title = _require(title, _("Give the appeal a title."))
    description = _require(description, _("Describe the problem."))
    if not category.active:
        raise ValidationError(_("This category is no longer in use."))
    pairing = Assignment.objects.active().filter(enterprise=enterprise).select_related("cadre__user").first()
    own = pairing is not None and pairing.cadre.user_id == acting_user.pk and pairing.cadre.active
    if not own and not acting_user.is_taskforce:
        raise PermissionDenied(_("Only the enterprise's paired cadre or task-force staff can raise an appeal for it."))
    if visit is not None and (visit.enterprise_id != enterprise.pk or visit.cadre.user_id != acting_user.pk):
        raise ValidationError(_("That visit is not yours to this enterprise."))
    appeal = Appeal(
        enterprise=enterprise,
        cadre=pairing.cadre if pairing else None,
        raised_by=acting_user,
        visit=visit,
        source=source,
        category=category,
        title=title,
        description=description,
        urgency=urgency,
        version=0,
    )
    if own:
        _start_step(appeal, tier=Tier.INDIVIDUAL, cadre=pairing.cadre)
    else:
        _start_step(appeal, tier=Tier.TASKFORCE)
    appeal.full_clean(exclude=["version"])
    appeal.save()
    _store_attachments(appeal, files, acting_user)
    _record(
        appeal,
        EventKind.RAISED,
        actor=acting_user,
        principal=None,
        before=None,
        comment=description[:500],
        data={"source": source, "urgency": urgency, "visit": visit.pk if visit else None},
    )
    return appeal


@transaction.atomic
def appeal_raise_from_hotline(
    *,
    raised_by: User,
    enterprise: Enterprise,
    category: AppealCategory,
    title: str,
    description: str,
    hotline_deadline: date | None = None,
    channel_label: str = "",
) -> Appeal:
    """Register a 12345 hotline work order as an appeal (source "hotline").

    The hotline system is authenticated by its own client key (hotline/), so no one's permission is
    checked: the enterprise's active paired cadre gets it at the individual tier; an enterprise without
    one (or whose cadre has no login) goes to the task force for triage. The step's deadline is the
    tier's, or the hotline's own when that comes first. `raised_by` is the client's own (inactive) account.
    """
    title = _require(title, _("Give the appeal a title."))
    description = _require(description, _("Describe the problem."))
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    pairing = Assignment.objects.active().filter(enterprise=enterprise, cadre__active=True).select_related(
        "cadre__user").first()
    appeal = Appeal(
        enterprise=enterprise,
        cadre=pairing.cadre if pairing else None,
        raised_by=raised_by,
        source=Source.HOTLINE,
        category=category,
        title=title,
        description=description,
        version=0,
    )
    # A cadre who cannot sign in could not act on it: the task force triages it then.
    reachable = pairing is not None and pairing.cadre.user is not None and pairing.cadre.user.is_active
    tier = Tier.INDIVIDUAL if reachable else Tier.TASKFORCE
    default = step_deadline(tier)
    given = hotline_deadline if hotline_deadline and today() < hotline_deadline < default else None
    _start_step(appeal, tier=tier, cadre=pairing.cadre if reachable else None, deadline=given)
    appeal.full_clean(exclude=["version"])
    appeal.save()
    _record(
        appeal,
        EventKind.RAISED,
        actor=raised_by,
        principal=None,
        before=None,
        comment=description[:500],
        data={"source": Source.HOTLINE, "urgency": appeal.urgency, "visit": None},
        actor_label=channel_label,
    )
    return appeal


@transaction.atomic
def appeal_raise_by_contact(
    *,
    raised_by: User,
    enterprise: Enterprise,
    category: AppealCategory,
    title: str,
    description: str,
    contact_label: str,
    urgency: str = Urgency.NORMAL,
) -> Appeal:
    """Register a problem the enterprise's own contact raised on its page (source "enterprise").

    The contact is no user: the portal app has checked their card. The paired cadre gets it at the
    individual tier; an enterprise without an active pairing goes to the task force for triage.
    `raised_by` is the staff member who issued the contact's card; the timeline names the contact.
    """
    title = _require(title, _("Give the appeal a title."))
    description = _require(description, _("Describe the problem."))
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    pairing = Assignment.objects.active().filter(enterprise=enterprise, cadre__active=True).select_related(
        "cadre").first()
    appeal = Appeal(enterprise=enterprise, cadre=pairing.cadre if pairing else None, raised_by=raised_by,
                    source=Source.ENTERPRISE, category=category, title=title, description=description,
                    urgency=urgency, version=0)
    _start_step(appeal, tier=Tier.INDIVIDUAL if pairing else Tier.TASKFORCE, cadre=pairing.cadre if pairing else None)
    appeal.full_clean(exclude=["version"])
    appeal.save()
    _record(appeal, EventKind.RAISED, actor=None, principal=None, before=None, comment=description[:500],
            data={"source": Source.ENTERPRISE, "urgency": urgency, "visit": None}, actor_label=contact_label)
    return appeal


# --- Moves between tiers ----------------------------------------------------------------------


@transaction.atomic
def appeal_escalate(
    *, appeal: Appeal | int, acting_user: User, reason: str, expected_version: int | None = None
) -> Appeal:
    """Hand the appeal up a tier: from the cadre to their unit, from the unit to the task force."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("escalate", appeal, acting_user)
    reason = _require(reason, _("Say why the appeal needs the next tier."))
    before = _snapshot(appeal)
    _finish_step(appeal)
    if appeal.tier == Tier.INDIVIDUAL:
        _start_step(appeal, tier=Tier.UNIT, unit=appeal.handler_cadre.unit)
    else:
        _start_step(appeal, tier=Tier.TASKFORCE)
    _record(appeal, EventKind.ESCALATED, actor=acting_user, principal=principal, before=before, comment=reason)
    return appeal


@transaction.atomic
def appeal_return(
    *,
    appeal: Appeal | int,
    acting_user: User,
    reason: str,
    to_tier: int | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """Send the appeal back down: the unit to the cadre; the task force to the unit or the cadre."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("return", appeal, acting_user)
    reason = _require(reason, _("Say why the appeal goes back."))
    to_tier = int(to_tier or appeal.tier - 1)
    if to_tier not in (Tier.INDIVIDUAL, Tier.UNIT) or to_tier >= appeal.tier:
        raise TransitionError(_("An appeal can only be returned to a lower tier."))
    cadre = appeal.cadre
    if cadre is None or not cadre.active:
        raise ValidationError(_("The enterprise has no active paired cadre to return the appeal to."))
    before = _snapshot(appeal)
    _finish_step(appeal)
    if to_tier == Tier.INDIVIDUAL:
        _start_step(appeal, tier=Tier.INDIVIDUAL, cadre=cadre)
    else:
        _start_step(appeal, tier=Tier.UNIT, unit=cadre.unit)
    _record(appeal, EventKind.RETURNED, actor=acting_user, principal=principal, before=before, comment=reason)
    return appeal


ASSIGNABLE_KINDS = (UnitKind.SERVICE_GROUP, UnitKind.DEPARTMENT, UnitKind.WORKING_GROUP, UnitKind.STREET)


@transaction.atomic
def appeal_assign(
    *,
    appeal: Appeal | int,
    acting_user: User,
    unit: Unit,
    deadline: date | None = None,
    workdays: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Appeal:
    """交办: the task force hands the appeal to a service group or functional department, with a deadline.

    Assigning an appeal that is already assigned reassigns it.
    """
    appeal = _lock(appeal, expected_version)
    principal = _authorize("assign", appeal, acting_user)
    if unit.kind not in ASSIGNABLE_KINDS:
        raise ValidationError(_("Assign appeals to a service group, a working group, a department or a street."))
    if unit.pk == appeal.handler_unit_id:
        raise ValidationError(_("The appeal is already with %(unit)s.") % {"unit": unit.name})
    if deadline is not None and workdays is not None:
        raise ValidationError(_("Give either a deadline date or a number of working days, not both."))
    if deadline is not None and deadline <= today():
        raise ValidationError(_("The deadline must be after today."))
    if workdays is not None and workdays < 1:
        raise ValidationError(_("Give at least one working day."))
    before = _snapshot(appeal)
    kind = "reassigned" if appeal.handler_unit_id else "assigned"
    _finish_step(appeal)
    _start_step(appeal, tier=Tier.TASKFORCE, unit=unit, deadline=deadline, workdays=workdays)
    _record(
        appeal,
        EventKind.ASSIGNED,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=comment,
        data={"mode": kind, "unit": unit.pk, "workdays": appeal.deadline_workdays},
    )
    return appeal


class BulkAssignRefused(Exception):
    """One appeal of a bulk assignment was refused, so none was assigned; `error` says why."""

    def __init__(self, appeal_id: int, error: Exception):
        self.appeal_id, self.error = appeal_id, error
        super().__init__(str(error))


@transaction.atomic
def appeal_bulk_assign(*, appeal_ids, acting_user: User, unit: Unit, deadline: date | None = None,
                       workdays: int | None = None, comment: str = "",
                       versions: dict[int, int] | None = None) -> list[Appeal]:
    """Assign several appeals to one unit, all or nothing: the first refusal undoes the rest."""
    assigned = []
    for appeal_id in dict.fromkeys(appeal_ids):
        try:
            assigned.append(appeal_assign(appeal=appeal_id, acting_user=acting_user, unit=unit, deadline=deadline,
                                          workdays=workdays, comment=comment,
                                          expected_version=(versions or {}).get(appeal_id)))
        except (Appeal.DoesNotExist, ValidationError, PermissionDenied, ConcurrentChange) as error:
            raise BulkAssignRefused(appeal_id, error) from error
    return assigned


# --- Category ---------------------------------------------------------------------------------


@transaction.atomic
def appeal_recategorise(
    *,
    appeal: Appeal | int,
    acting_user: User,
    category: AppealCategory,
    reason: str = "",
    expected_version: int | None = None,
) -> Appeal:
    """Correct the category of a mis-filed appeal (the unit's handler or the task force); the timeline keeps
    who changed it, when, and from which category to which."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("recategorise", appeal, acting_user)
    old = AppealCategory.objects.get(pk=appeal.category_id)
    if category.pk == old.pk:
        raise ValidationError({"category": _("The appeal is already filed under “%(name)s”.") % {"name": old.name}})
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    before = _snapshot(appeal)
    appeal.category = category
    _record(
        appeal,
        EventKind.RECATEGORISED,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=(reason or "").strip(),
        data={"from_category": old.pk, "from_category_name": old.name,
              "to_category": category.pk, "to_category_name": category.name},
        notify=False,
    )
    return appeal


# --- Resolution and feedback ------------------------------------------------------------------


@transaction.atomic
def appeal_resolve(
    *,
    appeal: Appeal | int,
    acting_user: User,
    resolution: str,
    kind: str = ResolutionKind.SOLVED,
    expected_version: int | None = None,
) -> Appeal:
    """The current handler answers the appeal; the enterprise's verdict comes next.

    “Not our responsibility” keeps who decided it and why (the actor and the resolution text).
    """
    appeal = _lock(appeal, expected_version)
    principal = _authorize("resolve", appeal, acting_user)
    resolution = _require(resolution, _("Say how the appeal was resolved."))
    if kind not in ResolutionKind.values:
        raise ValidationError(_("Unknown kind of resolution."))
    before = _snapshot(appeal)
    _finish_step(appeal)
    now = timezone.now()
    appeal.status = Status.RESOLVED
    appeal.resolution = resolution
    appeal.resolution_kind = kind
    appeal.resolved_at = now
    appeal.resolved_by = acting_user
    appeal.resolved_tier = appeal.tier
    appeal.handling_workdays = handling_workdays(appeal, until=today())
    appeal.handling_provisional = span_is_provisional(timezone.localdate(appeal.raised_at), today())
    appeal.deadline = None
    appeal.deadline_provisional = False
    _record(
        appeal,
        EventKind.RESOLVED,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=resolution,
        data={"kind": kind, "handling_workdays": appeal.handling_workdays},
    )
    return appeal


def handling_workdays(appeal: Appeal, *, until: date) -> int:
    """Working days from raising to `until`, less the working days the clock was paused."""
    raised_on = timezone.localdate(appeal.raised_at) if appeal.raised_at else today()
    return max(workdays_between(raised_on, until) - appeal.paused_workdays, 0)


def _apply_feedback(
    appeal: Appeal, *, verdict: str, comment: str, actor: User | None, principal: User | None, actor_label: str = ""
) -> Appeal:
    if verdict not in Feedback.values:
        raise ValidationError(_("Choose satisfied, basically satisfied or unsatisfied."))
    comment = (comment or "").strip()
    if verdict == Feedback.UNSATISFIED and not comment:
        raise ValidationError(_("Say what is still wrong, so the appeal can be reopened with it."))
    before = _snapshot(appeal)
    appeal.feedback = verdict
    appeal.feedback_comment = comment
    appeal.feedback_at = timezone.now()
    if verdict in SATISFIED_VERDICTS:
        appeal.status = Status.CLOSED
        appeal.closed_at = appeal.feedback_at
        _record(
            appeal,
            EventKind.FEEDBACK,
            actor=actor,
            principal=principal,
            before=before,
            comment=comment,
            data={"verdict": verdict},
            actor_label=actor_label,
            notify=False,
        )
    else:
        _record(
            appeal,
            EventKind.FEEDBACK,
            actor=actor,
            principal=principal,
            before=before,
            comment=comment,
            data={"verdict": verdict},
            actor_label=actor_label,
            notify=False,
        )
        _reopen(appeal, actor=actor, principal=principal, reason=comment, actor_label=actor_label)
    return appeal


def _reopen(appeal: Appeal, *, actor: User | None, principal: User | None, reason: str, actor_label: str = "") -> None:
    """Back to the tier (and handler) that resolved it, with a fresh deadline."""
    before = _snapshot(appeal)
    # Resolving leaves the handler fields as they were, so the same handler takes it up again.
    tier = appeal.resolved_tier or appeal.tier
    if tier == Tier.INDIVIDUAL:
        _start_step(appeal, tier=tier, cadre=appeal.handler_cadre or appeal.cadre)
    else:
        _start_step(appeal, tier=tier, unit=appeal.handler_unit)
    appeal.resolved_at = None
    appeal.resolved_by = None
    appeal.handling_workdays = None
    appeal.handling_provisional = False
    appeal.closed_at = None
    _record(
        appeal,
        EventKind.REOPENED,
        actor=actor,
        principal=principal,
        before=before,
        comment=reason,
        actor_label=actor_label,
    )


@transaction.atomic
def appeal_feedback(
    *, appeal: Appeal | int, acting_user: User, verdict: str, comment: str = "", expected_version: int | None = None
) -> Appeal:
    """The cadre records the enterprise's verdict (回访); “unsatisfied” reopens the appeal."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("feedback", appeal, acting_user)
    return _apply_feedback(appeal, verdict=verdict, comment=comment, actor=acting_user, principal=principal)


@transaction.atomic
def appeal_reopen(
    *, appeal: Appeal | int, acting_user: User, reason: str, expected_version: int | None = None
) -> Appeal:
    """Task-force staff reopen a resolved or closed appeal, at the tier that resolved it."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("reopen", appeal, acting_user)
    reason = _require(reason, _("Say why the appeal is reopened."))
    _reopen(appeal, actor=acting_user, principal=principal, reason=reason)
    return appeal


# --- Feedback links (no login) ----------------------------------------------------------------

FEEDBACK_SALT = "appeals.feedback"


@transaction.atomic
def feedback_link_create(*, appeal: Appeal | int, acting_user: User, expected_version: int | None = None) -> str:
    """A signed, single-use link for the enterprise's contact; returns the path to send them."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("request_feedback", appeal, acting_user)
    days = settings.FEEDBACK_LINK_DAYS
    link = FeedbackLink.objects.create(
        appeal=appeal,
        token=secrets.token_urlsafe(24),
        created_by=acting_user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    before = _snapshot(appeal)
    _record(
        appeal,
        EventKind.FEEDBACK_REQUESTED,
        actor=acting_user,
        principal=principal,
        before=before,
        data={"expires_at": link.expires_at.isoformat()},
        notify=False,
    )
    signed = signing.dumps({"l": link.pk, "t": link.token}, salt=FEEDBACK_SALT, compress=True)
    from django.urls import reverse

    return reverse("appeal-feedback-public", args=[signed])


def feedback_link_open(signed: str) -> FeedbackLink:
    """The link behind a signed token, if it is genuine, unused, unexpired and still awaited."""
    try:
        payload = signing.loads(signed, salt=FEEDBACK_SALT, max_age=timedelta(days=settings.FEEDBACK_LINK_DAYS))
    except signing.SignatureExpired as exc:
        raise ValidationError(
            _("This link has expired. Ask your service cadre for a new one."), code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This link is not valid."), code="invalid") from exc
    link = FeedbackLink.objects.select_related("appeal__enterprise").filter(pk=payload.get("l")).first()
    if link is None or not secrets.compare_digest(link.token, str(payload.get("t", ""))):
        raise ValidationError(_("This link is not valid."), code="invalid")
    if link.used_at is not None:
        raise ValidationError(_("This link has already been used. Thank you for your feedback."), code="used")
    if link.expires_at < timezone.now():
        raise ValidationError(_("This link has expired. Ask your service cadre for a new one."), code="expired")
    if link.appeal.status != Status.RESOLVED:
        raise ValidationError(_("This appeal is not awaiting feedback any more."), code="not_awaited")
    return link


@transaction.atomic
def feedback_link_submit(*, signed: str, verdict: str, comment: str = "") -> Appeal:
    """The enterprise's contact gives the verdict through the link; the link is spent."""
    link = feedback_link_open(signed)
    link = FeedbackLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise ValidationError(_("This link has already been used. Thank you for your feedback."), code="used")
    appeal = _lock(link.appeal_id, None)
    _authorize("feedback", appeal, None)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    contact = appeal.enterprise.contact_name or _("the enterprise's contact")
    return _apply_feedback(
        appeal,
        verdict=verdict,
        comment=comment,
        actor=None,
        principal=None,
        actor_label=_("%(contact)s (feedback link)") % {"contact": contact},
    )


@transaction.atomic
def appeal_feedback_by_contact(
    *, appeal: Appeal | int, verdict: str, comment: str = "", contact_label: str, expected_version: int | None = None
) -> Appeal:
    """The enterprise's signed-in contact gives the verdict on its page (the portal app checked that the appeal
    is their enterprise's); “unsatisfied” reopens the appeal."""
    appeal = _lock(appeal, expected_version)
    _authorize("feedback", appeal, None)
    return _apply_feedback(appeal, verdict=verdict, comment=comment, actor=None, principal=None,
                           actor_label=contact_label)


# --- The clock --------------------------------------------------------------------------------


@transaction.atomic
def appeal_suspend(
    *, appeal: Appeal | int, acting_user: User, reason: str, expected_version: int | None = None
) -> Appeal:
    """Pause the clock while waiting on the enterprise or an outside body."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("suspend", appeal, acting_user)
    reason = _require(reason, _("Say what the appeal is waiting for."))
    before = _snapshot(appeal)
    appeal.status = Status.SUSPENDED
    appeal.paused_at = timezone.now()
    _record(
        appeal, EventKind.SUSPENDED, actor=acting_user, principal=principal, before=before, comment=reason, notify=False
    )
    return appeal


@transaction.atomic
def appeal_resume(
    *, appeal: Appeal | int, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Appeal:
    """Restart the clock; the deadline moves on by the working days spent paused."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("resume", appeal, acting_user)
    before = _snapshot(appeal)
    paused_from = timezone.localdate(appeal.paused_at)
    paused = workdays_between(paused_from, today())
    appeal.paused_workdays += paused
    appeal.deadline = add_workdays(appeal.deadline, paused) if paused else appeal.deadline
    if appeal.deadline_workdays is not None and span_is_provisional(paused_from, max(today(), appeal.deadline)):
        appeal.deadline_provisional = True
    appeal.status = Status.HANDLING
    appeal.paused_at = None
    _record(
        appeal,
        EventKind.RESUMED,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=comment,
        data={"paused_from": paused_from.isoformat(), "paused_workdays": paused},
        notify=False,
    )
    return appeal


@transaction.atomic
def appeal_press(
    *,
    appeal: Appeal | int,
    acting_user: User,
    comment: str = "",
    leader: Cadre | None = None,
    response_workdays: int | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """督办, graded: first a reminder, then a supervision notice with a response deadline and a named leader."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("press", appeal, acting_user)
    before = _snapshot(appeal)
    if appeal.press_level == 0:
        appeal.press_level = 1
        _record(appeal, EventKind.REMINDED, actor=acting_user, principal=principal, before=before, comment=comment)
        return appeal
    if leader is None:
        raise ValidationError(_("Name the leader who supervises this appeal."))
    if not leader.active:
        raise ValidationError(_("%(name)s is not active.") % {"name": leader.name})
    days = response_workdays or settings.SUPERVISION_RESPONSE_WORKDAYS
    appeal.press_level = 2
    appeal.supervising_leader = leader
    appeal.supervision_due = add_workdays(today(), days)
    if span_is_provisional(today(), appeal.supervision_due):
        appeal.deadline_provisional = True
    _record(
        appeal,
        EventKind.SUPERVISED,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=comment,
        data={
            "leader": leader.name,
            "leader_id": leader.pk,
            "response_due": appeal.supervision_due.isoformat(),
            "response_workdays": days,
        },
    )
    return appeal


# --- Counting again on the official calendar ------------------------------------------------


@dataclass
class _Recount:
    paused_workdays: int
    deadline: date | None
    supervision_due: date | None
    handling_workdays: int | None
    deadline_provisional: bool
    handling_provisional: bool


def _recount(appeal: Appeal) -> _Recount:
    """The appeal's working-day figures counted afresh on the calendar as it is now.

    The pauses are counted again from the timeline; the deadline is the step's working days (plus the
    working days paused during the step) after the step's start, as resuming built it up.
    """
    events = list(appeal.events.filter(kind__in=[EventKind.RESUMED, EventKind.SUPERVISED]).order_by("seq"))
    step_start = timezone.localdate(appeal.step_started_at)
    provisional = False
    paused_total = paused_step = 0
    for event in events:
        if event.kind != EventKind.RESUMED or "paused_from" not in event.data:
            continue
        paused_from, resumed_on = date.fromisoformat(event.data["paused_from"]), timezone.localdate(event.at)
        paused = workdays_between(paused_from, resumed_on)
        paused_total += paused
        if event.at >= appeal.step_started_at:
            paused_step += paused
            provisional |= span_is_provisional(paused_from, resumed_on)
    deadline, supervision_due = appeal.deadline, appeal.supervision_due
    if appeal.is_open and appeal.deadline_workdays is not None:
        deadline = add_workdays(step_start, appeal.deadline_workdays + paused_step)
        provisional |= span_is_provisional(step_start, deadline)
    supervised = [e for e in events if e.kind == EventKind.SUPERVISED and e.at >= appeal.step_started_at]
    if appeal.is_open and supervision_due and supervised and supervised[-1].data.get("response_workdays"):
        noticed_on = timezone.localdate(supervised[-1].at)
        supervision_due = add_workdays(noticed_on, int(supervised[-1].data["response_workdays"]))
        provisional |= span_is_provisional(noticed_on, supervision_due)
    handling, handling_provisional = appeal.handling_workdays, False
    if appeal.resolved_at is not None and appeal.handling_workdays is not None:
        raised_on, resolved_on = timezone.localdate(appeal.raised_at), timezone.localdate(appeal.resolved_at)
        handling = max(workdays_between(raised_on, resolved_on) - paused_total, 0)
        handling_provisional = span_is_provisional(raised_on, resolved_on)
    return _Recount(
        paused_workdays=paused_total,
        deadline=deadline,
        supervision_due=supervision_due,
        handling_workdays=handling,
        deadline_provisional=provisional and deadline is not None,
        handling_provisional=handling_provisional,
    )


RECOUNT_FIELDS = (
    "paused_workdays",
    "deadline",
    "supervision_due",
    "handling_workdays",
    "deadline_provisional",
    "handling_provisional",
)


@transaction.atomic
def appeal_recount(*, appeal: Appeal | int, acting_user: User | None = None) -> dict | None:
    """Count a provisional appeal's deadline, response date and handling time again on the calendar as
    it is now (after staff entered a year's notice); records what changed on the timeline.

    Returns {field: [before, after]}, or None when there was nothing to count again. Running it twice
    changes nothing the second time.
    """
    appeal = _lock(appeal, None)
    if not (appeal.deadline_provisional or appeal.handling_provisional):
        return None
    recounted = _recount(appeal)
    changes = {
        field: [getattr(appeal, field), getattr(recounted, field)]
        for field in RECOUNT_FIELDS
        if getattr(appeal, field) != getattr(recounted, field)
    }
    if not changes:
        return None
    before = _snapshot(appeal)
    for field, (_old, new) in changes.items():
        setattr(appeal, field, new)
    moved = [
        _("%(what)s %(old)s → %(new)s") % {"what": label, "old": changes[field][0], "new": changes[field][1]}
        for field, label in (
            ("deadline", _("deadline")),
            ("supervision_due", _("response due")),
            ("handling_workdays", _("handling time (working days)")),
        )
        if field in changes
    ]
    still = appeal.deadline_provisional or appeal.handling_provisional
    comment = (
        _("Counted again on the official holiday calendar: %(changes)s.")
        if moved
        else _("Counted again on the official holiday calendar: nothing moved.")
    ) % {"changes": "; ".join(moved)}
    if still:
        comment += " " + _("Still provisional: the calendar of a later year is not in yet.")
    data = {field: [_jsonable(old), _jsonable(new)] for field, (old, new) in changes.items()}
    _record(
        appeal,
        EventKind.RECOUNTED,
        actor=acting_user,
        principal=None,
        before=before,
        comment=comment,
        data=data,
        actor_label="" if acting_user else _("Working-day calendar"),
        notify="deadline" in changes or "supervision_due" in changes,
    )
    return data


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def appeals_recount_provisional(*, acting_user: User | None = None, progress=None) -> dict:
    """Count again every appeal whose figures are provisional, one transaction each (a killed run
    leaves finished appeals finished; a second run finds nothing left to change)."""
    ids = list(
        Appeal.objects.filter(Q(deadline_provisional=True) | Q(handling_provisional=True))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recounted = moved = 0
    for done, pk in enumerate(ids, start=1):
        data = appeal_recount(appeal=pk, acting_user=acting_user)
        if data is not None:
            recounted += 1
            moved += bool({"deadline", "supervision_due", "handling_workdays"} & data.keys())
        if progress:
            progress(done, len(ids), _("Appeal %(done)d of %(total)d") % {"done": done, "total": len(ids)})
    still = Appeal.objects.filter(Q(deadline_provisional=True) | Q(handling_provisional=True)).count()
    return {"appeals": len(ids), "recounted": recounted, "moved": moved, "still_provisional": still}


# --- Ending without a resolution --------------------------------------------------------------


def _end_unresolved(appeal: Appeal, status: str) -> None:
    """Close the current step for good: no deadline, no running pause."""
    _finish_step(appeal)
    appeal.status = status
    appeal.deadline = None
    appeal.deadline_provisional = False
    appeal.paused_at = None


@transaction.atomic
def appeal_withdraw(
    *, appeal: Appeal | int, acting_user: User, reason: str, expected_version: int | None = None
) -> Appeal:
    """The enterprise (through its cadre) or the cadre withdraws the appeal; it stays on record."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("withdraw", appeal, acting_user)
    reason = _require(reason, _("Say why the appeal is withdrawn."))
    before = _snapshot(appeal)
    _end_unresolved(appeal, Status.WITHDRAWN)
    _record(
        appeal, EventKind.WITHDRAWN, actor=acting_user, principal=principal, before=before, comment=reason, notify=False
    )
    return appeal


@transaction.atomic
def appeal_mark_out_of_scope(
    *, appeal: Appeal | int, acting_user: User, explanation: str, expected_version: int | None = None
) -> Appeal:
    """The task force decides the appeal is outside the campaign's remit, and says why."""
    appeal = _lock(appeal, expected_version)
    principal = _authorize("out_of_scope", appeal, acting_user)
    explanation = _require(explanation, _("Explain why the appeal is out of scope."))
    before = _snapshot(appeal)
    _end_unresolved(appeal, Status.OUT_OF_SCOPE)
    appeal.resolution = explanation
    _record(
        appeal,
        EventKind.OUT_OF_SCOPE,
        actor=acting_user,
        principal=principal,
        before=before,
        comment=explanation,
        notify=False,
    )
    return appeal


# --- Substitutes ------------------------------------------------------------------------------


@transaction.atomic
def substitution_create(
    *,
    acting_user: User,
    substitute: User,
    starts_on: date,
    ends_on: date,
    reason: str = "",
    principal: User | None = None,
):
    """Name a substitute for a period; task-force staff may set one up for someone else."""
    from liaison.models import Substitution

    principal = principal or acting_user
    if principal.pk != acting_user.pk and not acting_user.is_taskforce:
        raise PermissionDenied(_("You can only name a substitute for yourself."))
    if substitute.pk == principal.pk:
        raise ValidationError(_("Choose someone else as the substitute."))
    if not substitute.is_active:
        raise ValidationError(_("%(name)s cannot sign in.") % {"name": substitute.display_name})
    if not may_substitute(principal, substitute):
        raise ValidationError(
            _("%(name)s cannot stand in: a substitute comes from the same unit and has the same role.")
            % {"name": substitute.display_name}
        )
    if ends_on < starts_on:
        raise ValidationError(_("The substitution must end on or after its first day."))
    if ends_on < today():
        raise ValidationError(_("The substitution would already be over."))
    substitution = Substitution(
        principal=principal, substitute=substitute, starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip()
    )
    substitution.full_clean()
    substitution._history_user = acting_user
    substitution.save()
    return substitution

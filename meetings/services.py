"""Writes on meetings. Only task-force staff record meetings, their issues and countermeasures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import AppealCategory, Source
from appeals.services import appeal_raise
from enterprises.models import Enterprise
from liaison.models import Cadre, User
from meetings.models import Countermeasure, CountermeasureStatus, Meeting, MeetingEnterprise, MeetingIssue
from meetings.permissions import can_manage_meetings
from policies.models import Policy


def _ensure_taskforce(user: User) -> None:
    if not can_manage_meetings(user):
        raise PermissionDenied(_("Only task-force staff can record meetings."))


@transaction.atomic
def meeting_save(
    *,
    acting_user: User,
    title: str,
    kind: str,
    date: date,
    place: str = "",
    chair: Cadre | None = None,
    participants: Iterable[Cadre] = (),
    notes: str = "",
    meeting: Meeting | None = None,
) -> Meeting:
    """Create a meeting, or update `meeting` when given; participants are replaced as a whole."""
    _ensure_taskforce(acting_user)
    if meeting is None:
        meeting = Meeting(created_by=acting_user)
    else:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.title = (title or "").strip()
    meeting.kind = kind
    meeting.date = date
    meeting.place = place or ""
    meeting.chair = chair
    meeting.notes = notes or ""
    meeting.full_clean(exclude=["created_by"])
    meeting.save()
    meeting.participants.set(list(participants))
    return meeting


@transaction.atomic
def meeting_withdraw(*, meeting_id: int, acting_user: User, reason: str) -> Meeting:
    """Withdraw a meeting recorded by mistake: it stays in the database and its history, with who withdrew
    it, when and why, but no list, figure or "三个一" check counts it (nor its invitations, issues and
    countermeasures). Appeals already raised from its issues go on as they are."""
    _ensure_taskforce(acting_user)
    meeting = Meeting.all_objects.select_for_update().get(pk=meeting_id)
    if meeting.withdrawn_at is not None:
        raise ValidationError(_("This meeting has already been withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the meeting.")})
    meeting.withdrawn_at, meeting.withdrawn_by, meeting.withdrawal_reason = timezone.now(), acting_user, reason[:200]
    meeting._history_user = acting_user
    meeting.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return meeting


def meeting_invite(
    *, meeting: Meeting, enterprise: Enterprise, acting_user: User, representative: str = "", position: str = ""
) -> MeetingEnterprise:
    _ensure_taskforce(acting_user)
    invitation = MeetingEnterprise(
        meeting=meeting, enterprise=enterprise, representative=representative, position=position
    )
    invitation.full_clean()
    invitation.save()
    return invitation


def meeting_issue_add(
    *,
    meeting: Meeting,
    enterprise: Enterprise,
    category: AppealCategory,
    title: str,
    description: str,
    acting_user: User,
) -> MeetingIssue:
    _ensure_taskforce(acting_user)
    issue = MeetingIssue(
        meeting=meeting, enterprise=enterprise, category=category, title=(title or "").strip(), description=description
    )
    issue.full_clean()
    issue.save()
    return issue


def countermeasure_add(
    *, meeting: Meeting, text: str, acting_user: User, policies: Iterable[Policy] = ()
) -> Countermeasure:
    _ensure_taskforce(acting_user)
    countermeasure = Countermeasure(meeting=meeting, text=(text or "").strip())
    countermeasure.full_clean()
    countermeasure.save()
    countermeasure.policies.set(list(policies))
    return countermeasure


@transaction.atomic
def countermeasure_set_status(
    *, countermeasure_id: int, status: str, acting_user: User, policies: Iterable[Policy] | None = None
) -> Countermeasure:
    """Move a countermeasure to `status`; `policies`, when given, replace the documents it led to."""
    _ensure_taskforce(acting_user)
    if status not in CountermeasureStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    countermeasure = Countermeasure.objects.select_for_update().get(pk=countermeasure_id)
    countermeasure.status = status
    countermeasure.save(update_fields=["status"])
    if policies is not None:
        countermeasure.policies.set(list(policies))
    return countermeasure


@transaction.atomic
def issues_to_appeals(*, meeting: Meeting, acting_user: User) -> list[MeetingIssue]:
    """Raise an appeal (source "meeting") for every issue of the meeting that has none yet.

    All or nothing: if one appeal is refused, none is kept. Idempotent: issues already turned
    into appeals are skipped, so a second run creates nothing. Returns the issues converted now.
    """
    _ensure_taskforce(acting_user)
    Meeting.objects.select_for_update().get(pk=meeting.pk)  # one conversion of a meeting at a time
    issues = list(
        MeetingIssue.objects.select_for_update(of=("self",))
        .filter(meeting_id=meeting.pk, appeal__isnull=True)
        .select_related("enterprise", "category")
        .order_by("id")
    )
    for issue in issues:
        issue.appeal = appeal_raise(
            acting_user=acting_user,
            enterprise=issue.enterprise,
            category=issue.category,
            title=issue.title,
            description=issue.description,
            source=Source.MEETING,
        )
        issue.save(update_fields=["appeal"])
    return issues

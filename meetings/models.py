"""Meetings of the campaign: solicitation meetings (征求意见会), the task force's "三会", and field events.

A meeting invites enterprise representatives, collects their issues (each may become an appeal)
and proposes countermeasures (对策建议), some of which lead to policy documents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MeetingKind(models.TextChoices):
    SOLICITATION = "solicitation", _("Solicitation meeting")
    PROGRESS = "progress", _("Progress meeting")
    TOPIC = "topic", _("Topic meeting")
    SCHEDULING = "scheduling", _("Scheduling meeting")
    FIELD_EVENT = "field_event", _("Government-enterprise express")


class InForceMeetingManager(models.Manager):
    """Meetings that count: a withdrawn meeting (recorded by mistake) stays in the database and its history
    but leaves every list, figure and check, with its invitations, issues and countermeasures."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class AllMeetingsManager(models.Manager):
    """Withdrawn meetings too: for the admin and the withdrawal itself."""


class Meeting(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.SOLICITATION)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    chair = models.ForeignKey(
        "liaison.Cadre",
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
    )
    participants = models.ManyToManyField(
        "liaison.Cadre", verbose_name=_("participants"), blank=True, related_name="meetings"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    history = HistoricalRecords(m2m_fields=[participants])

    # The first manager is the default one, also behind related sets: withdrawn meetings never count.
    objects = InForceMeetingManager()
    all_objects = AllMeetingsManager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["kind", "date"])]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="meeting_title_not_blank"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""), name="meeting_withdrawal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", args=[self.pk])


class MeetingEnterprise(models.Model):
    """An enterprise invited to a meeting, and who came on its behalf."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    representative = models.CharField(_("representative"), max_length=50, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invited enterprise")
        verbose_name_plural = _("invited enterprises")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "enterprise"], name="one_invitation_per_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.representative}"


class MeetingIssue(models.Model):
    """A problem an enterprise raised at a meeting; `appeal` is set once it has become an appeal."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="issues")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey("appeals.AppealCategory", verbose_name=_("category"), on_delete=models.PROTECT)
    appeal = models.OneToOneField(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_issue",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting issue")
        verbose_name_plural = _("meeting issues")
        ordering = ["meeting", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="meeting_issue_title_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title


class CountermeasureStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ADOPTED = "adopted", _("Adopted")
    IMPLEMENTED = "implemented", _("Implemented")


class Countermeasure(models.Model):
    """A countermeasure (对策建议) proposed at a meeting, and the policy documents it led to."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="countermeasures"
    )
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=20, choices=CountermeasureStatus.choices, default=CountermeasureStatus.PROPOSED
    )
    policies = models.ManyToManyField(
        "policies.Policy", verbose_name=_("policies"), blank=True, related_name="countermeasures"
    )
    history = HistoricalRecords(m2m_fields=[policies])

    class Meta:
        verbose_name = _("countermeasure")
        verbose_name_plural = _("countermeasures")
        ordering = ["meeting", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="countermeasure_text_not_blank"),
            models.CheckConstraint(
                condition=Q(status__in=CountermeasureStatus.values), name="countermeasure_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:50]

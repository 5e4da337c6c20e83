"""Appeals (诉求): an enterprise's problem, handled by the cadre, then the unit, then the task force."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.choices import QuickChoiceLabels


class Tier(models.IntegerChoices):
    INDIVIDUAL = 1, _("Individual")
    UNIT = 2, _("Unit")
    TASKFORCE = 3, _("Task force")


class Status(models.TextChoices):
    HANDLING = "handling", pgettext_lazy("appeal status", "Being handled")
    SUSPENDED = "suspended", pgettext_lazy("appeal status", "Paused")
    RESOLVED = "resolved", pgettext_lazy("appeal status", "Resolved, awaiting feedback")
    CLOSED = "closed", pgettext_lazy("appeal status", "Closed")
    OUT_OF_SCOPE = "out_of_scope", pgettext_lazy("appeal status", "Out of scope")
    WITHDRAWN = "withdrawn", pgettext_lazy("appeal status", "Withdrawn")


OPEN_STATUSES = (Status.HANDLING, Status.SUSPENDED)
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Source(models.TextChoices):
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    HOTLINE = "hotline", _("Phone or 12345 hotline")
    ENTERPRISE = "enterprise", _("The enterprise itself")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Very urgent")


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


SATISFIED_VERDICTS = (Feedback.SATISFIED, Feedback.BASICALLY)


class ResolutionKind(models.TextChoices):
    SOLVED = "solved", _("Solved")
    EXPLAINED = "explained", _("Answered with an explanation")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")


class AppealCategory(models.Model):
    """Configurable categories (financing, land and planning, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class TierDeadline(models.Model):
    """How many working days each tier has for a step, by default."""

    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, unique=True)
    workdays = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        verbose_name = _("tier deadline")
        verbose_name_plural = _("tier deadlines")
        ordering = ["tier"]
        constraints = [models.CheckConstraint(condition=Q(workdays__gte=1), name="tier_deadline_at_least_one_day")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.workdays}"


class Appeal(QuickChoiceLabels, models.Model):
    """One problem an enterprise raised, with its current owner, deadline and answer."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="appeals"
    )
    # The cadre who answers for the enterprise: the tier-1 handler, and whose unit the appeal counts for.
    cadre = models.ForeignKey(
        "liaison.Cadre",
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        "liaison.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.VISIT)
    category = models.ForeignKey(AppealCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.HANDLING)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.INDIVIDUAL)
    handler_cadre = models.ForeignKey(
        "liaison.Cadre",
        verbose_name=_("handling cadre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_appeals",
    )
    handler_unit = models.ForeignKey(
        "liaison.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_appeals",
    )
    step_started_at = models.DateTimeField(_("step started at"))
    deadline = models.DateField(_("deadline of the current step"), null=True, blank=True)
    # How the deadline was counted: this many working days from the step's start (None: a date
    # given by hand), on a provisional calendar when it reached a year whose notice is not in yet.
    deadline_workdays = models.PositiveSmallIntegerField(_("working days of the step"), null=True, blank=True)
    deadline_provisional = models.BooleanField(
        _("deadline provisional"),
        default=False,
        help_text=_("Counted on a provisional calendar; counted again when the year's official calendar is in."),
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("working days paused"), default=0)
    overdue_steps = models.PositiveSmallIntegerField(_("steps finished late"), default=0)
    press_level = models.PositiveSmallIntegerField(_("pressing level"), default=0)
    supervision_due = models.DateField(_("supervision response due"), null=True, blank=True)
    supervising_leader = models.ForeignKey(
        "liaison.Cadre",
        verbose_name=_("supervising leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_appeals",
    )

    resolution = models.TextField(_("resolution"), blank=True)
    resolution_kind = models.CharField(
        _("kind of resolution"), max_length=20, choices=ResolutionKind.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_tier = models.PositiveSmallIntegerField(_("resolved at tier"), choices=Tier.choices, null=True, blank=True)
    handling_workdays = models.PositiveIntegerField(_("handling time (working days)"), null=True, blank=True)
    handling_provisional = models.BooleanField(_("handling time provisional"), default=False)

    feedback = models.CharField(_("enterprise's feedback"), max_length=20, choices=Feedback.choices, blank=True)
    feedback_comment = models.TextField(_("feedback comment"), blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    version = models.PositiveIntegerField(_("version"), default=1)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__gte=1, tier__lte=3), name="appeal_tier_1_to_3"),
            models.CheckConstraint(condition=Q(press_level__lte=2), name="appeal_press_level_0_to_2"),
            models.CheckConstraint(
                condition=~Q(status__in=["handling", "suspended"]) | Q(deadline__isnull=False),
                name="appeal_open_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | Q(paused_at__isnull=False), name="appeal_paused_has_start"
            ),
            models.CheckConstraint(
                condition=Q(deadline_provisional=False) | Q(deadline__isnull=False),
                name="appeal_provisional_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(handling_provisional=False) | Q(handling_workdays__isnull=False),
                name="appeal_provisional_has_handling_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="appeal_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(tier=1) | ~Q(status__in=["handling", "suspended"]) | Q(handler_cadre__isnull=False),
                name="appeal_individual_tier_has_cadre",
            ),
            models.CheckConstraint(
                condition=~Q(tier=2) | ~Q(status__in=["handling", "suspended"]) | Q(handler_unit__isnull=False),
                name="appeal_unit_tier_has_unit",
            ),
        ]
        indexes = [
            # Covering the queue counts (grouped by status and tier, with the handling unit and deadline):
            # an index-only scan instead of reading every appeal on each queue page.
            models.Index(fields=["status", "tier", "deadline"], include=["handler_unit"], name="appeal_queue_counts"),
            models.Index(fields=["raised_at"]),
            models.Index(fields=["handler_unit", "status"]),
            models.Index(fields=["handler_cadre", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("appeal-detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Appeals are never deleted; withdraw the appeal instead."))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        from liaison.selectors import today

        return self.status == Status.HANDLING and self.deadline is not None and self.deadline < today()

    @property
    def awaiting_triage(self) -> bool:
        return self.is_open and self.tier == Tier.TASKFORCE and self.handler_unit_id is None

    def handler_label(self) -> str:
        return handler_label_of(
            tier=self.tier,
            cadre_name=self.handler_cadre.name if self.handler_cadre_id else None,
            unit_name=self.handler_unit.name if self.handler_unit_id else None,
        )


def handler_label_of(*, tier: int, cadre_name: str | None, unit_name: str | None) -> str:
    """Who holds an appeal's step, in words: its handling cadre, unit, or the task force."""
    if tier == Tier.INDIVIDUAL and cadre_name:
        return cadre_name
    if unit_name:
        return unit_name
    if tier == Tier.TASKFORCE:
        return str(_("Task force (to be assigned)"))
    return "—"


class EventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    ESCALATED = "escalated", _("Escalated")
    RETURNED = "returned", _("Returned")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    FEEDBACK_REQUESTED = "feedback_requested", _("Feedback link sent")
    FEEDBACK = "feedback", _("Feedback")
    REOPENED = "reopened", _("Reopened")
    SUSPENDED = "suspended", _("Paused")
    RESUMED = "resumed", _("Resumed")
    RECOUNTED = "recounted", _("Deadline counted on the official calendar")
    REMINDED = "reminded", _("Reminder (督办提醒)")
    SUPERVISED = "supervised", _("Supervision notice (督办通知)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OUT_OF_SCOPE = "out_of_scope", _("Marked out of scope")
    RECATEGORISED = "recategorised", _("Category changed")


class AppealEvent(QuickChoiceLabels, models.Model):
    """One step on an appeal's timeline. Events are only ever appended, never changed or deleted."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    from_status = models.CharField(_("from status"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices, blank=True)
    from_tier = models.PositiveSmallIntegerField(_("from tier"), choices=Tier.choices, null=True, blank=True)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices, null=True, blank=True)
    from_handler = models.CharField(_("from handler"), max_length=100, blank=True)
    to_handler = models.CharField(_("to handler"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["appeal", "seq"]
        constraints = [models.UniqueConstraint(fields=["appeal", "seq"], name="appeal_event_seq_unique")]

    def __str__(self) -> str:
        return f"#{self.appeal_id}.{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Timeline events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Timeline events cannot be deleted."))


def appeal_attachment_path(instance: "AppealAttachment", filename: str) -> str:
    return f"appeals/{instance.appeal_id}/{filename}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=appeal_attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FeedbackLink(models.Model):
    """A single-use, expiring link the enterprise's contact opens to give their verdict without a login."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="feedback_links")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("feedback link")
        verbose_name_plural = _("feedback links")

    def __str__(self) -> str:
        return f"#{self.appeal_id} {self.created_at:%Y-%m-%d}"

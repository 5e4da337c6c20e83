"""The core of the campaign: units, cadres, one-to-one pairings and visits."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    TASKFORCE = "taskforce", _("Task-force staff")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


_CADRE_OF_USER = None  # liaison.joined.Joined, made on first use (Cadre is declared below)


class User(AbstractUser):
    """A login. Its role sets how far it sees; a linked Cadre makes it able to log visits."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CADRE)
    unit = models.ForeignKey(
        "liaison.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("For unit handlers: the unit whose work they oversee."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        cadre = self.cadre_or_none
        if cadre is not None:
            return cadre.name
        return self.get_full_name() or self.username

    @property
    def cadre_or_none(self) -> "Cadre | None":
        """The user's cadre, or None; read once per user object, and by a statement written once rather
        than built by the ORM (every page shows the signed-in user's name)."""
        related = User.cadre.related
        if not related.is_cached(self):
            from liaison.joined import Joined, Part

            global _CADRE_OF_USER
            if _CADRE_OF_USER is None:
                _CADRE_OF_USER = Joined([Part("c", Cadre)], where="c.user_id = %s")
            row = _CADRE_OF_USER.one([self.pk]) if self.pk is not None else None
            related.set_cached_value(self, row["c"] if row else None)
        return related.get_cached_value(self)

    @property
    def is_taskforce(self) -> bool:
        return self.is_superuser or self.role in (Role.TASKFORCE, Role.ADMIN)

    @property
    def sees_everything(self) -> bool:
        return self.is_taskforce or self.role == Role.LEADER


class UnitKind(models.TextChoices):
    TASKFORCE = "taskforce", _("Task force")
    WORKING_GROUP = "working_group", _("Working group")
    SERVICE_GROUP = "service_group", _("Professional service group")
    DEPARTMENT = "department", _("Department")
    STREET = "street", _("Street office")


class Unit(models.Model):
    """A department, street office, or one of the task force's groups ("1+3+8")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    function = models.TextField(_("function"), blank=True, help_text=_("What the unit does, in a sentence or two."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit-detail", args=[self.pk])

    def clean(self) -> None:
        """Refuse a parent that would make the unit its own ancestor."""
        from django.core.exceptions import ValidationError

        seen = {self.pk} if self.pk else set()
        parent = self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": _("This parent would put the unit inside itself.")})
            seen.add(parent.pk)
            parent = parent.parent


class Rank(models.TextChoices):
    DISTRICT = "district", _("District-level leader")
    DIVISION = "division", _("Division-level")
    SECTION = "section", _("Section-level")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    """The cadre's professional category, matched against the enterprise's industry."""

    ECONOMY = "economy", _("Economy and finance")
    INDUSTRY = "industry", _("Industry and technology")
    CONSTRUCTION = "construction", _("Planning and construction")
    COMMERCE = "commerce", _("Commerce and trade")
    LAW = "law", _("Law and market regulation")
    CULTURE = "culture", _("Culture and tourism")
    SOCIAL = "social", _("Social services")
    ADMINISTRATION = "administration", _("Party and administration")


class Cadre(models.Model):
    """A leading cadre sent to serve an enterprise; at most one per login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
    )
    name = models.CharField(_("name"), max_length=50)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres")
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices, default=Rank.SECTION)
    category = models.CharField(
        _("professional category"), max_length=20, choices=Category.choices, default=Category.ADMINISTRATION
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["unit__name", "name", "id"]
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.name}）" if self.unit_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("cadre-detail", args=[self.pk])


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)

    def active_during(self, start, end):
        """Pairings that were in force for at least one day of [start, end]."""
        return self.filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))


class Assignment(models.Model):
    """A one-to-one pairing of a cadre with an enterprise; ended pairings stay as history."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="assignments")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="assignments"
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reason = models.CharField(_("reason for pairing"), max_length=200, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre"], condition=Q(ended_on__isnull=True), name="one_active_pairing_per_cadre"
            ),
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(ended_on__isnull=True), name="one_active_pairing_per_enterprise"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["started_on", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.cadre.name} ↔ {self.enterprise.name}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class VisitMethod(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class VisitInForceManager(models.Manager):
    """Visits that count: a withdrawn visit stays in the database (and its history) but is left out of
    every list, figure and related set (`cadre.visits`, `pairing.visits`…)."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class AllVisitsManager(models.Manager):
    """Withdrawn visits too: for the admin and the withdrawal itself."""


class Visit(models.Model):
    """One contact of a cadre with the enterprise they are paired with. Never deleted: one logged by
    mistake is withdrawn (services.visit_withdraw), with who, when and why."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="visits")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="visits"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=VisitMethod.choices, default=VisitMethod.ON_SITE)
    people_met = models.CharField(_("people met"), max_length=200, blank=True)
    summary = models.TextField(_("summary"))
    issues_raised = models.TextField(_("issues raised"), blank=True)
    policies_explained = models.ManyToManyField(
        "policies.Policy", verbose_name=_("policies explained"), blank=True, related_name="visits"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
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
    history = HistoricalRecords()

    # The first manager is the default one, also behind related sets: withdrawn visits never count.
    objects = VisitInForceManager()
    all_objects = AllVisitsManager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""), name="visit_withdrawal_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "date"]),
            models.Index(fields=["cadre", "date"]),
            models.Index(fields=["enterprise", "date"]),
            # The ledgers' order (newest first, then id): a page is read off this index; on the date alone,
            # every visit of the latest day was joined and sorted first (8,000 at a province: 50 ms).
            models.Index(fields=["date", "id"], name="visit_list_order"),
            # "Was the pairing contacted in this month?" for every pairing at once (the dispatch, bulletin
            # and evaluation): the month's visits in force, read off this index alone. Through the heap, a
            # province's month (68,000 visits spread over 33,000 pages) took 150 ms; off the index, 7 ms.
            models.Index(
                fields=["date", "assignment"], condition=Q(withdrawn_at__isnull=True), name="visit_in_force_by_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.cadre.name} → {self.enterprise.name}"

    def get_absolute_url(self) -> str:
        return reverse("visit-detail", args=[self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def attachment_path(instance: "VisitAttachment", filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitAttachment(models.Model):
    """A photo or document taken on a visit; served only through a permission check."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
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

    def get_absolute_url(self) -> str:
        return reverse("visit-attachment", args=[self.pk])


class Substitution(models.Model):
    """While a cadre or handler is away, another user acts for them and receives their work."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("away"), on_delete=models.PROTECT, related_name="substituted_by"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("substitute"), on_delete=models.PROTECT, related_name="substitutes_for"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="substitution_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(principal=models.F("substitute")), name="substitution_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.substitute} → {self.principal} ({self.starts_on}–{self.ends_on})"


class Notification(models.Model):
    """An in-app message; also e-mailed where mail is configured."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # What the notification is about, so that a re-run of a job never sends it twice.
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class PendingImportState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    RUNNING = "running", _("Being imported")


class PendingImport(models.Model):
    """An uploaded import file kept between its preview and its confirmation.

    Kept in the database rather than on one app node's disk, so that whichever node serves the
    confirmation finds it; the state moves from pending to running in one UPDATE, so a double submit
    (on any node) imports nothing twice. Removed when imported or cancelled, or after a day.
    """

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    extension = models.CharField(max_length=10)
    data = models.BinaryField()
    state = models.CharField(max_length=10, choices=PendingImportState.choices, default=PendingImportState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pending import")
        verbose_name_plural = _("pending imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "running"]), name="pending_import_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

"""The policy catalogue (政策清单): measures, their eligibility rules, QR scans and deliveries."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES
from enterprises.models import Ownership


class PolicyCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy category")
        verbose_name_plural = _("policy categories")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("policy status", "Draft")
    PUBLISHED = "published", pgettext_lazy("policy status", "Published")
    EXPIRED = "expired", pgettext_lazy("policy status", "Expired")


class Policy(models.Model):
    """One support measure. Expiry happens by date: past `effective_to` it is expired whatever its status."""

    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    category = models.ForeignKey(PolicyCategory, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="policies")
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    eligibility_text = models.TextField(_("who is eligible"), blank=True)
    benefit = models.TextField(_("benefit"), blank=True)
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    no_application = models.BooleanField(_("no application needed (免申即享)"), default=False)
    direct_delivery = models.BooleanField(_("direct delivery (直达快享)"), default=False)
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separated by commas."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["category__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="policy_effective_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_to"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policy-detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("policy-public", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        from liaison.selectors import today

        return self.status == PolicyStatus.EXPIRED or (
            self.effective_to is not None and self.effective_to < today()
        )

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").replace("、", ",").split(",") if t.strip()]


def policy_attachment_path(instance: "PolicyAttachment", filename: str) -> str:
    return f"policies/{instance.policy_id}/{filename}"


class PolicyAttachment(models.Model):
    """The source document of a measure (the notice as issued)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=policy_attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RuleGroup(models.Model):
    """One way of qualifying: every condition set here must hold (AND); a policy's groups are OR-ed.

    A field left empty sets no condition. A group with no condition at all admits every enterprise;
    a policy with no group has no structured rules and admits none.
    """

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rule_groups")
    name = models.CharField(_("name"), max_length=100, blank=True)
    above_scale = models.BooleanField(_("above designated size"), null=True, blank=True)
    high_tech = models.BooleanField(_("high-tech enterprise"), null=True, blank=True)
    industry_sections = models.JSONField(_("industry sections"), default=list, blank=True)
    industry_divisions = models.JSONField(_("industry divisions"), default=list, blank=True)
    ownerships = models.JSONField(_("ownership types"), default=list, blank=True)
    streets = models.ManyToManyField("liaison.Unit", verbose_name=_("streets"), blank=True,
                                     limit_choices_to={"kind": "street"}, related_name="+")
    employees_min = models.PositiveIntegerField(_("employees at least"), null=True, blank=True)
    employees_max = models.PositiveIntegerField(_("employees at most"), null=True, blank=True)
    revenue_min = models.DecimalField(_("revenue at least (10k yuan)"), max_digits=14, decimal_places=2, null=True,
                                      blank=True)
    revenue_max = models.DecimalField(_("revenue at most (10k yuan)"), max_digits=14, decimal_places=2, null=True,
                                      blank=True)
    founded_year_min = models.PositiveSmallIntegerField(_("founded in or after"), null=True, blank=True)
    founded_year_max = models.PositiveSmallIntegerField(_("founded in or before"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[streets])

    class Meta:
        verbose_name = _("eligibility rule group")
        verbose_name_plural = _("eligibility rule groups")
        ordering = ["policy", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(employees_max__isnull=True) | Q(employees_min__isnull=True)
                                   | Q(employees_max__gte=models.F("employees_min")), name="rule_employees_range"),
            models.CheckConstraint(condition=Q(revenue_max__isnull=True) | Q(revenue_min__isnull=True)
                                   | Q(revenue_max__gte=models.F("revenue_min")), name="rule_revenue_range"),
            models.CheckConstraint(condition=Q(founded_year_max__isnull=True) | Q(founded_year_min__isnull=True)
                                   | Q(founded_year_max__gte=models.F("founded_year_min")), name="rule_founded_range"),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        sections = {code for code, _label in SECTION_CHOICES}
        divisions = {code for code, _label in DIVISION_CHOICES}
        ownerships = set(Ownership.values)
        errors = {}
        if not set(self.industry_sections or []) <= sections:
            errors["industry_sections"] = _("Unknown industry section.")
        if not set(self.industry_divisions or []) <= divisions:
            errors["industry_divisions"] = _("Unknown industry division.")
        if not set(self.ownerships or []) <= ownerships:
            errors["ownerships"] = _("Unknown ownership type.")
        for low, high in (("employees_min", "employees_max"), ("revenue_min", "revenue_max"),
                          ("founded_year_min", "founded_year_max")):
            if getattr(self, low) is not None and getattr(self, high) is not None and getattr(self, low) > getattr(
                    self, high):
                errors[high] = _("The upper bound is below the lower bound.")
        if errors:
            raise ValidationError(errors)


class PolicyScan(models.Model):
    """How often a policy's QR code was opened on a day. No personal data is kept."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="scans")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("QR scans")
        verbose_name_plural = _("QR scans")
        constraints = [models.UniqueConstraint(fields=["policy", "day"], name="policy_scan_per_day")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.day}: {self.count}"


class HandbookSection(models.Model):
    """An editable part of the printed liaison handbook (营商服务联络员指导手册)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), blank=True, help_text=_("Plain text; a blank line starts a new paragraph."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("handbook section")
        verbose_name_plural = _("handbook sections")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class HandbookCatalogue(models.Model):
    """The version of what the printed handbook shows (the policies in force, their categories, the
    handbook's own sections): one row (pk 1) whose revision goes up with every change, so that a stored
    PDF says which version it reflects."""

    revision = models.PositiveIntegerField(_("revision"), default=1)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handbook catalogue version")
        verbose_name_plural = _("handbook catalogue versions")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="handbook_catalogue_single_row")]

    def __str__(self) -> str:
        return f"{self.revision}"


class HandbookDocumentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("handbook status", "Being made")
    READY = "ready", pgettext_lazy("handbook status", "Ready")
    FAILED = "failed", pgettext_lazy("handbook status", "Failed")


class HandbookDocument(models.Model):
    """The handbook's PDF for one revision of the catalogue, rendered by the `handbook_pdf` job and kept in
    the default storage (shared by every app node); the download serves the newest ready one."""

    revision = models.PositiveIntegerField(_("catalogue revision"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HandbookDocumentStatus.choices, default=HandbookDocumentStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="handbook/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("PDF size (bytes)"), default=0)
    policy_count = models.PositiveIntegerField(_("policies"), default=0)
    # The address its QR codes point to: a PDF drawn for another address is out of date.
    qr_base_url = models.CharField(_("QR code address"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("made at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("handbook PDF")
        verbose_name_plural = _("handbook PDFs")
        ordering = ["-revision"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="ready", rendered_at__isnull=False) & ~Q(file="") | ~Q(status="ready"),
                name="handbook_document_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"handbook r{self.revision} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == HandbookDocumentStatus.READY


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Pending")
    INFORMED = "informed", pgettext_lazy("delivery status", "Informed")
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
    DECLINED = "declined", pgettext_lazy("delivery status", "Declined")


class Delivery(models.Model):
    """A no-application benefit to bring to one eligible enterprise, tracked until done."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="deliveries")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="deliveries")
    cadre = models.ForeignKey("liaison.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="deliveries")
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    visit = models.ForeignKey("liaison.Visit", verbose_name=_("visit"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="deliveries")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["policy", "enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="one_delivery_per_policy")]
        indexes = [models.Index(fields=["cadre", "status"])]

    def __str__(self) -> str:
        return f"{self.policy} → {self.enterprise}"


class DeliveryTracking:
    """Statuses that still need the cadre's action."""

    OPEN = (DeliveryStatus.PENDING, DeliveryStatus.INFORMED)
    DONE = (DeliveryStatus.DELIVERED, DeliveryStatus.DECLINED)


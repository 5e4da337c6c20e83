from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.industries import DIVISION_CHOICES, DIVISION_LABELS, DIVISIONS, SECTION_CHOICES, SECTION_LABELS
from enterprises.validators import validate_credit_code
from liaison.choices import QuickChoiceLabels


class Ownership(models.TextChoices):
    STATE = "state", _("State-owned")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private")
    JOINT_STOCK = "joint_stock", _("Joint-stock")
    FOREIGN = "foreign", _("Foreign-invested")
    HMT = "hmt", _("Hong Kong, Macao or Taiwan-invested")
    OTHER = "other", _("Other")


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    CLOSED = "closed", _("Closed")


class Enterprise(QuickChoiceLabels, models.Model):
    """An enterprise served by the campaign, identified by its unified social credit code."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    industry_section = models.CharField(_("industry section"), max_length=1, choices=SECTION_CHOICES)
    industry_division = models.CharField(_("industry division"), max_length=2, choices=DIVISION_CHOICES, blank=True)
    above_scale = models.BooleanField(_("above designated size"), default=False)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, default=Ownership.PRIVATE)
    high_tech = models.BooleanField(_("high-tech enterprise"), default=False)
    street = models.ForeignKey(
        "liaison.Unit",
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        limit_choices_to={"kind": "street"},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(annual_revenue__gte=0), name="enterprise_revenue_not_negative"),
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NP-RTUWXY]{18}$"), name="enterprise_credit_code_format"
            ),
        ]
        indexes = [
            models.Index(fields=["industry_section", "industry_division"]),
            models.Index(fields=["street", "above_scale"]),
            # The lists' order: a page is read off this index instead of sorting every enterprise.
            models.Index(fields=["name", "id"], name="enterprise_list_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprise-detail", args=[self.pk])

    # Django's get_FOO_display builds a dict of every choice on each call (97 divisions: most of the time of
    # a page of 50 enterprises in the API); these read dicts built once, with the same answers.
    def get_industry_section_display(self) -> str:
        return SECTION_LABELS.get(self.industry_section, self.industry_section)

    def get_industry_division_display(self) -> str:
        return DIVISION_LABELS.get(self.industry_division, self.industry_division)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.credit_code = (self.credit_code or "").strip().upper()
        if self.industry_division:
            section = DIVISIONS[self.industry_division][0] if self.industry_division in DIVISIONS else None
            if section and self.industry_section and section != self.industry_section:
                raise ValidationError(
                    {
                        "industry_division": _("Division %(division)s belongs to section %(section)s.")
                        % {"division": self.industry_division, "section": section}
                    }
                )
        if self.street_id and self.street.kind != "street":
            raise ValidationError({"street": _("Choose a street office.")})

"""The policy catalogue's spreadsheet import: one row per policy, identified by its document number
(文号) or its title. Registered with the core's import machinery (liaison/imports.py) from
PoliciesConfig.ready(), so that the core never imports the policies app."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from liaison.imports import (
    NO,
    YES,
    BaseImportResource,
    ChoiceWidget,
    DateWidget,
    TextWidget,
    YesNoWidget,
    _quoted,
    as_text,
    column,
    is_blank,
    register_kind,
)
from policies.models import Policy, PolicyCategory, PolicyStatus

POLICIES = "policies"


class PolicyCategoryWidget(widgets.Widget):
    """A policy category by its name (财税金融支持) or its code; loads the categories once per import."""

    def __init__(self):
        super().__init__()
        self._categories: dict | None = None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if self._categories is None:
            self._categories = {}
            for category in PolicyCategory.objects.all():
                self._categories[category.name] = category
                self._categories[category.code.lower()] = category
        text = as_text(value)
        category = self._categories.get(text) or self._categories.get(text.lower())
        if category is None:
            names = [c.name for key, c in self._categories.items() if key == c.name]
            raise ValueError(
                _("%(value)s is not a policy category: write one of %(names)s.")
                % {"value": _quoted(value), "names": "、".join(names)}
            )
        return category


class PolicyResource(BaseImportResource):
    """Policies, identified by their document number (文号), or by their title when there is none."""

    kind = POLICIES
    template_name = "政策导入模板.xlsx"
    required_columns = ("标题", "类别")
    key_columns = ("标题", "文号")

    title = column("标题", "title", TextWidget())
    doc_number = column("文号", "doc_number", TextWidget())
    issuer = column("发文机关", "issuer", TextWidget())
    category = column("类别", "category", PolicyCategoryWidget())
    summary = column("摘要", "summary", TextWidget())
    full_text = column("全文", "full_text", TextWidget())
    eligibility_text = column("申报条件", "eligibility_text", TextWidget())
    benefit = column("支持内容", "benefit", TextWidget())
    how_to_apply = column("申报方式", "how_to_apply", TextWidget())
    contact = column("联系方式", "contact", TextWidget())
    effective_from = column("生效日期", "effective_from", DateWidget(allow_future=True))
    effective_to = column("失效日期", "effective_to", DateWidget(allow_future=True))
    status = column(
        "状态",
        "status",
        ChoiceWidget(
            PolicyStatus,
            {"草稿": PolicyStatus.DRAFT, "已发布": PolicyStatus.PUBLISHED, "已失效": PolicyStatus.EXPIRED},
            aliases={"发布": PolicyStatus.PUBLISHED, "有效": PolicyStatus.PUBLISHED,
                     "失效": PolicyStatus.EXPIRED, "过期": PolicyStatus.EXPIRED, "已过期": PolicyStatus.EXPIRED},
        ),
    )
    no_application = column("免申即享", "no_application", YesNoWidget())
    direct_delivery = column("直达快享", "direct_delivery", YesNoWidget())
    tags = column("标签", "tags", TextWidget())

    class Meta:
        model = Policy
        fields = (
            "title", "doc_number", "issuer", "category", "summary", "full_text", "eligibility_text", "benefit",
            "how_to_apply", "contact", "effective_from", "effective_to", "status", "no_application",
            "direct_delivery", "tags",
        )
        import_id_fields = ("title",)  # see get_instance: the document number comes first
        clean_model_instances = True
        skip_diff = True
        use_transactions = True

    def get_queryset(self):
        return Policy.objects.select_related("category")

    def _identity(self, row) -> tuple[str, str]:
        doc_number = "" if is_blank(row.get("文号")) else as_text(row.get("文号"))
        title = "" if is_blank(row.get("标题")) else as_text(row.get("标题"))
        return doc_number, title

    def get_instance(self, instance_loader, row):
        doc_number, title = self._identity(row)
        if doc_number:
            matches = self.get_queryset().filter(doc_number=doc_number)
        elif title:
            matches = self.get_queryset().filter(title=title)
        else:
            return None
        found = list(matches[:2])
        if len(found) > 1:
            raise ValidationError(
                _("Several policies have the title %(title)s; add their document number to tell them apart.")
                % {"title": _quoted(title)}
                if not doc_number
                else _("Several policies have the document number %(number)s.") % {"number": _quoted(doc_number)}
            )
        return found[0] if found else None

    def row_key(self, row):
        doc_number, title = self._identity(row)
        if doc_number:
            return ("doc", doc_number)
        return ("title", title) if title else None

    def duplicate_message(self, first_line) -> str:
        return _("The same policy (document number, or title without one) is already on line %(line)s.") % {
            "line": first_line
        }

    def check_row(self, instance, row, errors: dict) -> None:
        super().check_row(instance, row, errors)
        if instance.category_id is None and "category" not in errors:
            errors["category"] = [ValidationError(_("Give the policy's category."))]
        start, end = instance.effective_from, instance.effective_to
        if start and end and end < start and "effective_to" not in errors:
            errors["effective_to"] = [
                ValidationError(_("The end date %(end)s is before the start date %(start)s.")
                                % {"end": end.isoformat(), "start": start.isoformat()})
            ]

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance.title = (instance.title or "").strip()
        # The rules of services.policy_save: a past end date expires it, publishing stamps the time.
        if instance.status == PolicyStatus.PUBLISHED and instance.effective_to and instance.effective_to < (
            timezone.localdate()
        ):
            instance.status = PolicyStatus.EXPIRED
        if instance.status == PolicyStatus.PUBLISHED and instance.published_at is None:
            instance.published_at = timezone.now()

    @staticmethod
    def example_row() -> dict[str, object]:
        category = PolicyCategory.objects.order_by("order", "id").values_list("name", flat=True).first()
        return {
            "标题": "规上工业企业稳增长奖励",
            "文号": "某政发〔2024〕1号",
            "发文机关": "区人民政府",
            "类别": category or "财税金融支持",
            "摘要": "对年度产值增长的规上工业企业给予奖励。",
            "全文": "",
            "申报条件": "规上工业企业，年度产值同比增长10%以上。",
            "支持内容": "按增量给予最高50万元奖励。",
            "申报方式": "免申即享，由区工业和信息化局直接兑现。",
            "联系方式": "区工业和信息化局 0411-00000000",
            "生效日期": date(2024, 1, 1),
            "失效日期": date(2026, 12, 31),
            "状态": "已发布",
            "免申即享": YES,
            "直达快享": NO,
            "标签": "工业, 稳增长",
        }

    @staticmethod
    def column_notes() -> dict[str, str]:
        categories = "、".join(PolicyCategory.objects.order_by("order", "id").values_list("name", flat=True))
        return {
            "标题": _("Title of the measure; identifies it when it has no document number."),
            "文号": _("Document number; identifies the policy: a known number updates it."),
            "发文机关": "",
            "类别": categories,
            "摘要": "",
            "全文": "",
            "申报条件": "",
            "支持内容": "",
            "申报方式": "",
            "联系方式": "",
            "生效日期": _("YYYY-MM-DD."),
            "失效日期": _("YYYY-MM-DD; not before the start date."),
            "状态": "草稿、已发布、已失效",
            "免申即享": _("是 or 否."),
            "直达快享": _("是 or 否."),
            "标签": _("Separated by commas."),
        }


def register() -> None:
    register_kind(POLICIES, gettext_lazy("Policies"), PolicyResource)

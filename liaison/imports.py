"""Import of enterprises, cadres and policies from .xlsx and .csv files, all or nothing.

Reading a file (`read_upload`, `read_file`) is kept apart from importing it (`run_import`): a file
that cannot be read at all is refused with one message; a readable one is checked row by row by the
django-import-export resources below, inside one transaction that is rolled back on a dry run or as
soon as any row has an error.

The Chinese column headers and the 是/否 values are the file format, not interface text, so they are
not translated. A blank cell leaves the stored value as it is (a new record gets the model default):
an import adds and corrects data, it never erases it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import tablib
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import NON_FIELD_ERRORS, MultipleObjectsReturned, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import RowResult
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from enterprises.validators import credit_code_error, make_credit_code, normalize_credit_code
from liaison.models import Cadre, Category, Rank, Role, Unit, UnitKind, User

ENTERPRISES = "enterprises"
CADRES = "cadres"
# Kinds the apps above the core add with register_kind() (policies).
KINDS: list[str] = [ENTERPRISES, CADRES]
KIND_LABELS = {
    ENTERPRISES: gettext_lazy("Enterprises"),
    CADRES: gettext_lazy("Cadres"),
}

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A request imports at most this many rows: larger batches belong in several files.
MAX_ROWS = getattr(settings, "IMPORT_MAX_ROWS", 5000)
# A sheet may declare (and hold) at most this many lines and columns: blank lines around the data are
# fine, a sheet declaring a million rows is refused before a single row is read.
MAX_SHEET_ROWS = getattr(settings, "IMPORT_MAX_SHEET_ROWS", MAX_ROWS + 1000)
MAX_COLUMNS = getattr(settings, "IMPORT_MAX_COLUMNS", 200)
# What the .xlsx (a zip) may unpack to in all, and how many cells and shared strings its parts may hold:
# a small file that inflates to gigabytes, or to millions of tiny elements, is refused before openpyxl
# parses it (openpyxl reads every shared string when it opens a workbook: 3 million take 30 s).
MAX_UNPACKED_BYTES = getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
MAX_XML_ELEMENTS = getattr(settings, "IMPORT_MAX_XML_ELEMENTS", 300_000)
_CELL_OR_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|si)[\s/>]")
# The dataset column carrying each row's line number in the file (header = line 1).
LINE_COLUMN = "__line__"

YES, NO = "是", "否"
TRUE_WORDS = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔"}
FALSE_WORDS = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘"}


# --- Cell values --------------------------------------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value) -> str:
    """A cell as text. Excel keeps phone numbers and all-digit codes as numbers: never show 1.38e10."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _quoted(value) -> str:
    return f"“{as_text(value)}”"


# --- Widgets: one per kind of cell, each raising ValueError with a message for the user ----------


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return None if is_blank(value) else as_text(value)

    def export(self, value):
        """The stored value as the file writes it (exports, and the preview's old → new)."""
        return value or None


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("Write 是 or 否, not %(value)s.") % {"value": _quoted(value)})

    def export(self, value):
        return None if value is None else (YES if value else NO)


class ChoiceWidget(widgets.Widget):
    """Accepts a choice's code, its label in the file format, and its label in English or the current language."""

    def __init__(self, choices, file_labels: dict[str, str], aliases: dict[str, str] | None = None):
        super().__init__()
        self.choices = choices
        self.file_labels = file_labels  # label written in files -> code
        self.aliases = aliases or {}

    def lookup(self) -> dict[str, str]:
        table = {}
        with translation.override("en"):
            table.update({str(label).lower(): code for code, label in self.choices.choices})
        table.update({str(label).lower(): code for code, label in self.choices.choices})
        table.update({code.lower(): code for code in self.choices.values})
        table.update({label.lower(): code for label, code in {**self.aliases, **self.file_labels}.items()})
        return table

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        code = self.lookup().get(as_text(value).lower())
        if code is None:
            raise ValueError(
                _("%(value)s is not one of: %(choices)s.")
                % {"value": _quoted(value), "choices": "、".join(self.file_labels)}
            )
        return code

    def export(self, value):
        """A code as its first label in the file format (国有, 处级…)."""
        if not value:
            return None
        for label, code in self.file_labels.items():
            if code == value:
                return label
        return value


class SectionWidget(widgets.Widget):
    """An industry section: its letter (C), its name (制造业) or both (C 制造业)."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = as_text(value)
        letter = text[:1].upper()
        if letter in SECTIONS and text[1:].strip() in ("", SECTIONS[letter]):
            return letter
        for code, name in SECTIONS.items():
            if text == name:
                return code
        raise ValueError(
            _("%(value)s is not an industry section: write its letter from A to T, for example C for manufacturing.")
            % {"value": _quoted(value)}
        )

    def export(self, value):
        return value or None


class DivisionWidget(widgets.Widget):
    """An industry division: its two digits (39, or 9 for 09), optionally followed by its name."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        match = re.match(r"^(\d{1,2})(?!\d)", as_text(value))
        code = match.group(1).zfill(2) if match else None
        if code not in DIVISIONS:
            raise ValueError(
                _("%(value)s is not an industry division: write its two digits, for example 39.")
                % {"value": _quoted(value)}
            )
        return code

    def export(self, value):
        return value or None


class CreditCodeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        code = normalize_credit_code(as_text(value))
        error = credit_code_error(code)
        if error:
            raise ValueError(str(error))
        return code

    def export(self, value):
        return value or None


class DateWidget(widgets.Widget):
    """YYYY-MM-DD and its usual variants, or a date cell of Excel (also its serial number)."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
    EXCEL_EPOCH = date(1899, 12, 30)

    def __init__(self, *, allow_future: bool = False):
        super().__init__()
        self.allow_future = allow_future

    def parse(self, value) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if 19000101 <= value <= 29991231 and float(value).is_integer():
                value = str(int(value))  # 20150601 typed as a number
            elif 1 <= value < 2958466:
                return self.EXCEL_EPOCH + timedelta(days=int(value))
        text = as_text(value).split(" ")[0].split("T")[0]
        for fmt in self.FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        return None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        parsed = self.parse(value)
        if parsed is None:
            raise ValueError(_("%(value)s is not a date: write it as YYYY-MM-DD.") % {"value": _quoted(value)})
        if not self.allow_future and parsed > timezone.localdate():
            raise ValueError(_("%(date)s is in the future.") % {"date": parsed.isoformat()})
        return parsed

    def export(self, value):
        return value


class CountWidget(widgets.Widget):
    """A whole number of zero or more, such as a headcount; 1,200 is accepted."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = as_text(value).replace(",", "").replace("，", "").replace(" ", "")
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(
                _("%(value)s is not a whole number of zero or more.") % {"value": _quoted(value)}
            )
        return int(Decimal(text))

    def export(self, value):
        return value


class AmountWidget(widgets.Widget):
    """An amount of money of zero or more, rounded to two decimals."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = as_text(value).replace(",", "").replace("，", "").replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ValueError(_("%(value)s is not a number.") % {"value": _quoted(value)})
        if amount < 0:
            raise ValueError(_("%(value)s is negative; the amount cannot be.") % {"value": _quoted(value)})
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def export(self, value):
        return value


class UnitNameWidget(widgets.Widget):
    """A unit named exactly as in the portal; loads all units once per import."""

    def __init__(self, *, street: bool = False):
        super().__init__()
        self.street = street
        self._units: dict[str, Unit] | None = None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if self._units is None:
            self._units = {unit.name: unit for unit in Unit.objects.all()}
        name = as_text(value)
        unit = self._units.get(name)
        if self.street:
            if unit is None:
                raise ValueError(_("There is no street office named %(name)s.") % {"name": _quoted(name)})
            if unit.kind != UnitKind.STREET:
                raise ValueError(_("%(name)s is a unit but not a street office.") % {"name": _quoted(name)})
        elif unit is None:
            raise ValueError(_("There is no unit named %(name)s.") % {"name": _quoted(name)})
        return unit

    def export(self, value):
        return value.name if value is not None else None


def column(header: str, attribute: str, widget: widgets.Widget) -> fields.Field:
    # A blank cell yields None, which is not saved: the stored value (or the model default) stays.
    return fields.Field(attribute=attribute, column_name=header, widget=widget, saves_null_values=False)


# --- Resources ------------------------------------------------------------------------------------


class BaseImportResource(resources.ModelResource):
    """Shared rules: readable row errors, duplicates within the file, the importing user on the history."""

    kind: str = ""
    required_columns: tuple[str, ...] = ()
    key_columns: tuple[str, ...] = ()  # shown in the preview even on a phone

    def __init__(self, *, acting_user: User | None = None, **kwargs):
        super().__init__(**kwargs)
        self.acting_user = acting_user
        self.seen_keys: dict = {}
        self.seen_usernames: dict[str, int] = {}
        # line -> the cells an update row changes, for the preview's old → new
        self.row_changes: dict[int, list[CellChange]] = {}

    @classmethod
    def headers(cls) -> list[str]:
        return [f.column_name for f in cls().get_import_fields()]

    def column_of(self, attribute: str) -> str | None:
        for resource_field in self.fields.values():
            if resource_field.attribute == attribute:
                return resource_field.column_name
        return None

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # an unreadable key cell: import_instance reports it on its column
        except MultipleObjectsReturned as exc:
            raise ValidationError(self.ambiguous_message(row)) from exc

    def ambiguous_message(self, row) -> str:
        return _("Several records match this row.")

    def row_key(self, row):
        """What identifies the row's record, to find duplicates within the file; None if unknown."""
        raise NotImplementedError

    # --- The record as the file writes it: exports, and what an update changes ------------------

    def file_value(self, resource_field, instance):
        """One column of `instance` as the file writes it, so that an exported file imports back unchanged."""
        value = getattr(instance, resource_field.attribute, None)
        export = getattr(resource_field.widget, "export", None)
        if export is not None:
            return export(value)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, date | int | float | Decimal):
            return value
        return str(value)

    def file_values(self, instance, headers=None) -> dict[str, object]:
        """`instance` as a row of the file: {header: value}, for the given headers or all of them."""
        return {
            resource_field.column_name: self.file_value(resource_field, instance)
            for resource_field in self.get_import_fields()
            if headers is None or resource_field.column_name in headers
        }

    def import_instance(self, instance, row, **kwargs):
        headers = [header for header in row if header != LINE_COLUMN]
        before = self.file_values(instance, headers) if instance.pk else None
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_row(instance, row, errors)
        if before is not None:
            after = self.file_values(instance, headers)
            self.row_changes[row.get(LINE_COLUMN)] = [
                CellChange(column=header, old=_display(before[header]), new=_display(after[header]))
                for header in headers
                if _display(before[header]) != _display(after[header])
            ]
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors: dict) -> None:
        key = self.row_key(row)
        if key is None:
            return
        first_line = self.seen_keys.setdefault(key, row.get(LINE_COLUMN))
        if first_line != row.get(LINE_COLUMN):
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                ValidationError(self.duplicate_message(first_line))
            )

    def duplicate_message(self, first_line) -> str:
        raise NotImplementedError

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.acting_user

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence here; ids come from the sequence already, and a
        # reset could hand out ids that a concurrent transaction has taken.
        return None


class EnterpriseResource(BaseImportResource):
    """Enterprises, identified by their unified social credit code: a known code updates that enterprise."""

    kind = ENTERPRISES
    required_columns = ("企业名称", "统一社会信用代码", "行业门类")
    key_columns = ("企业名称", "统一社会信用代码")

    name = column("企业名称", "name", TextWidget())
    credit_code = column("统一社会信用代码", "credit_code", CreditCodeWidget())
    industry_section = column("行业门类", "industry_section", SectionWidget())
    industry_division = column("行业大类", "industry_division", DivisionWidget())
    above_scale = column("规上企业", "above_scale", YesNoWidget())
    ownership = column(
        "登记注册类型",
        "ownership",
        ChoiceWidget(
            Ownership,
            {
                "国有": Ownership.STATE,
                "集体": Ownership.COLLECTIVE,
                "私营": Ownership.PRIVATE,
                "股份制": Ownership.JOINT_STOCK,
                "外商投资": Ownership.FOREIGN,
                "港澳台投资": Ownership.HMT,
                "其他": Ownership.OTHER,
            },
            aliases={"国有企业": Ownership.STATE, "集体企业": Ownership.COLLECTIVE, "私营企业": Ownership.PRIVATE,
                     "民营": Ownership.PRIVATE, "股份有限公司": Ownership.JOINT_STOCK, "外资": Ownership.FOREIGN,
                     "港澳台": Ownership.HMT},
        ),
    )
    high_tech = column("高新技术企业", "high_tech", YesNoWidget())
    street = column("所在街道", "street", UnitNameWidget(street=True))
    address = column("地址", "address", TextWidget())
    legal_representative = column("法定代表人", "legal_representative", TextWidget())
    contact_name = column("联系人", "contact_name", TextWidget())
    contact_phone = column("联系电话", "contact_phone", TextWidget())
    employees = column("从业人数", "employees", CountWidget())
    annual_revenue = column("年营业收入（万元）", "annual_revenue", AmountWidget())
    founded_on = column("成立日期", "founded_on", DateWidget())
    status = column(
        "经营状态",
        "status",
        ChoiceWidget(
            EnterpriseStatus,
            {"在营": EnterpriseStatus.OPERATING, "注销": EnterpriseStatus.CLOSED},
            aliases={"存续": EnterpriseStatus.OPERATING, "开业": EnterpriseStatus.OPERATING,
                     "吊销": EnterpriseStatus.CLOSED, "已注销": EnterpriseStatus.CLOSED},
        ),
    )

    class Meta:
        model = Enterprise
        fields = (
            "name", "credit_code", "industry_section", "industry_division", "above_scale", "ownership", "high_tech",
            "street", "address", "legal_representative", "contact_name", "contact_phone", "employees",
            "annual_revenue", "founded_on", "status",
        )
        import_id_fields = ("credit_code",)
        clean_model_instances = True
        skip_diff = True
        use_transactions = True

    def get_queryset(self):
        return Enterprise.objects.select_related("street")

    def row_key(self, row):
        code = normalize_credit_code(as_text(row.get("统一社会信用代码") or ""))
        return code or None

    def duplicate_message(self, first_line) -> str:
        return _("The same credit code is already on line %(line)s of this file.") % {"line": first_line}


class CadreResource(BaseImportResource):
    """Cadres, identified by name and unit: a cadre of that name in that unit is updated.

    登录名 links the cadre to a login, creating it (role cadre, no usable password) when needed.
    """

    kind = CADRES
    required_columns = ("姓名", "单位")
    key_columns = ("姓名", "单位")
    username_validator = UnicodeUsernameValidator()

    name = column("姓名", "name", TextWidget())
    unit = column("单位", "unit", UnitNameWidget())
    rank = column(
        "职级",
        "rank",
        ChoiceWidget(
            Rank,
            {"区级领导": Rank.DISTRICT, "处级": Rank.DIVISION, "科级": Rank.SECTION, "其他": Rank.OTHER},
            aliases={"区级": Rank.DISTRICT, "区级领导干部": Rank.DISTRICT, "县级以上领导干部": Rank.DISTRICT,
                     "处级干部": Rank.DIVISION, "科级干部": Rank.SECTION},
        ),
    )
    category = column(
        "专业类别",
        "category",
        ChoiceWidget(
            Category,
            {
                "经济金融": Category.ECONOMY,
                "工业科技": Category.INDUSTRY,
                "规划建设": Category.CONSTRUCTION,
                "商贸流通": Category.COMMERCE,
                "法治和市场监管": Category.LAW,
                "文化旅游": Category.CULTURE,
                "社会事业": Category.SOCIAL,
                "党政综合": Category.ADMINISTRATION,
            },
            aliases={"经济": Category.ECONOMY, "金融": Category.ECONOMY, "工业": Category.INDUSTRY,
                     "科技": Category.INDUSTRY, "城建": Category.CONSTRUCTION, "商贸": Category.COMMERCE,
                     "商务": Category.COMMERCE, "市场监管": Category.LAW, "政法": Category.LAW,
                     "文旅": Category.CULTURE, "社会": Category.SOCIAL, "党政": Category.ADMINISTRATION},
        ),
    )
    position = column("职务", "position", TextWidget())
    phone = column("电话", "phone", TextWidget())
    # Read by check_row, not assigned by the widget: a new login is created only when the row is saved.
    login = fields.Field(attribute="user", column_name="登录名", widget=TextWidget(), readonly=True)
    active = column("在职", "active", YesNoWidget())

    class Meta:
        model = Cadre
        fields = ("name", "unit", "rank", "category", "position", "phone", "login", "active")
        import_id_fields = ("name", "unit")
        clean_model_instances = True
        skip_diff = True
        use_transactions = True

    def get_queryset(self):
        return Cadre.objects.select_related("unit", "user")

    def ambiguous_message(self, row) -> str:
        return _("Several cadres named %(name)s work in %(unit)s; change them one by one in the portal.") % {
            "name": _quoted(row.get("姓名")),
            "unit": _quoted(row.get("单位")),
        }

    def row_key(self, row):
        name, unit = as_text(row.get("姓名") or ""), as_text(row.get("单位") or "")
        return (name, unit) if name and unit else None

    def duplicate_message(self, first_line) -> str:
        return _("The same cadre (name and unit) is already on line %(line)s of this file.") % {"line": first_line}

    def check_row(self, instance, row, errors: dict) -> None:
        super().check_row(instance, row, errors)
        instance._new_username = None
        username = "" if is_blank(row.get("登录名")) else as_text(row.get("登录名"))
        if not username:
            return
        problem = None
        if username in self.seen_usernames:
            problem = _("The login %(username)s is already on line %(line)s of this file.") % {
                "username": _quoted(username),
                "line": self.seen_usernames[username],
            }
        else:
            self.seen_usernames[username] = row.get(LINE_COLUMN)
            try:
                self.username_validator(username)
                if len(username) > 150:
                    raise ValidationError(_("A login has at most 150 characters."))
            except ValidationError as exc:
                problem = " ".join(exc.messages)
        if problem is None:
            user = User.objects.filter(username=username).first()
            owner = Cadre.objects.filter(user=user).first() if user is not None else None
            if owner is not None and owner.pk != instance.pk:
                problem = _("The login %(username)s already belongs to %(cadre)s.") % {
                    "username": _quoted(username),
                    "cadre": owner,
                }
            elif user is not None:
                instance.user = user
            else:
                instance._new_username = username
        if problem:
            errors.setdefault("user", []).append(ValidationError(problem))

    def file_value(self, resource_field, instance):
        if resource_field.column_name == "登录名":
            new_username = getattr(instance, "_new_username", None)
            if new_username:
                return new_username
            return instance.user.username if instance.user_id else None
        return super().file_value(resource_field, instance)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if getattr(instance, "_new_username", None):
            user = User(username=instance._new_username, role=Role.CADRE)
            user.set_unusable_password()
            user.save()
            instance.user = user


RESOURCES: dict[str, type[BaseImportResource]] = {
    ENTERPRISES: EnterpriseResource,
    CADRES: CadreResource,
}


def register_kind(kind: str, label, resource: type[BaseImportResource]) -> None:
    """An app above the core adds what it imports (policies/imports.py, from its AppConfig.ready()).
    The resource gives `template_name`, `example_row()` and `column_notes()` for its template."""
    if kind not in KINDS:
        KINDS.append(kind)
    KIND_LABELS[kind] = label
    RESOURCES[kind] = resource


# --- Reading a file -------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    """The readable content of an uploaded file: known columns in file order, and non-blank rows."""

    kind: str
    name: str
    columns: list[str]
    rows: list[list]
    lines: list[int]
    ignored_columns: list[str] = field(default_factory=list)

    def to_dataset(self) -> tablib.Dataset:
        dataset = tablib.Dataset(headers=[*self.columns, LINE_COLUMN])
        for line, row in zip(self.lines, self.rows, strict=True):
            dataset.append([*row, line])
        return dataset


def _normalise_header(value) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").strip("*＊")
    return text


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _too_large_sheet(rows: int, columns: int) -> ValidationError:
    return _file_error(
        _("The worksheet declares %(rows)s rows and %(columns)s columns; at most %(max_rows)s rows and "
          "%(max_columns)s columns can be imported. Delete the empty rows and columns or split the file.")
        % {"rows": rows, "columns": columns, "max_rows": MAX_SHEET_ROWS, "max_columns": MAX_COLUMNS},
        "import_dimension",
    )


def _check_xlsx_package(data: bytes) -> None:
    """Refuse a workbook that would unpack to too much, before openpyxl reads any of it."""
    import zipfile

    damaged = _("The Excel workbook could not be read; it may be damaged.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > MAX_UNPACKED_BYTES:
                raise _file_error(
                    _("The workbook unpacks to %(size)s; the limit is %(limit)s.")
                    % {"size": filesizeformat(unpacked), "limit": filesizeformat(MAX_UNPACKED_BYTES)},
                    "import_size",
                )
            elements = 0
            for info in infos:
                if info.filename.lower().endswith(".xml"):
                    elements += _count_elements(archive, info, limit=MAX_XML_ELEMENTS - elements)
                if elements > MAX_XML_ELEMENTS:
                    raise _too_many_cells()
    except ValidationError:
        raise
    except Exception as exc:  # a broken zip (or a part that does not inflate) surfaces as many kinds of errors
        raise _file_error(damaged, "import_corrupt") from exc


def _too_many_cells() -> ValidationError:
    return _file_error(
        _("The workbook holds more than %(limit)s cells and texts; at most %(rows)s rows can be imported. "
          "Delete the empty rows and columns or split the file.") % {"limit": MAX_XML_ELEMENTS, "rows": MAX_ROWS},
        "import_dimension",
    )


def _count_elements(archive, info, *, limit: int) -> int:
    """Cells (<c>) and shared strings (<si>) in one part, read in chunks; stops counting past `limit`."""
    count, tail = 0, b""
    with archive.open(info) as part:
        while chunk := part.read(1 << 20):
            block = tail + chunk
            # The last bytes go with the next chunk, so that a tag cut in two is still counted, once.
            cut = max(len(block) - 64, 0)
            count += sum(1 for match in _CELL_OR_STRING.finditer(block) if match.start() < cut)
            tail = block[cut:]
            if count > limit:
                return count
    return count + len(_CELL_OR_STRING.findall(tail))


def _xlsx_rows(data: bytes):
    if not data.startswith(b"PK\x03\x04"):
        raise _file_error(_("The file is not a real Excel (.xlsx) workbook."), "import_corrupt")
    _check_xlsx_package(data)
    damaged = _("The Excel workbook could not be read; it may be damaged.")
    try:
        # Read-only mode reads no cells yet, only the sheet's declared dimension.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip or XML surfaces as many kinds of errors
        raise _file_error(damaged, "import_corrupt") from exc
    try:
        sheet = workbook.worksheets[0]
        try:
            declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        except Exception as exc:
            raise _file_error(damaged, "import_corrupt") from exc
        if declared_rows > MAX_SHEET_ROWS or declared_columns > MAX_COLUMNS:
            raise _too_large_sheet(declared_rows, declared_columns)
        # A sheet with no (or a false) dimension is still read within the caps: openpyxl pads rows to
        # these bounds, never to the sheet's last cell; one line past the cap tells that there is more.
        try:
            for line, row in enumerate(
                sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS, values_only=True), 1
            ):
                if line > MAX_SHEET_ROWS:
                    raise _too_large_sheet(line, MAX_COLUMNS)
                yield row
        except ValidationError:
            raise
        except Exception as exc:
            raise _file_error(damaged, "import_corrupt") from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    if b"\x00" in data[:4096]:
        raise _file_error(_("The file is not a CSV text file."), "import_corrupt")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(
            _("The text encoding of the CSV file was not recognised; save it as “CSV UTF-8”."), "import_encoding"
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _file_error(_("The CSV file could not be read: %(error)s") % {"error": exc}, "import_corrupt") from exc


def read_file(*, name: str, data: bytes, kind: str) -> ParsedFile:
    """Parse an .xlsx or .csv file for `kind`; raises ValidationError saying why a file is refused."""
    if kind not in RESOURCES:
        raise _file_error(_("Unknown kind of import."), "import_kind")
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise _file_error(
            _("%(name)s cannot be imported: only Excel (.xlsx) and CSV (.csv) files can. "
              "Save an old .xls workbook as .xlsx first.") % {"name": _quoted(os.path.basename(name or ""))},
            "import_type",
        )
    if not data:
        raise _file_error(_("The file is empty."), "import_empty")
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _file_error(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(limit)},
            "import_size",
        )
    raw_rows = _xlsx_rows(data) if extension == ".xlsx" else _csv_rows(data)
    try:
        return _parse_rows(raw_rows, kind=kind, name=name)
    finally:
        raw_rows.close()


def _parse_rows(raw_rows, *, kind: str, name: str) -> ParsedFile:
    resource_class = RESOURCES[kind]
    known = {header: header for header in resource_class.headers()}
    known.update({_normalise_header(header): header for header in resource_class.headers()})
    header_row = None
    columns: list[str] = []
    positions: list[int] = []
    ignored: list[str] = []
    rows: list[list] = []
    lines: list[int] = []
    for line, raw in enumerate(raw_rows, 1):
        cells = list(raw or ())
        if len(cells) > MAX_COLUMNS:
            if any(not is_blank(cell) for cell in cells[MAX_COLUMNS:]):
                raise _too_large_sheet(line, len(cells))
            cells = cells[:MAX_COLUMNS]
        if header_row is None:
            if all(is_blank(cell) for cell in cells):
                continue  # blank lines above the header
            header_row = line
            for position, cell in enumerate(cells):
                header = known.get(_normalise_header(cell))
                if header is None:
                    if not is_blank(cell):
                        ignored.append(as_text(cell))
                elif header in columns:
                    raise _file_error(
                        _("The column %(column)s appears twice.") % {"column": _quoted(header)}, "import_columns"
                    )
                else:
                    columns.append(header)
                    positions.append(position)
            missing = [header for header in resource_class.required_columns if header not in columns]
            if missing:
                raise _file_error(
                    _("The file lacks the required columns: %(columns)s. Use the template's first row as the header.")
                    % {"columns": "、".join(missing)},
                    "import_columns",
                )
            continue
        values = [cells[position] if position < len(cells) else None for position in positions]
        if all(is_blank(value) for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(limit)d rows; split it into several files.") % {"limit": MAX_ROWS},
                "import_rows",
            )
        rows.append([value.strip() if isinstance(value, str) else value for value in values])
        lines.append(line)
    if header_row is None:
        raise _file_error(_("The file is empty."), "import_empty")
    if not rows:
        raise _file_error(_("The file has a header but no data rows."), "import_empty")
    return ParsedFile(kind=kind, name=os.path.basename(name), columns=columns, rows=rows, lines=lines,
                      ignored_columns=ignored)


def read_upload(upload, *, kind: str) -> ParsedFile:
    """Parse an uploaded file, refusing an oversized one before reading it into memory."""
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _file_error(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            "import_size",
        )
    upload.seek(0)
    return read_file(name=upload.name or "", data=upload.read(), kind=kind)


# --- Running an import ----------------------------------------------------------------------------


@dataclass
class CellChange:
    column: str
    old: str
    new: str


@dataclass
class RowReport:
    line: int
    action: str  # "new", "update" or "error"
    errors: list[str]
    values: list[str]
    changes: list[CellChange] = field(default_factory=list)  # an update's changed cells, old → new

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def unchanged(self) -> bool:
        """An update row whose every cell is already what is stored."""
        return self.action == "update" and not self.changes


@dataclass
class ImportReport:
    kind: str
    file_name: str
    columns: list[str]
    key_columns: list[str]
    rows: list[RowReport]
    errors: list[str]  # problems not tied to a row
    ignored_columns: list[str]
    dry_run: bool
    imported: bool

    @property
    def totals(self) -> dict[str, int]:
        totals = {"new": 0, "update": 0, "error": 0}
        for row in self.rows:
            totals[row.action] += 1
        return totals

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def unchanged(self) -> int:
        """Update rows that change nothing (an exported file imported back has only these)."""
        return sum(1 for row in self.rows if row.unchanged)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "imported": self.imported,
            "totals": self.totals,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "ignored_columns": self.ignored_columns,
            "rows": [
                {
                    "line": row.line,
                    "action": row.action,
                    "errors": row.errors,
                    "changes": [{"column": c.column, "old": c.old, "new": c.new} for c in row.changes],
                }
                for row in self.rows
            ],
        }


def _row_errors(resource: BaseImportResource, row_result: RowResult) -> list[str]:
    messages = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for attribute, texts in error.message_dict.items():
                if attribute == NON_FIELD_ERRORS:
                    header = None
                else:
                    header = resource.column_of(attribute)
                    if header is None:
                        header = str(resource._meta.model._meta.get_field(attribute).verbose_name)
                messages.extend(f"{header}：{text}" if header else text for text in texts)
        else:
            messages.extend(error.messages)
    for error in row_result.errors:
        messages.append(_("The row could not be saved: %(error)s") % {"error": error.error})
    return messages


def _display(value) -> str:
    return "" if is_blank(value) else as_text(value)


def run_import(*, kind: str, parsed: ParsedFile, acting_user: User, dry_run: bool) -> ImportReport:
    """Check every row and, unless it is a dry run or any row fails, save them all in one transaction."""
    resource = RESOURCES[kind](acting_user=acting_user)
    result = resource.import_data(
        parsed.to_dataset(),
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    rows = []
    for line, values, row_result in zip(parsed.lines, parsed.rows, result.rows, strict=False):
        errors = _row_errors(resource, row_result)
        if errors or not row_result.is_valid():
            action = "error"
        else:
            action = "update" if row_result.is_update() else "new"
        changes = resource.row_changes.get(line, []) if action == "update" else []
        rows.append(
            RowReport(line=line, action=action, errors=errors, values=[_display(v) for v in values], changes=changes)
        )
    base_errors = [str(error.error) for error in result.base_errors]
    failed = bool(base_errors) or any(row.errors for row in rows) or len(rows) != len(parsed.rows)
    return ImportReport(
        kind=kind,
        file_name=parsed.name,
        columns=parsed.columns,
        key_columns=[c for c in RESOURCES[kind].key_columns if c in parsed.columns],
        rows=rows,
        errors=base_errors,
        ignored_columns=parsed.ignored_columns,
        dry_run=dry_run,
        imported=not dry_run and not failed,
    )


# --- Templates to fill in -------------------------------------------------------------------------


def _example_row(kind: str) -> dict[str, object]:
    if kind == ENTERPRISES:
        street = Unit.objects.filter(kind=UnitKind.STREET).order_by("name").values_list("name", flat=True).first()
        return {
            "企业名称": "大连示例科技有限公司",
            "统一社会信用代码": make_credit_code(12345678),
            "行业门类": "C",
            "行业大类": "39",
            "规上企业": YES,
            "登记注册类型": "私营",
            "高新技术企业": YES,
            "所在街道": street or "某某街道",
            "地址": "某某路1号",
            "法定代表人": "张三",
            "联系人": "李四",
            "联系电话": "13800000000",
            "从业人数": 120,
            "年营业收入（万元）": 5000.5,
            "成立日期": date(2015, 6, 1),
            "经营状态": "在营",
        }
    if kind != CADRES:
        return RESOURCES[kind].example_row()
    unit = Unit.objects.exclude(kind=UnitKind.STREET).order_by("name").values_list("name", flat=True).first()
    return {
        "姓名": "王五",
        "单位": unit or "区发展和改革局",
        "职级": "处级",
        "专业类别": "经济金融",
        "职务": "副局长",
        "电话": "13900000000",
        "登录名": "wangwu",
        "在职": YES,
    }


TEXT_COLUMNS = {"统一社会信用代码", "联系电话", "电话", "行业大类", "登录名", "文号", "联系方式"}


def _column_notes(kind: str) -> list[tuple[str, str, str]]:
    """(column, required?, how to fill it) for the template's instructions sheet."""
    required = RESOURCES[kind].required_columns
    yes = _("Required")
    no = _("Optional")
    if kind == ENTERPRISES:
        notes = {
            "企业名称": _("Full registered name."),
            "统一社会信用代码": _("18 characters; identifies the enterprise: a known code updates it."),
            "行业门类": _("Section letter of GB/T 4754, for example C."),
            "行业大类": _("Two-digit division within the section, for example 39."),
            "规上企业": _("是 or 否."),
            "登记注册类型": "、".join(RESOURCES[kind]().fields["ownership"].widget.file_labels),
            "高新技术企业": _("是 or 否."),
            "所在街道": _("Name of a street office exactly as in the portal."),
            "地址": "",
            "法定代表人": "",
            "联系人": "",
            "联系电话": "",
            "从业人数": _("Whole number."),
            "年营业收入（万元）": _("In 10,000 yuan."),
            "成立日期": _("YYYY-MM-DD."),
            "经营状态": "在营、注销",
        }
    elif kind != CADRES:
        notes = RESOURCES[kind].column_notes()
    else:
        resource = RESOURCES[kind]()
        notes = {
            "姓名": _("Name and unit identify the cadre: a known pair updates the cadre."),
            "单位": _("Name of a unit exactly as in the portal."),
            "职级": "、".join(resource.fields["rank"].widget.file_labels),
            "专业类别": "、".join(resource.fields["category"].widget.file_labels),
            "职务": "",
            "电话": "",
            "登录名": _("Optional login; created (without a password) if it does not exist yet."),
            "在职": _("是 or 否; 是 if left blank for a new cadre."),
        }
    return [(header, yes if header in required else no, notes.get(header, "")) for header in notes]


def template_workbook(kind: str) -> bytes:
    """An .xlsx with the header row, one example row and a sheet explaining each column."""
    headers = RESOURCES[kind].headers()
    example = _example_row(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "导入数据"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    sheet.append(headers)
    sheet.append([example.get(header) for header in headers])
    for index, header in enumerate(headers, 1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index)
        head.font = bold
        if header in RESOURCES[kind].required_columns:
            head.fill = required_fill
        sheet.column_dimensions[letter].width = max(12, min(40, len(header) * 2 + 4))
        cell = sheet.cell(row=2, column=index)
        if header in TEXT_COLUMNS:
            cell.number_format = "@"
        elif header in ("成立日期", "生效日期", "失效日期"):
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    yes_no = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    for index, header in enumerate(headers, 1):
        if header in ("规上企业", "高新技术企业", "在职", "免申即享", "直达快享"):
            letter = get_column_letter(index)
            yes_no.add(f"{letter}2:{letter}{MAX_ROWS + 1}")

    notes = workbook.create_sheet("填写说明")
    notes.append([_("Column"), _("Required?"), _("How to fill it in")])
    for cell in notes[1]:
        cell.font = bold
    for row in _column_notes(kind):
        notes.append(list(row))
    notes.append([])
    notes.append([_("Line 2 of the first sheet is an example: replace or delete it before importing.")])
    notes.append([_("A blank cell keeps the value already stored. Nothing is saved if any row has an error.")])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 80
    if kind == ENTERPRISES:
        sections = workbook.create_sheet("行业门类")
        sections.append(["行业门类", "名称", "行业大类"])
        for cell in sections[1]:
            cell.font = bold
        for code, name in SECTIONS.items():
            divisions = "、".join(d for d, (section, _name) in DIVISIONS.items() if section == code)
            sections.append([code, name, divisions])
        sections.column_dimensions["B"].width = 36
        sections.column_dimensions["C"].width = 60
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def template_filename(kind: str) -> str:
    return {ENTERPRISES: "企业导入模板.xlsx", CADRES: "干部导入模板.xlsx"}.get(kind) or RESOURCES[kind].template_name

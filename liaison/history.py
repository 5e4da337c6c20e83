"""Readable change history (who, when, what) from django-simple-history records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# Bookkeeping fields that say nothing to a reader.
SKIPPED_FIELDS = {"updated_at", "created_at"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    kind: str
    label: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _display(record, model_field) -> str:
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        # Only changed relations are shown, so this lookup is rare.
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def history_entries(instance, *, limit: int = 20) -> list[HistoryEntry]:
    """The latest changes to `instance`, newest first, each with its field-by-field differences.

    One query: consecutive records are compared in memory, never through prev_record.
    """
    records = list(
        instance.history.select_related("history_user__cadre").order_by("-history_date", "-history_id")[: limit + 1]
    )
    model_fields = [f for f in instance._meta.concrete_fields if f.name not in SKIPPED_FIELDS and not f.primary_key]
    entries = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if record.history_type == "~" and older is not None:
            for model_field in model_fields:
                if getattr(record, model_field.attname) != getattr(older, model_field.attname):
                    changes.append(
                        Change(
                            field=str(model_field.verbose_name),
                            old=_display(older, model_field),
                            new=_display(record, model_field),
                        )
                    )
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.display_name if user else str(_("System"))),
                kind=record.history_type,
                label=str(KIND_LABELS.get(record.history_type, record.history_type)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries

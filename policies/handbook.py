"""The printed liaison handbook (营商服务联络员指导手册) as a PDF: cover, contents, the editable sections,
then every policy in force by category, each with the QR code of its public page."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from liaison.models import Unit, UnitKind
from policies.models import HandbookSection, Policy
from policies.public_selectors import by_category, policies_in_force
from policies.qr import policy_qr_url, qr_svg

# The handbook's printed name is a title, like a book's: it stays as issued whatever the reader's language.
HANDBOOK_TITLE = "营商服务联络员指导手册"

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs of a plain-text body; single line breaks stay inside a paragraph."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


@dataclass
class HandbookPolicy:
    policy: Policy
    qr_url: str
    qr_data_uri: str


def _qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode("utf-8")).decode("ascii")


def handbook_context() -> dict:
    """Everything the handbook shows, in three queries whatever the number of policies."""
    sections = [(section, paragraphs(section.body)) for section in HandbookSection.objects.all()]
    groups = []
    for category, policies in by_category(policies_in_force()):
        entries = []
        for policy in policies:
            url = policy_qr_url(policy)
            entries.append(HandbookPolicy(policy=policy, qr_url=url, qr_data_uri=_qr_data_uri(url)))
        groups.append((category, entries))
    taskforce = Unit.objects.filter(kind=UnitKind.TASKFORCE).order_by("id").values_list("name", flat=True).first()
    return {
        "title": HANDBOOK_TITLE,
        "sections": sections,
        "groups": groups,
        "policy_count": sum(len(entries) for _category, entries in groups),
        # No setting names the district yet; the cover then shows only the task force.
        "district": getattr(settings, "DISTRICT_NAME", ""),
        "taskforce": taskforce or "",
        "printed_on": timezone.localdate(),
    }


def handbook_html() -> str:
    return render_to_string("policies/handbook/handbook.html", handbook_context())


def handbook_pdf() -> bytes:
    """Render the handbook with WeasyPrint (imported here: it is heavy and only this needs it)."""
    from weasyprint import HTML

    return HTML(string=handbook_html(), base_url=str(settings.BASE_DIR)).write_pdf()

"""Helpers for the API tests: signed-in clients, small uploads, and rows in bulk for query counts."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Role, Unit, UnitKind, User, Visit, VisitAttachment


def _png_bytes() -> bytes:
    """A real 2×2 PNG: attachments are decoded and written again, so signature-only fakes are refused."""
    output = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 40, 40)).save(output, format="PNG")
    return output.getvalue()


PNG_BYTES = _png_bytes()
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_bulk_serial = itertools.count(1)


def client_for(user: User | None) -> APIClient:
    """An API client signed in as `user` (anonymous when None), asking for English messages."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def pdf(name: str = "minutes.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def results(response) -> list[dict]:
    """The rows of a paginated list response."""
    return response.json()["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in results(response)}


@dataclass
class Bulk:
    units: list[Unit]
    cadres: list[Cadre]
    enterprises: list[Enterprise]
    assignments: list[Assignment]
    visits: list[Visit]


def bulk_rows(count: int, *, visit_date: date = date(2024, 3, 5)) -> Bulk:
    """`count` units, each with one cadre (with a login) paired with one enterprise, which has one
    visit carrying two attachments; built with bulk_create so that 200 of them stay fast."""
    batch = next(_bulk_serial)
    street = Unit.objects.create(name=f"批量街道{batch}", kind=UnitKind.STREET)
    units = Unit.objects.bulk_create(
        [Unit(name=f"批量单位{batch}-{i}", kind=UnitKind.DEPARTMENT, parent=street) for i in range(count)]
    )
    users = User.objects.bulk_create([User(username=f"bulk{batch}-{i}", role=Role.CADRE) for i in range(count)])
    cadres = Cadre.objects.bulk_create(
        [Cadre(name=f"批量干部{i}", unit=units[i], user=users[i]) for i in range(count)]
    )
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"批量企业{batch}-{i}有限公司",
                credit_code=make_credit_code(70_000_000 + batch * 1000 + i),
                industry_section="C",
                industry_division="39",
                above_scale=True,
                street=street,
            )
            for i in range(count)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(cadre=cadre, enterprise=enterprise, started_on=date(2024, 1, 1), reason="批量结对")
            for cadre, enterprise in zip(cadres, enterprises, strict=True)
        ]
    )
    visits = Visit.objects.bulk_create(
        [
            Visit(
                cadre=a.cadre, enterprise=a.enterprise, assignment=a, date=visit_date, summary="了解生产经营情况"
            )
            for a in assignments
        ]
    )
    VisitAttachment.objects.bulk_create(
        [
            VisitAttachment(
                visit=visit, file=f"visits/{visit.pk}/{name}", name=name, size=1024, content_type=content_type
            )
            for visit in visits
            for name, content_type in (("photo.png", "image/png"), ("minutes.pdf", "application/pdf"))
        ]
    )
    return Bulk(units=units, cadres=cadres, enterprises=enterprises, assignments=assignments, visits=visits)

"""Hostile uploads are refused at once or made harmless, with a Chinese message, in forms and API alike,
and nothing is half-saved: a sheet declaring a million rows, a PNG carrying a script after its end, a
photo's EXIF, a decompression bomb, a PDF that runs JavaScript."""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from enterprises.models import Enterprise
from liaison import imports
from liaison.models import Visit, VisitAttachment
from liaison.uploads import validate_attachment
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

PHP = b"<?php system($_GET['c']); ?>"


# --- Building the files ---------------------------------------------------------------------------


def xlsx_with_sheet(rewrite) -> bytes:
    """A real one-cell workbook whose sheet XML is passed through `rewrite`."""
    workbook = Workbook()
    workbook.active.append(imports.RESOURCES[imports.ENTERPRISES].headers())
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                changed = rewrite(data.decode())
                assert changed != data.decode()
                data = changed.encode()
            zf.writestr(item, data)
    return out.getvalue()


def declared_huge() -> bytes:
    """About 1 KB saying the sheet spans A1:XFD1048576 (16,384 columns × 1,048,576 rows)."""
    return xlsx_with_sheet(lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml))


def undeclared_far_cell() -> bytes:
    """No dimension at all, and one cell in the sheet's very last row and column."""
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return xlsx_with_sheet(
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml).replace("</sheetData>", far)
    )


def shared_strings_bomb(count: int = 3_000_000) -> bytes:
    """About 130 KB whose shared-strings part holds three million tiny texts (51 MB unpacked)."""
    def rewrite(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.'
                                b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                b"</Relationships>")
        return data

    workbook = Workbook()
    workbook.active.append(imports.RESOURCES[imports.ENTERPRISES].headers())
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            zf.writestr(item, rewrite(item.filename, source.read(item.filename)))
        strings = b"<si><t>a</t></si>" * count
        zf.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    + strings + b"</sst>")
    return out.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (30.0, 15.0, 0.0), 4: (120.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb() -> bytes:
    """A 60000 × 60000 greyscale PNG (3.6 gigapixels) in about 100 KB: only its first rows are written."""
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (60001 * 1700), 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_open_action(JavaScript("app.alert('pwned');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_page_action() -> bytes:
    """A page whose additional action (/AA) runs a script, the name written with an escape."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PLAIN_PDF_OPEN_ACTION = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def visit_form(files) -> dict:
    return {"date": timezone.localdate().isoformat(), "method": "on_site", "summary": "走访", "files": files}


# --- Spreadsheets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [declared_huge, undeclared_far_cell])
def test_a_sheet_declaring_a_million_rows_is_refused_at_once(build):
    # given a tiny workbook that claims (or reaches) the sheet's last row and column
    data = build()
    assert len(data) < 8192
    # when it is read
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        imports.read_file(name="bomb.xlsx", data=data, kind=imports.ENTERPRISES)
    # then it is refused in well under a second, saying why
    assert time.monotonic() - started < 1.0
    assert refused.value.code == "import_dimension"


def test_a_workbook_of_millions_of_tiny_texts_is_refused_before_openpyxl_parses_them():
    # given 130 KB that unpack to three million shared strings (openpyxl takes 30 s to open it)
    data = shared_strings_bomb()
    assert len(data) < 200_000
    # when it is read
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        imports.read_file(name="strings.xlsx", data=data, kind=imports.ENTERPRISES)
    # then it is refused within a second
    assert time.monotonic() - started < 1.0
    assert refused.value.code == "import_dimension"


def test_a_full_five_thousand_row_workbook_is_still_read():
    # given the largest file an import takes: 5,000 rows under the template's 16 columns
    headers = imports.RESOURCES[imports.ENTERPRISES].headers()
    workbook = Workbook()
    workbook.active.append(headers)
    for row in range(imports.MAX_ROWS):
        workbook.active.append([f"企业{row}-{column}" for column in range(len(headers))])
    data = io.BytesIO()
    workbook.save(data)
    # when it is read, then all its rows are there
    parsed = imports.read_file(name="big.xlsx", data=data.getvalue(), kind=imports.ENTERPRISES)
    assert len(parsed.rows) == imports.MAX_ROWS


def test_the_sheet_bomb_is_refused_on_the_page_and_by_the_api_in_chinese(client, taskforce_user):
    # given task-force staff with the page and the API (both in Chinese)
    client.force_login(taskforce_user)
    api = client_for(taskforce_user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    upload = lambda: SimpleUploadedFile("bomb.xlsx", declared_huge())  # noqa: E731
    # when each is sent the bomb
    page = client.post(
        reverse("import-start"), {"kind": "enterprises", "file": upload()}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    response = api.post("/api/v1/imports/enterprises/", {"file": upload()}, format="multipart")
    # then both refuse it with the same message and nothing is imported
    assert page.status_code == 200 and "1048576" in " ".join(page.context["form"].errors["file"])
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "1048576" in message and "行" in message
    assert not Enterprise.objects.exists()


# --- Images ---------------------------------------------------------------------------------------


def test_a_png_with_a_script_appended_is_stored_as_the_picture_alone(client, pairing):
    # given a real PNG with PHP after its IEND chunk
    hostile = png_bytes() + PHP
    client.force_login(pairing.cadre.user)
    # when the cadre attaches it to a visit
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]), visit_form([SimpleUploadedFile("site.png", hostile)])
    )
    # then the visit is saved with a re-encoded PNG: the same picture, no script, the stored size
    assert response.status_code == 302
    attachment = VisitAttachment.objects.get()
    stored = attachment.file.read()
    assert PHP not in stored and b"<?php" not in stored
    assert stored.endswith(png_chunk(b"IEND", b""))
    assert attachment.size == len(stored)
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_a_photo_loses_its_exif_and_gps(pairing):
    # given a JPEG carrying a camera name and a GPS position
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_gps())
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif()
    # when it is checked for storage
    validate_attachment(upload)
    # then what would be stored has no EXIF at all
    clean = upload.sanitised_content
    assert not Image.open(io.BytesIO(clean)).getexif()
    assert b"SpyCam" not in clean and b"Exif" not in clean


def test_a_decompression_bomb_png_is_refused_at_once_on_the_page_and_by_the_api(client, pairing):
    # given a 3.6-gigapixel PNG of about 100 KB
    bomb = png_bomb()
    assert len(bomb) < 200_000
    client.force_login(pairing.cadre.user)
    api = client_for(pairing.cadre.user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    # when it is attached to a visit on the page and through the API
    started = time.monotonic()
    page = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        visit_form([SimpleUploadedFile("huge.png", bomb)]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    response = api.post(
        "/api/v1/visits/",
        {"enterprise": pairing.enterprise.pk, **visit_form([SimpleUploadedFile("huge.png", bomb)])},
        format="multipart",
    )
    # then both refuse it quickly, in Chinese, and nothing is saved
    assert time.monotonic() - started < 3.0
    assert page.status_code == 200 and "像素" in page.content.decode()
    assert response.status_code == 400 and "像素" in str(response.json())
    assert not Visit.all_objects.exists() and not VisitAttachment.objects.exists()


# --- PDFs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build", [pdf_with_javascript, pdf_with_page_action, lambda: PLAIN_PDF_OPEN_ACTION], ids=["names", "aa", "plain"]
)
def test_a_pdf_that_runs_javascript_is_refused(build):
    # when a PDF with a document script, a page action or an opening action is checked
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("minutes.pdf", build()))
    # then it is refused as scripted
    assert refused.value.code == "attachment_script"


def test_a_scripted_pdf_refuses_the_whole_visit_in_chinese(pairing):
    # given a cadre's API client in Chinese and a good photo next to a scripted PDF
    api = client_for(pairing.cadre.user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    files = [SimpleUploadedFile("ok.png", png_bytes()), SimpleUploadedFile("evil.pdf", pdf_with_javascript())]
    # when the visit is logged
    response = api.post("/api/v1/visits/", {"enterprise": pairing.enterprise.pk, **visit_form(files)},
                        format="multipart")
    # then nothing is saved and the message names the file
    assert response.status_code == 400
    assert "evil.pdf" in str(response.json()) and "JavaScript" in str(response.json())
    assert not Visit.all_objects.exists() and not VisitAttachment.objects.exists()


def test_an_ordinary_pdf_is_accepted():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    assert validate_attachment(SimpleUploadedFile("minutes.pdf", out.getvalue())) == "application/pdf"


# --- Policy source documents (admin) --------------------------------------------------------------


def test_policy_source_documents_in_the_admin_get_the_same_checks():
    # given a policy and the admin's source-document form
    from policies.admin import PolicyAttachmentForm
    from policies.models import Policy, PolicyAttachment, PolicyCategory

    policy = Policy.objects.create(title="融资担保奖补", category=PolicyCategory.objects.first())
    scripted = PolicyAttachmentForm(data={}, files={"file": SimpleUploadedFile("notice.pdf", pdf_with_javascript())},
                                    instance=PolicyAttachment(policy=policy))
    picture = PolicyAttachmentForm(data={}, files={"file": SimpleUploadedFile("notice.png", png_bytes() + PHP)},
                                   instance=PolicyAttachment(policy=policy))
    # then the scripted PDF is refused, and the picture is stored re-encoded with its name, size and type
    assert not scripted.is_valid() and "JavaScript" in str(scripted.errors["file"])
    assert picture.is_valid(), picture.errors
    stored = picture.save()
    content = stored.file.read()
    assert PHP not in content and stored.size == len(content)
    assert (stored.name, stored.content_type) == ("notice.png", "image/png")

"""Visit attachments through the API: saved with the visit or not at all, and only real files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from liaison.models import Visit, VisitAttachment
from tests import factories
from tests.api_support import PDF_BYTES, client_for, pdf, png

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def cadre_client(pairing):
    return client_for(pairing.cadre.user)


def multipart_visit(enterprise, files) -> dict:
    return {
        "enterprise": enterprise.pk,
        "date": str(timezone.localdate()),
        "method": "on_site",
        "summary": "现场查看新生产线",
        "files": files,
    }


def test_visit_is_saved_with_its_attachments(cadre_client, pairing):
    # when the cadre logs a visit with a photo and a PDF
    response = cadre_client.post(
        f"{API}/visits/", multipart_visit(pairing.enterprise, [png(), pdf()]), format="multipart"
    )
    # then both are stored and listed with name, size, type and a download address
    assert response.status_code == 201, response.content
    attachments = response.json()["attachments"]
    assert [(a["name"], a["size"], a["content_type"]) for a in attachments] == [
        ("photo.png", len(png().read()), "image/png"),
        ("minutes.pdf", len(PDF_BYTES), "application/pdf"),
    ]
    stored = VisitAttachment.objects.order_by("id")
    assert [a["url"] for a in attachments] == [f"http://testserver/visits/attachments/{a.pk}/" for a in stored]
    assert all(a.file.storage.exists(a.file.name) for a in stored)
    assert {a.uploaded_by for a in stored} == {pairing.cadre.user}


@override_settings(VISIT_ATTACHMENT_MAX_BYTES=150)
def test_attachment_over_the_size_limit_refuses_the_whole_visit(cadre_client, pairing):
    # given a size limit of 150 bytes and a 200-byte PDF next to a small photo
    big = pdf("report.pdf", PDF_BYTES + b"%" * (200 - len(PDF_BYTES)))
    small = png()
    # when the cadre logs the visit with both
    response = cadre_client.post(
        f"{API}/visits/", multipart_visit(pairing.enterprise, [small, big]), format="multipart"
    )
    # then it is a 400 naming the file, and neither the visit nor any attachment was saved
    assert response.status_code == 400
    message = " ".join(response.json()["non_field_errors"])
    assert "report.pdf" in message
    assert "limit" in message
    assert not Visit.objects.exists()
    assert not VisitAttachment.objects.exists()


@pytest.mark.parametrize(
    ("upload", "fragment"),
    [
        (SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 60), "not an accepted file type"),
        (SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 this is a program" + b"\x00" * 40), "real pdf"),
        (SimpleUploadedFile("photo.jpg", b"GIF89a" + b"\x00" * 40), "real jpg"),
    ],
    ids=["exe", "pdf-with-other-bytes", "jpg-with-other-bytes"],
)
def test_attachment_of_a_wrong_type_refuses_the_visit(cadre_client, pairing, upload, fragment):
    # when the cadre logs a visit with a file that is not an accepted document or photo
    response = cadre_client.post(f"{API}/visits/", multipart_visit(pairing.enterprise, [upload]), format="multipart")
    # then it is a 400 saying what is wrong, and nothing is saved
    assert response.status_code == 400
    assert fragment in " ".join(response.json()["non_field_errors"])
    assert not Visit.objects.exists()
    assert not VisitAttachment.objects.exists()


def test_cadre_adds_attachments_to_their_visit(cadre_client, pairing):
    # given the cadre's visit with no attachment
    visit = factories.make_visit(assignment=pairing)
    # when they add a photo
    response = cadre_client.post(f"{API}/visits/{visit.pk}/attachments/", {"files": [png()]}, format="multipart")
    # then it is stored on that visit
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["photo.png"]
    assert visit.attachments.count() == 1


def test_adding_a_bad_attachment_keeps_the_visit_unchanged(cadre_client, pairing):
    # given the cadre's visit with one attachment
    visit = factories.make_visit(assignment=pairing)
    cadre_client.post(f"{API}/visits/{visit.pk}/attachments/", {"files": [png()]}, format="multipart")
    fake = SimpleUploadedFile("scan.pdf", b"not a pdf at all" * 4)
    # when they add a good photo and a fake PDF together
    response = cadre_client.post(
        f"{API}/visits/{visit.pk}/attachments/", {"files": [png("second.png"), fake]}, format="multipart"
    )
    # then neither is added
    assert response.status_code == 400
    assert list(visit.attachments.values_list("name", flat=True)) == ["photo.png"]


@override_settings(VISIT_ATTACHMENT_MAX_FILES=2)
def test_attachments_beyond_the_count_limit_are_refused(cadre_client, pairing):
    # given a limit of two attachments per visit and a visit carrying one
    visit = factories.make_visit(assignment=pairing)
    cadre_client.post(f"{API}/visits/{visit.pk}/attachments/", {"files": [png()]}, format="multipart")
    # when two more are added
    response = cadre_client.post(
        f"{API}/visits/{visit.pk}/attachments/", {"files": [png("b.png"), png("c.png")]}, format="multipart"
    )
    # then they are refused
    assert response.status_code == 400
    assert "at most 2" in " ".join(response.json()["non_field_errors"])
    assert visit.attachments.count() == 1


def test_adding_attachments_needs_at_least_one_file(cadre_client, pairing):
    # when the cadre posts no file
    visit = factories.make_visit(assignment=pairing)
    response = cadre_client.post(f"{API}/visits/{visit.pk}/attachments/", {}, format="multipart")
    # then the files field is required
    assert response.status_code == 400
    assert "files" in response.json()


def test_unit_handler_cannot_add_attachments_to_a_visit_of_their_unit(unit_handler, pairing):
    # given a visit by a cadre of the handler's unit
    visit = factories.make_visit(assignment=pairing)
    # when the handler adds a file
    response = client_for(unit_handler).post(
        f"{API}/visits/{visit.pk}/attachments/", {"files": [png()]}, format="multipart"
    )
    # then only the visit's own cadre may
    assert response.status_code == 403
    assert not visit.attachments.exists()


def stored_files(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_a_storage_failure_midway_leaves_no_visit_and_no_file(cadre_client, pairing, monkeypatch, settings):
    # given storage that fails while recording the second attachment
    before = stored_files(settings.MEDIA_ROOT)
    original_save = VisitAttachment.save
    saved = []

    def failing_save(self, *args, **kwargs):
        saved.append(self.name)
        if len(saved) == 2:
            raise OSError("disk full")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(VisitAttachment, "save", failing_save)
    # when the cadre logs a visit with two attachments
    with pytest.raises(OSError):
        cadre_client.post(f"{API}/visits/", multipart_visit(pairing.enterprise, [png(), pdf()]), format="multipart")
    # then the visit, the first attachment and both files are gone
    assert saved == ["photo.png", "minutes.pdf"]
    assert not Visit.objects.exists()
    assert not VisitAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == before

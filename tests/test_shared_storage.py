"""Several app nodes: uploaded files kept in an S3-compatible bucket (FILE_STORAGE=s3) are stored,
served through the permission-checked view and removed with a failed upload, as on the local disk.

The bucket is a real S3-compatible server on this machine (moto's server mode), spoken to over HTTP.
"""

import socket
import subprocess
import sys
import time
from datetime import date

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison import services
from liaison.models import VisitAttachment
from tests import factories
from tests.api_support import png as png_upload

BUCKET = "liaison-files"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")
    for _i in range(100):
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("the S3-compatible test server did not start")
    yield url, client
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_storage(settings, s3_server):
    url, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": url, "access_key": "test", "secret_key": "test",
                        "region_name": "us-east-1", "default_acl": "private", "file_overwrite": False},
        },
    }
    return client


@pytest.mark.django_db
def test_a_visit_photo_goes_to_the_bucket_and_is_served_to_those_who_may_see_it(client, clock, s3_storage):
    # given a cadre logging a visit with a photo, the files kept in the bucket
    clock.set(date(2026, 6, 10))
    pairing = factories.make_assignment(started_on=date(2026, 1, 1))
    visit = services.visit_create(
        acting_user=pairing.cadre.user, enterprise=pairing.enterprise, date=date(2026, 6, 9), method="on_site",
        summary="了解企业生产经营情况", files=[png_upload("现场.png")],
    )
    attachment = VisitAttachment.objects.get(visit=visit)
    # then the object is in the bucket, not on this node's disk
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert attachment.file.name in keys
    # and the cadre downloads it through the portal; another cadre may not
    client.force_login(pairing.cadre.user)
    response = client.get(reverse("visit-attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    client.force_login(factories.make_assignment().cadre.user)
    assert client.get(reverse("visit-attachment", args=[attachment.pk])).status_code == 404


@pytest.mark.django_db
def test_a_refused_upload_leaves_nothing_in_the_bucket(clock, s3_storage):
    # given a visit whose second file is refused
    clock.set(date(2026, 6, 10))
    pairing = factories.make_assignment(started_on=date(2026, 1, 1))
    before = s3_storage.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0)
    with pytest.raises(ValidationError):
        services.visit_create(
            acting_user=pairing.cadre.user, enterprise=pairing.enterprise, date=date(2026, 6, 9),
            method="on_site", summary="了解情况",
            files=[png_upload("好.png"), SimpleUploadedFile("坏.png", b"not an image", content_type="image/png")],
        )
    # then no object was left behind
    assert s3_storage.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == before

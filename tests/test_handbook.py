"""The handbook PDF (掌中宝 / 营商服务联络员指导手册) is rendered by a job when what it shows changes, stored in
the default storage with the catalogue revision it reflects, and served from there: no request renders it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from jobs.models import JobRun, RunStatus
from liaison.models import Role
from policies import handbook, services
from policies.models import HandbookDocument, HandbookDocumentStatus, HandbookSection, PolicyStatus
from tests import factories
from tests.test_policies_public import make_policy, shot
from tests.test_shared_storage import BUCKET, s3_server, s3_storage  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
FAKE_PDF = b"%PDF-1.7\n% the handbook, as a test renders it\n%%EOF\n"


@pytest.fixture
def renders(monkeypatch):
    """WeasyPrint replaced by a quick stand-in that counts its calls (the real one is tested below)."""
    calls = []

    def fake(html: str) -> bytes:
        calls.append(html)
        return FAKE_PDF + str(len(calls)).encode()

    monkeypatch.setattr(handbook, "_pdf", fake)
    return calls


def _stored(document: HandbookDocument) -> bytes:
    with default_storage.open(document.file.name, "rb") as f:
        return f.read()


def _handbook_runs() -> int:
    return JobRun.objects.filter(job=handbook.JOB).count()


# --- The job -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_renders_and_stores_the_pdf_of_the_current_revision():
    # given two published policies and a draft
    published = [make_policy(), make_policy(category="talent")]
    make_policy(status=PolicyStatus.DRAFT)
    # when the job runs (WeasyPrint and all)
    result = handbook.handbook_render_run()
    # then the PDF of the current revision is in the storage, with what it holds
    document = HandbookDocument.objects.get()
    assert result == {"revision": handbook.handbook_revision(), "rendered": 1, "policies": len(published)}
    assert (document.revision, document.status, document.policy_count) == (result["revision"], "ready", 2)
    content = _stored(document)
    assert content.startswith(b"%PDF") and len(content) == document.size
    assert document.file.name.startswith("handbook/")


@pytest.mark.django_db
def test_a_second_run_renders_nothing_and_a_pending_revision_is_finished(renders):
    # given a revision whose render was left pending (its worker killed mid-render)
    revision = handbook.handbook_revision()
    HandbookDocument.objects.create(revision=revision)
    # when the run is done again, twice
    first = handbook.handbook_render_run()
    second = handbook.handbook_render_run()
    # then the first finishes it and the second has nothing to do
    assert (first["rendered"], second["rendered"]) == (1, 0)
    assert len(renders) == 1
    assert HandbookDocument.objects.get().status == HandbookDocumentStatus.READY


@pytest.mark.django_db
def test_changes_made_while_it_renders_are_rendered_by_the_same_run(monkeypatch, renders):
    # given a change that lands while the first render is under way
    original = handbook.handbook_context
    changed = []

    def context_then_change():
        context = original()
        if not changed:
            changed.append(True)
            handbook.handbook_mark_stale()
        return context

    monkeypatch.setattr(handbook, "handbook_context", context_then_change)
    # when the job runs
    result = handbook.handbook_render_run()
    # then it renders the newer revision too, and only the newest remains to be served
    assert result["rendered"] == 2 and len(renders) == 2
    assert result["revision"] == handbook.handbook_revision()
    assert handbook.handbook_state().up_to_date


@pytest.mark.django_db
def test_the_job_is_registered_and_runs_through_the_jobs_framework(taskforce_user, renders,
                                                                   django_capture_on_commit_callbacks):
    from jobs.services import job_start

    # when task-force staff start it from /jobs/
    with django_capture_on_commit_callbacks(execute=True):
        run, created = job_start(job_key=handbook.JOB, period=None, acting_user=taskforce_user)
    # then it runs with its progress and result
    run.refresh_from_db()
    assert created and run.status == RunStatus.SUCCEEDED
    assert run.result["rendered"] == 1 and run.done == run.total
    assert handbook.handbook_state().up_to_date


@pytest.mark.django_db
def test_the_newest_ready_pdfs_are_kept_and_older_ones_leave_the_storage(renders):
    # given seven revisions rendered one after another
    names = []
    for _i in range(7):
        handbook.handbook_mark_stale()
        handbook.handbook_render_run()
        names.append(HandbookDocument.objects.order_by("-revision").first().file.name)
    # then the newest five stay, with their files; the two oldest are gone from the storage
    kept = list(HandbookDocument.objects.order_by("-revision").values_list("file", flat=True))
    assert kept == names[::-1][: handbook.KEEP_READY]
    assert all(default_storage.exists(name) for name in kept)
    assert not any(default_storage.exists(name) for name in names[:2])


# --- What starts it ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_policy_change_marks_the_handbook_stale_and_starts_one_job(taskforce_user, renders,
                                                                     django_capture_on_commit_callbacks):
    # given a handbook up to date
    policy = make_policy()
    handbook.handbook_render_run()
    before = handbook.handbook_revision()
    assert handbook.handbook_state().up_to_date and len(renders) == 1
    # when staff publish, change and withdraw policies in one go (one transaction)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            services.policy_save(policy=make_policy(status=PolicyStatus.DRAFT), acting_user=taskforce_user)
            policy.title = "关于支持中小微企业融资担保降费奖补的若干措施（修订）"
            services.policy_save(policy=policy, acting_user=taskforce_user)
            policy.status = PolicyStatus.EXPIRED
            services.policy_save(policy=policy, acting_user=taskforce_user)
            # then it is marked stale at once
            assert handbook.handbook_revision() > before
            assert not handbook.handbook_state().up_to_date
    # and, once committed, one job ran and rendered once
    assert callbacks
    assert _handbook_runs() == 1 and len(renders) == 2
    state = handbook.handbook_state()
    assert state.up_to_date and state.latest.revision == handbook.handbook_revision()


@pytest.mark.django_db
def test_editing_the_handbooks_own_text_marks_it_stale(taskforce_user, renders, django_capture_on_commit_callbacks):
    # given a handbook up to date
    handbook.handbook_render_run()
    before = handbook.handbook_revision()
    section = HandbookSection.objects.get(key="profile")
    section.body = "本区位于……（2026年版）"
    # when the district profile is edited
    with django_capture_on_commit_callbacks(execute=True):
        services.handbook_section_save(section=section, acting_user=taskforce_user)
    # then a new revision is rendered
    assert handbook.handbook_revision() == before + 1
    assert handbook.handbook_state().up_to_date and len(renders) == 2


@pytest.mark.django_db
def test_a_change_rolled_back_starts_nothing(taskforce_user, renders, django_capture_on_commit_callbacks):
    # when a policy save is rolled back
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.policy_save(policy=make_policy(status=PolicyStatus.DRAFT), acting_user=taskforce_user)
            raise RuntimeError("the request failed")
    # then no job was started
    assert callbacks == [] and _handbook_runs() == 0


@pytest.mark.django_db
def test_a_queue_that_is_down_leaves_the_change_standing(taskforce_user, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    from jobs import services as job_services

    def unavailable(**kwargs):
        raise job_services.QueueUnavailable("down")

    monkeypatch.setattr(job_services, "job_start", unavailable)
    # when a policy is published while the queue is down
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.policy_save(policy=make_policy(status=PolicyStatus.DRAFT), acting_user=taskforce_user)
    # then the policy is saved and the handbook waits, marked as not up to date
    assert saved.pk and handbook.handbook_state().pending


@pytest.mark.django_db
def test_a_page_does_not_ask_a_queue_that_is_down_at_every_refresh(client, monkeypatch):
    from jobs import services as job_services

    calls = []

    def unavailable(**kwargs):
        calls.append(kwargs)
        JobRun.objects.create(job=handbook.JOB, period=kwargs.get("period") or "2026-01-01", status=RunStatus.FAILED)
        raise job_services.QueueUnavailable("down")

    monkeypatch.setattr(job_services, "job_start", unavailable)
    client.force_login(factories.make_user(role=Role.CADRE))
    # when the pending page polls several times while the queue is down
    for _i in range(3):
        assert client.get(reverse("policy-handbook-status")).status_code == 200
    # then the job was asked for once, not at every refresh
    assert len(calls) == 1


# --- Serving -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_download_serves_the_stored_bytes_without_rendering(client, monkeypatch, renders,
                                                                django_assert_max_num_queries):
    # given a rendered handbook
    make_policy()
    handbook.handbook_render_run()
    document = HandbookDocument.objects.get()

    def no_rendering(*args, **kwargs):
        raise AssertionError("a request rendered the handbook")

    monkeypatch.setattr(handbook, "_pdf", no_rendering)
    monkeypatch.setattr(handbook, "handbook_context", no_rendering)
    client.force_login(factories.make_user(role=Role.CADRE))
    # when it is downloaded
    with django_assert_max_num_queries(6):
        response = client.get(reverse("policy-handbook-pdf"))
    # then the stored bytes come back as an attachment
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == _stored(document)
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_an_older_version_is_offered_while_the_new_one_is_made(client, taskforce_user, monkeypatch, renders):
    # given a ready PDF, then a change whose render has not run yet
    handbook.handbook_render_run()
    old = HandbookDocument.objects.get()
    monkeypatch.setattr(handbook, "handbook_render_start", lambda **kwargs: None)
    handbook.handbook_mark_stale()
    client.force_login(taskforce_user)
    # when staff open the editor, and anyone downloads
    page = client.get(reverse("policy-handbook")).content.decode()
    download = client.get(reverse("policy-handbook-pdf"))
    # then the page says it is being made, polls, and offers the previous one; the download serves it
    assert "PDF 正在生成…" in page and 'data-handbook-state="pending"' in page
    assert f'hx-get="{reverse("policy-handbook-status")}"' in page and 'hx-trigger="every 3s"' in page
    assert "下载上一版" in page
    assert re.search(r'<button[^>]*disabled[^>]*id="handbook-download"', page)
    assert b"".join(download.streaming_content) == _stored(old)


@pytest.mark.django_db
def test_with_no_pdf_yet_the_download_says_it_is_being_made_and_polls(client, monkeypatch):
    # given no PDF ever made and a job that has not run yet
    monkeypatch.setattr(handbook, "handbook_render_start", lambda **kwargs: None)
    client.force_login(factories.make_user(role=Role.CADRE))
    # when the PDF is asked for
    response = client.get(reverse("policy-handbook-pdf"))
    # then a page says it is being made and polls until it is ready
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "PDF 正在生成…" in html and 'hx-trigger="every 3s"' in html
    assert "no-cache" in response["Cache-Control"]
    # and once made, the status part shows the download and stops polling
    handbook_render = handbook.handbook_render_run
    monkeypatch.setattr(handbook, "_pdf", lambda html: FAKE_PDF)
    handbook_render()
    status = client.get(reverse("policy-handbook-status")).content.decode()
    assert 'data-handbook-state="ready"' in status and "hx-trigger" not in status
    assert reverse("policy-handbook-pdf") in status


@pytest.mark.django_db
def test_a_failed_render_shows_and_staff_can_make_it_again(client, taskforce_user, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    # given a render that fails
    def broken(html):
        raise OSError("字体文件缺失")

    monkeypatch.setattr(handbook, "_pdf", broken)
    with pytest.raises(OSError):
        handbook.handbook_render_run()
    client.force_login(taskforce_user)
    # then the editor shows the failure and a button to make it again
    page = client.get(reverse("policy-handbook")).content.decode()
    assert 'data-handbook-state="failed"' in page and "PDF 生成失败" in page and "字体文件缺失" in page
    assert 'id="handbook-retry"' in page
    # when staff make it again with the renderer mended
    monkeypatch.setattr(handbook, "_pdf", lambda html: FAKE_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("policy-handbook-render"))
    # then it is ready (the demo runs jobs in-process; with Redis the page would poll until it is)
    assert response.status_code == 302
    assert handbook.handbook_state().up_to_date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.CADRE, 403), (Role.UNIT_HANDLER, 403), (Role.LEADER, 403), (Role.TASKFORCE, 302)],
)
def test_only_task_force_staff_make_it_again(client, role, expected, renders):
    unit = factories.make_unit()
    client.force_login(factories.make_user(role=role, unit=unit if role == Role.UNIT_HANDLER else None))
    assert client.post(reverse("policy-handbook-render")).status_code == expected
    assert client.get(reverse("policy-handbook-render")).status_code == 405


@pytest.mark.django_db
def test_the_job_stores_in_a_shared_bucket_and_the_download_reads_it(client, s3_storage):  # noqa: F811
    # given the files kept in an S3-compatible bucket (FILE_STORAGE=s3, several app nodes)
    make_policy()
    # when the job renders
    handbook.handbook_render_run()
    document = HandbookDocument.objects.get()
    # then the PDF is in the bucket and any node serves it from there
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert document.file.name in keys
    client.force_login(factories.make_user())
    content = b"".join(client.get(reverse("policy-handbook-pdf")).streaming_content)
    assert content.startswith(b"%PDF") and len(content) == document.size


# --- The editor on SQLite (issue 13: DISTINCT ON answered 500 on the demo) ---------------------------------


@pytest.mark.django_db
def test_the_editor_shows_each_sections_last_change(client, taskforce_user, renders):
    # given two edits of the profile by staff
    section = HandbookSection.objects.get(key="profile")
    for body in ("第一稿", "第二稿"):
        section.body = body
        services.handbook_section_save(section=section, acting_user=taskforce_user)
    client.force_login(taskforce_user)
    # when the editor is opened
    response = client.get(reverse("policy-handbook"))
    # then it answers, with the latest change of the edited section
    assert response.status_code == 200
    assert response.content.decode().count("data-last-change") == 1
    from policies.public_views import _last_changes

    assert _last_changes(list(HandbookSection.objects.all()))[section.pk].body == "第二稿"


def test_the_handbook_editor_answers_on_sqlite(tmp_path):
    # when the editor's test runs on SQLite, the demo's database
    keep = ("PATH", "HOME", "LANG", "LC_ALL")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'handbook.sqlite3'}", "DEBUG": "true"})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "tests/test_handbook.py::test_the_editor_shows_each_sections_last_change",
         "tests/test_handbook.py::test_an_older_version_is_offered_while_the_new_one_is_made"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    # then it passes there too
    assert result.returncode == 0, result.stdout[-4000:]
    assert "2 passed" in result.stdout


# --- In a browser --------------------------------------------------------------------------------------


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_says_it_is_being_made_then_refreshes_itself_to_ready(live_server, phone_page, desktop_page,
                                                                       monkeypatch):
    # given a policy whose handbook has not been made yet, the job not yet run (as when Redis has it queued)
    monkeypatch.setattr(handbook, "handbook_render_start", lambda **kwargs: None)
    make_policy()
    staff = factories.make_user(role=Role.TASKFORCE)
    cadre = factories.make_user(role=Role.CADRE)
    for page, size in ((phone_page, "phone"), (desktop_page, "desktop")):
        HandbookDocument.objects.all().delete()
        _sign_in(page, live_server, staff)
        # when staff open the editor
        page.goto(f"{live_server.url}{reverse('policy-handbook')}")
        # then it says the PDF is being made, its download button disabled
        status = page.locator("#handbook-pdf")
        assert status.get_attribute("data-handbook-state") == "pending"
        assert "PDF 正在生成…" in status.inner_text()
        assert page.locator("button#handbook-download").is_disabled()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        shot(page, f"handbook-pending-{size}")
        # and when the job has made it, the page shows it ready without being reloaded
        handbook.handbook_render_run()
        page.wait_for_selector("#handbook-pdf[data-handbook-state=ready]", timeout=15000)
        assert page.locator("a#handbook-download").get_attribute("href") == reverse("policy-handbook-pdf")
        shot(page, f"handbook-ready-{size}")
        with page.expect_download() as download:
            page.click("a#handbook-download")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        page.context.clear_cookies()
    # and a cadre asking for the PDF before any is made sees the same, then gets the link
    HandbookDocument.objects.all().delete()
    _sign_in(phone_page, live_server, cadre)
    phone_page.goto(f"{live_server.url}{reverse('policy-handbook-pdf')}")
    assert "PDF 正在生成…" in phone_page.locator("#handbook-pdf").inner_text()
    shot(phone_page, "handbook-pdf-pending-cadre-phone")
    handbook.handbook_render_run()
    phone_page.wait_for_selector("#handbook-pdf[data-handbook-state=ready]", timeout=15000)


@pytest.mark.django_db
def test_a_pdf_drawn_for_another_address_is_drawn_again_when_staff_reach_the_portal_elsewhere(
    renders, taskforce_user, client, settings, django_capture_on_commit_callbacks
):
    # given the handbook drawn while the portal was only known at the demo's loopback address
    settings.POLICY_QR_BASE_URL = ""
    settings.PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "liaison.example.gov.cn"]
    from django.core.cache import cache

    from policies import qr

    cache.delete(qr.LAST_STAFF_BASE_URL_KEY)
    make_policy()
    handbook.handbook_render_run()
    drawn = HandbookDocument.objects.get(status=HandbookDocumentStatus.READY)
    assert drawn.qr_base_url == settings.LOCAL_BASE_URL.rstrip("/")
    # when task-force staff open the catalogue at the portal's real address, then the handbook page
    client.force_login(taskforce_user)
    client.get(reverse("policy-list"), HTTP_HOST="liaison.example.gov.cn")
    assert qr.policy_qr_base_url() == "http://liaison.example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("policy-handbook"), HTTP_HOST="liaison.example.gov.cn")
    # then the handbook is drawn again, its QR codes pointing where phones can reach the portal
    current = HandbookDocument.objects.filter(status=HandbookDocumentStatus.READY).order_by("-revision").first()
    assert current.revision > drawn.revision
    assert current.qr_base_url == "http://liaison.example.gov.cn"
    assert handbook.handbook_context()["groups"][0][1][0].qr_url.startswith("http://liaison.example.gov.cn/p/")

"""The analysis report in a real browser, on a phone and at a desk: draft, write the next steps,
publish, download the Word document and the PDF; then a second version."""

from pathlib import Path

import pytest
from django.utils import timezone

from analysis.models import AnalysisReport, ReportStatus
from meetings.models import Countermeasure, Meeting, MeetingKind
from tests.test_analysis_browser import _district, _login, _own_cache  # noqa: F401  (the fixture)
from tests.test_browser import SHOTS, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _download(page, selector: str, name: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = Path(info.value.path())
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        info.value.save_as(str(SHOTS / name))
    return path.read_bytes()


def _wait_for_documents(page) -> None:
    page.wait_for_selector("#report-documents[data-state=ready]", timeout=60000)


def test_staff_draft_edit_publish_and_download_the_report(live_server, phone_page, desktop_page):
    # given a district with appeals, and a meeting that proposed a countermeasure
    staff, pairings = _district()
    meeting = Meeting.objects.create(kind=MeetingKind.SOLICITATION, title="融资专题征求意见会",
                                     date=timezone.localdate())
    Countermeasure.objects.create(meeting=meeting, text="设立应急转贷资金池，缓解企业续贷压力")
    year = str(timezone.localdate().year)

    # when task-force staff on a phone draft the year's report
    page = phone_page
    _login(page, live_server.url, staff.username)
    page.goto(f"{live_server.url}/analysis/reports/")
    page.select_option("#id_kind", "year")
    page.fill("#id_value", year)
    with page.expect_navigation():
        page.click("#report-generate")
    # then the draft shows the four sections with the figures
    for heading in ("一、基本情况", "二、问题分析", "三、对策建议及落实", "四、下步工作"):
        assert page.locator(f"text={heading}").count() >= 1
    assert page.locator("[data-figure=appeals]").inner_text().strip() != "0"
    assert page.locator("#report-clusters .card").count() >= 2
    shot(page, "analysis-report-draft-phone")
    # when they write the next steps and save
    page.fill("#id_next_steps", "一是持续做好融资对接。\n二是加大技能人才培训力度。")
    page.fill("#id_basics_note", "总体看，企业诉求响应及时，办结质量较好。")
    with page.expect_navigation():
        page.click("#report-save")
    assert page.locator("#id_next_steps").input_value().startswith("一是持续做好融资对接")
    # and publish it
    with page.expect_navigation():
        page.click("#report-publish")
    assert page.locator("#report-status").inner_text().strip().endswith("v1")
    _wait_for_documents(page)
    shot(page, "analysis-report-published-phone")
    docx = _download(page, "#report-docx", "analysis-report-v1.docx")
    pdf = _download(page, "#report-pdf", "analysis-report-v1.pdf")
    # then both are the report
    assert docx[:2] == b"PK" and pdf[:5] == b"%PDF-"

    # when staff at a desk start a new version, change the next steps and publish it with a reason
    page = desktop_page
    _login(page, live_server.url, staff.username)
    page.goto(f"{live_server.url}/analysis/reports/")
    shot(page, "analysis-report-list-desk")
    page.click("#report-list a.btn-outline-primary")
    with page.expect_navigation():
        page.click("#report-new-version")
    page.fill("#id_next_steps", "一是持续做好融资对接。\n二是加大技能人才培训力度。\n三是解决停车难问题。")
    with page.expect_navigation():
        page.click("#report-save")
    shot(page, "analysis-report-draft-desk")
    with page.expect_navigation():
        page.click("#report-publish")
    # the reason is asked for
    assert page.locator("#report-publish-form .alert-danger").count() == 1
    page.fill("#id_reason", "补充停车难问题的下步措施")
    with page.expect_navigation():
        page.click("#report-publish")
    assert page.locator("#report-status").inner_text().strip().endswith("v2")
    _wait_for_documents(page)
    shot(page, "analysis-report-published-desk")
    assert _download(page, "#report-pdf", "analysis-report-v2.pdf")[:5] == b"%PDF-"
    _download(page, "#report-docx", "analysis-report-v2.docx")
    # and version 1 stays readable, superseded
    versions = {r.version: r.status for r in AnalysisReport.objects.exclude(version=None)}
    assert versions == {1: ReportStatus.SUPERSEDED, 2: ReportStatus.PUBLISHED}

"""The analysis report (总结分析报告): its figures are the bulletin's and the dashboard's, the draft is
edited and published frozen and versioned, and its Word document and PDF are rendered by a job."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from analysis import reports
from analysis.models import AnalysisReport, ReportDocument, ReportDocumentStatus, ReportStatus
from analysis.report_figures import period_of
from dashboard.figures import campaign_dashboard
from reports.bulletins import bulletin_figures
from tests import factories
from tests.test_dashboard import campaign  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _basics(report: AnalysisReport) -> dict:
    return report.figures["basics"]


@pytest.mark.parametrize(("kind", "value", "year"), [("year", "2025", 2025), ("campaign", "", None)])
def test_the_basic_figures_are_the_dashboards(campaign, clock, taskforce_user, kind, value, year):  # noqa: F811
    # given the campaign of the dashboard's tests, on 15 May 2025
    # when the report of the year, and of the campaign to date, is drafted
    report = reports.report_draft_generate(kind=kind, value=value, acting_user=taskforce_user)
    # then its basic figures are the dashboard's of the same period, from the same functions
    dashboard = campaign_dashboard(today=clock.today(), year=year)
    basics = _basics(report)
    assert basics["cadres_paired"] == dashboard.cadres_paired == 3
    assert basics["meetings"] == dashboard.meetings
    assert basics["meetings"]["issues"] == 2 and basics["meetings"]["countermeasures"] == 1
    assert basics["leaders"] == dashboard.leaders == 2
    assert basics["appeals"] == dashboard.appeals.as_dict()
    assert basics["appeals"]["total"] == 3 and basics["appeals"]["resolved"] == 1
    assert basics["deliveries"] == dashboard.deliveries
    # and this month's contact is the dashboard's
    if kind == "year":
        assert basics["contact"]["due"] >= dashboard.compliance.due


def test_the_quarter_adds_up_the_bulletins_of_its_months(campaign, clock, taskforce_user):  # noqa: F811
    # given a visit in April too
    p1 = campaign["pairings"][0]
    factories.make_visit(assignment=p1, date=date(2025, 4, 8))
    # when the report of the second quarter (April to today, 15 May) is drafted
    report = reports.report_draft_generate(kind="quarter", value="2025-Q2", acting_user=taskforce_user)
    basics = _basics(report)
    # then contact, visits and appeals are the bulletins' of April and May added up
    months = [bulletin_figures(date(2025, 4, 1)), bulletin_figures(date(2025, 5, 1))]
    totals = [m["totals"] for m in months]
    assert basics["visits"] == sum(t["visits"] for t in totals) == 2
    assert basics["contact"]["due"] == sum(t["due"] for t in totals)
    assert basics["contact"]["contacted"] == sum(t["contacted"] for t in totals)
    for key in ("total", "resolved", "counted", "withdrawn", "out_of_scope"):
        assert basics["appeals"][key] == sum(t["appeals"][key] for t in totals), key
    # and the closure rate is the bulletin's over the same appeals
    resolved, counted = basics["appeals"]["resolved"], basics["appeals"]["counted"]
    assert basics["appeals"]["closure_rate"] == pytest.approx(resolved / counted)


def test_problems_are_analysed_by_category_industry_street_and_cluster(campaign, clock, taskforce_user):  # noqa: F811
    report = reports.report_draft_generate(kind="year", value="2025", acting_user=taskforce_user)
    problems = report.figures["problems"]
    assert sum(row["total"] for row in problems["by_category"]) == 3
    assert sum(row["total"] for row in problems["by_industry"]) == 3
    assert sum(row["total"] for row in problems["by_street"]) == 3
    # the period's problems were clustered on the way (small enough), with representative cases
    assert problems["run"] is not None
    assert problems["clusters"] and all(c["cases"] for c in problems["clusters"])
    measures = report.figures["measures"]
    assert measures["countermeasures"]["total"] == 1
    assert measures["countermeasures"]["rows"][0]["text"] == "设立应急转贷资金"


def test_a_draft_is_edited_published_frozen_and_versioned(campaign, clock, taskforce_user):  # noqa: F811
    # given a draft of the year
    draft = reports.report_draft_generate(kind="year", value="2025", acting_user=taskforce_user)
    # when it is published without next steps, it is refused
    with pytest.raises(ValidationError):
        reports.report_publish(report_id=draft.pk, acting_user=taskforce_user)
    reports.report_update(report_id=draft.pk, acting_user=taskforce_user, next_steps="加强政策兑现。",
                          basics_note="总体平稳。")
    first = reports.report_publish(report_id=draft.pk, acting_user=taskforce_user)
    # then it is version 1, frozen
    assert (first.status, first.version) == (ReportStatus.PUBLISHED, 1)
    with pytest.raises(ValidationError):
        reports.report_update(report_id=first.pk, acting_user=taskforce_user, next_steps="改")
    # when the data change and a new version is drafted, it starts from version 1's texts
    factories.make_appeal(pairing=campaign["pairings"][2])
    second_draft = reports.report_draft_generate(kind="year", value="2025", acting_user=taskforce_user)
    assert second_draft.pk != first.pk and second_draft.next_steps == "加强政策兑现。"
    assert _basics(second_draft)["appeals"]["total"] == 4
    # and publishing it needs a reason
    with pytest.raises(ValidationError):
        reports.report_publish(report_id=second_draft.pk, acting_user=taskforce_user)
    second = reports.report_publish(report_id=second_draft.pk, acting_user=taskforce_user, reason="补录诉求")
    first.refresh_from_db()
    # then version 2 is current, version 1 superseded with its figures as they were
    assert (second.version, second.status) == (2, ReportStatus.PUBLISHED)
    assert first.status == ReportStatus.SUPERSEDED and _basics(first)["appeals"]["total"] == 3
    # and every change is recorded with who made it
    users = {record.history_user_id for record in first.history.all()}
    assert users == {taskforce_user.pk}
    assert [c["status"] for c in reports.report_changes(first)][0] == str(ReportStatus.SUPERSEDED.label)


def test_only_the_task_force_writes_the_report(campaign, leader_user):  # noqa: F811
    with pytest.raises(PermissionDenied):
        reports.report_draft_generate(kind="year", value="2025", acting_user=leader_user)


def test_the_documents_are_rendered_as_word_and_pdf(campaign, clock, taskforce_user):  # noqa: F811
    from docx import Document

    draft = reports.report_draft_generate(kind="year", value="2025", acting_user=taskforce_user)
    reports.report_update(report_id=draft.pk, acting_user=taskforce_user, next_steps="一是加强调度。\n二是完善政策。")
    report = reports.report_publish(report_id=draft.pk, acting_user=taskforce_user)
    # when the documents job runs
    result = reports.report_documents_run()
    # then both documents are stored
    documents = {d.kind: d for d in ReportDocument.objects.filter(report=report)}
    assert {d.status for d in documents.values()} == {ReportDocumentStatus.READY}, result
    with documents["pdf"].file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with documents["docx"].file.open("rb") as handle:
        text = "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)
    assert report.title in text
    for heading in ("一、基本情况", "二、问题分析", "三、对策建议及落实", "四、下步工作", "二是完善政策。"):
        assert heading in text
    # and running it again renders nothing more
    assert reports.report_documents_run()["documents"] == 0


def test_the_pages_draft_edit_publish_and_download(client, campaign, clock, taskforce_user, leader_user):  # noqa: F811
    client.force_login(taskforce_user)
    response = client.post(reverse("analysis-report-draft"), {"kind": "year", "value": "2025"})
    draft = AnalysisReport.objects.get(status=ReportStatus.DRAFT)
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200 and "一、基本情况" in page.content.decode()
    # a leader does not see the draft
    client.force_login(leader_user)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(taskforce_user)
    response = client.post(reverse("analysis-report-edit", args=[draft.pk]),
                           {"title": draft.title, "next_steps": "持续跟踪。"})
    assert response.status_code == 302
    response = client.post(reverse("analysis-report-publish", args=[draft.pk]), {})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 1
    # the downloads are the stored documents (made by the job started on publishing)
    for name, content_type in (("analysis-report-pdf", "application/pdf"), ("analysis-report-docx", "wordprocessing")):
        response = client.get(reverse(name, args=[draft.pk]))
        if response.status_code == 202:
            reports.report_documents_run()
            response = client.get(reverse(name, args=[draft.pk]))
        assert response.status_code == 200 and content_type in response["Content-Type"]
    # each download is in the audit log
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(summary="analysis_report", user=taskforce_user).count() == 2
    client.force_login(leader_user)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_malformed_period_is_refused(taskforce_user):
    with pytest.raises(ValidationError):
        reports.report_draft_generate(kind="quarter", value="2025-Q5", acting_user=taskforce_user)
    assert period_of("quarter", "2025-q4").start == date(2025, 10, 1)


def test_the_api_drafts_edits_publishes_and_hides_drafts_from_leaders(campaign, clock, taskforce_user,  # noqa: F811
                                                                      leader_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(taskforce_user)
    # when the task force drafts the year over the API
    response = api.post("/api/v1/analysis/reports/", {"kind": "year", "value": "2025"}, format="json")
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["status"] == "draft" and report["figures"]["basics"]["appeals"]["total"] == 3
    url = f"/api/v1/analysis/reports/{report['id']}/"
    # a leader sees no draft
    leader = APIClient()
    leader.force_authenticate(leader_user)
    assert leader.get(url).status_code == 404
    assert leader.post("/api/v1/analysis/reports/", {"kind": "year", "value": "2025"}, format="json").status_code == 403
    # publishing without next steps is refused; with them it is version 1
    assert api.post(f"{url}publish/", {}, format="json").status_code == 400
    assert api.patch(url, {"next_steps": "持续推进。"}, format="json").status_code == 200
    response = api.post(f"{url}publish/", {}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 1
    # then it is frozen, and the leader reads it
    assert api.patch(url, {"next_steps": "改"}, format="json").status_code == 409
    assert leader.get(url).status_code == 200
    assert [r["id"] for r in leader.get("/api/v1/analysis/reports/").json()["results"]] == [report["id"]]
    # a malformed period is a 400
    assert api.post("/api/v1/analysis/reports/", {"kind": "quarter", "value": "x"}, format="json").status_code == 400


def test_the_clustering_jobs_take_a_quarter_and_the_campaign_to_date(campaign, clock, taskforce_user):  # noqa: F811
    from analysis.models import ClusterRun
    from analysis.services import hot_problems_campaign_run, hot_problems_quarter_run
    from jobs.registry import get_job

    # when the quarter job runs for a month of this quarter (a running period may be chosen)
    month = get_job("hot_problems_quarter").clean_period("2025-05", today=clock.today())
    result = hot_problems_quarter_run(month=month, acting_user=taskforce_user)
    # then the quarter's problems are clustered, and the campaign's from its start to today
    assert result["problems"] == 5  # three appeals and the meeting's two issues
    assert ClusterRun.objects.filter(period_start=date(2025, 4, 1), period_end=date(2025, 6, 30)).exists()
    hot_problems_campaign_run(day=clock.today(), acting_user=taskforce_user)
    period = period_of("campaign")
    assert ClusterRun.objects.filter(period_start=period.start, period_end=clock.today()).exists()
    # and the campaign's draft reads that clustering
    report = reports.report_draft_generate(kind="campaign", acting_user=taskforce_user)
    assert report.figures["problems"]["run"]["end"] == clock.today().isoformat()


def test_a_new_version_of_the_campaign_to_date_keeps_its_period(campaign, clock, taskforce_user):  # noqa: F811
    # given the campaign-to-date report published on 15 May
    draft = reports.report_draft_generate(kind="campaign", acting_user=taskforce_user)
    reports.report_update(report_id=draft.pk, acting_user=taskforce_user, next_steps="持续推进。")
    first = reports.report_publish(report_id=draft.pk, acting_user=taskforce_user)
    # when, a week later, staff start its new version
    clock.set(date(2025, 5, 22))
    second = reports.report_draft_again(report=first, acting_user=taskforce_user)
    # then it is a draft of the same period, published as version 2
    assert (second.period_start, second.period_end) == (first.period_start, first.period_end) == (
        first.period_start, date(2025, 5, 15))
    published = reports.report_publish(report_id=second.pk, acting_user=taskforce_user, reason="补充数据")
    assert published.version == 2

"""Job results a person can read: Chinese labels, links to what a run produced, the demo's outputs as runs,
and a period with no data refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.models import Evaluation
from evaluations.services import annual_evaluation_run
from jobs.models import JobRun, RunStatus
from jobs.results import result_view
from jobs.services import job_run_record
from tests import factories

pytestmark = pytest.mark.django_db


def test_evaluating_a_year_with_no_pairings_or_visits_is_refused_and_saves_nothing(clock):
    # given a pairing that began after the year
    clock.set(date(2026, 6, 3))
    factories.make_assignment(started_on=date(2026, 2, 1))
    # when / then
    with pytest.raises(ValidationError) as refused:
        annual_evaluation_run(year=2025)
    assert "2025" in refused.value.messages[0]
    assert not Evaluation.objects.exists()


# --- Results as a person reads them ---------------------------------------------------------------------


def test_a_bulletin_run_shows_chinese_labels_and_links_to_the_bulletin_not_its_id(client, taskforce_user):
    # given a run of the monthly bulletin, as the job records it
    run = JobRun.objects.create(
        job="monthly_bulletin", period=date(2026, 5, 1), status=RunStatus.SUCCEEDED,
        result={"bulletin": 37, "month": "2026-05", "version": 2, "created": True, "units": 50, "cadres": 424,
                "lagging": 37},
    )
    client.force_login(taskforce_user)
    # when
    page = client.get(reverse("job-run-detail", args=[run.pk]))
    # then
    view = page.context["result"]
    assert dict(view.rows) == {"月份": "2026-05", "版本": 2, "本次运行发布": True, "参与排名的单位": 50,
                               "统计的干部": 424, "落后干部": 37}
    assert [(link.label, link.url) for link in view.links] == [
        ("2026-05 月通报（第 2 版）", reverse("bulletin-detail", args=["2026-05"]) + "?v=2")
    ]
    body = page.content.decode()
    assert 'id="run-links"' in body and "lagging" not in body and ">bulletin<" not in body


def test_an_evaluation_run_links_to_its_version_and_the_job_card_too(client, taskforce_user):
    run = JobRun.objects.create(
        job="annual_evaluation", period=date(2025, 1, 1), status=RunStatus.SUCCEEDED,
        result={"evaluation": 2, "year": 2025, "version": 2, "created": True, "cadres": 424, "units": 50},
    )
    client.force_login(taskforce_user)
    url = reverse("evaluation-year", args=[2025]) + "?version=2"
    detail = client.get(reverse("job-run-detail", args=[run.pk])).content.decode()
    listing = client.get(reverse("job-list")).content.decode()
    assert url in detail and "2025 年考评（第 2 版）" in detail
    assert url in listing


def test_an_unknown_key_keeps_its_name_and_a_failed_run_links_to_nothing():
    assert result_view("weekly_dispatch", {"week_start": "2026-06-01", "novel": 3}).rows[-1] == ("novel", 3)
    assert result_view("weekly_dispatch", None).links == []


def test_a_run_done_outside_the_queue_is_recorded_once(clock):
    clock.set(date(2026, 6, 3))
    first = job_run_record(job_key="weekly_dispatch", period=date(2026, 6, 1), result={"created": 3})
    again = job_run_record(job_key="weekly_dispatch", period=date(2026, 6, 1), result={"created": 0})
    assert first is not None and first.status == RunStatus.SUCCEEDED and again is None
    assert JobRun.objects.get().result == {"created": 3}

"""The annual evaluation (年考评): scores against a fixture computed by hand, versions, weights, pages, export."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from appeals.models import Appeal, AppealCategory, Feedback, Status, Tier
from evaluations import services
from evaluations.models import Evaluation, EvaluationScore, EvaluationWeights, ScoreKind
from evaluations.scoring import competition_ranks
from liaison.models import Role, Visit
from liaison.selectors import monthly_contact
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEIGHTS = {
    "contact": 35,
    "visits": 10,
    "closure": 20,
    "on_time": 10,
    "satisfaction": 10,
    "handling": 5,
    "overdue": 10,
    "visits_per_month": 2,
    "handling_days_target": 5,
    "overdue_penalty": 20,
}


def _appeal(pairing, *, raised: date, status=Status.CLOSED, overdue_steps=0, feedback="", workdays=None, deadline=None):
    """An appeal in a given state, written directly: the evaluation only reads these fields."""
    at = datetime(raised.year, raised.month, raised.day, 10, tzinfo=SHANGHAI)
    resolved = status in (Status.RESOLVED, Status.CLOSED)
    appeal = Appeal.objects.create(
        enterprise=pairing.enterprise,
        cadre=pairing.cadre,
        raised_by=pairing.cadre.user,
        category=AppealCategory.objects.get(code="financing"),
        title="诉求",
        description="说明",
        status=status,
        tier=Tier.INDIVIDUAL,
        handler_cadre=pairing.cadre,
        step_started_at=at,
        deadline=deadline or date(raised.year, 12, 31),
        resolved_at=at if resolved else None,
        handling_workdays=workdays,
        overdue_steps=overdue_steps,
        feedback=feedback,
    )
    Appeal.objects.filter(pk=appeal.pk).update(raised_at=at)
    return appeal


@pytest.fixture
def district(clock, taskforce_user):
    """Evaluated for 2024 on 15 March 2025: two units, four cadres, all paired from 1 January 2024.

    一局: A contacts every month with two visits (24); two appeals closed on time, satisfied,
          4 and 6 working days (average 5).
          B contacts January to June once (6 visits); no appeals.
    二局: C contacts January to September once (9 visits); four appeals: closed on time and
          satisfied (10 days), closed after a late step and unsatisfied (10 days), still handled
          past its deadline, withdrawn.
          D never contacts; one appeal handled with its deadline still ahead.
    Noise that must not count: a visit and an appeal of 2023, and an unpaired cadre.
    """
    clock.set(date(2025, 3, 15))
    u1, u2 = factories.make_unit(name="一局"), factories.make_unit(name="二局")
    a, b = (factories.make_assignment(cadre=factories.make_cadre(name=n, unit=u1)) for n in ("甲", "乙"))
    c, d = (factories.make_assignment(cadre=factories.make_cadre(name=n, unit=u2)) for n in ("丙", "丁"))
    for month in range(1, 13):
        factories.make_visit(assignment=a, date=date(2024, month, 3))
        factories.make_visit(assignment=a, date=date(2024, month, 20))
    for month in range(1, 7):
        factories.make_visit(assignment=b, date=date(2024, month, 10))
    for month in range(1, 10):
        factories.make_visit(assignment=c, date=date(2024, month, 10))
    factories.make_visit(assignment=d, date=date(2023, 12, 10), summary="去年的走访")
    _appeal(a, raised=date(2024, 3, 1), feedback=Feedback.SATISFIED, workdays=4)
    _appeal(a, raised=date(2024, 5, 1), feedback=Feedback.BASICALLY, workdays=6)
    _appeal(a, raised=date(2023, 5, 1), status=Status.HANDLING, deadline=date(2023, 6, 1))
    _appeal(c, raised=date(2024, 2, 1), feedback=Feedback.SATISFIED, workdays=10)
    _appeal(c, raised=date(2024, 3, 1), feedback=Feedback.UNSATISFIED, workdays=10, overdue_steps=1)
    _appeal(c, raised=date(2024, 11, 1), status=Status.HANDLING, deadline=date(2024, 12, 20))
    _appeal(c, raised=date(2024, 11, 2), status=Status.WITHDRAWN)
    _appeal(d, raised=date(2024, 12, 1), status=Status.HANDLING, deadline=date(2025, 4, 30))
    factories.make_cadre(name="戊", unit=u2)
    services.evaluation_weights_update(acting_user=taskforce_user, **WEIGHTS)
    return {"units": (u1, u2), "pairings": (a, b, c, d)}


def _rows(evaluation_id, kind):
    return {
        row.name: row for row in EvaluationScore.objects.filter(evaluation_id=evaluation_id, kind=kind).order_by("rank")
    }


def test_scores_and_ranks_match_the_hand_computation(district):
    # when 2024 is evaluated
    result = services.annual_evaluation_run(year=2024)
    # then each cadre's measures, score and rank are as computed by hand
    assert result["created"] is True and result["cadres"] == 4 and result["units"] == 2
    cadres = _rows(result["evaluation"], ScoreKind.CADRE)
    assert list(cadres) == ["甲", "丙", "乙", "丁"]
    a, c, b, d = cadres["甲"], cadres["丙"], cadres["乙"], cadres["丁"]
    assert (a.score, a.rank) == (Decimal("100.00"), 1)
    assert (a.months_due, a.months_contacted, a.visit_count, a.appeals) == (12, 12, 24, 2)
    # B: no appeals, so only contact (50), visits (6/24 → 25) and overdue (100) count: 3000/55
    assert (b.contact_score, b.visits_score, b.closure_score, b.handling_score) == (
        Decimal("50.00"),
        Decimal("25.00"),
        None,
        None,
    )
    assert (b.score, b.rank) == (Decimal("54.55"), 3)
    # C: 75, 37.5, 66.67 (2 of 3 counted), 50, 50, 50 (5/10 days), 60 (two overdue × 20 off)
    assert [c.contact_score, c.visits_score, c.closure_score, c.on_time_score] == [
        Decimal("75.00"),
        Decimal("37.50"),
        Decimal("66.67"),
        Decimal("50.00"),
    ]
    assert [c.satisfaction_score, c.handling_score, c.overdue_score, c.overdue_appeals] == [
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("60.00"),
        2,
    ]
    assert (c.score, c.rank) == (Decimal("61.83"), 2)
    # D: contact 0, visits 0, closure 0 (nothing resolved), overdue 100: 1000/75
    assert (d.on_time_score, d.satisfaction_score) == (None, None)
    assert (d.score, d.rank) == (Decimal("13.33"), 4)
    # and the units pool their cadres
    units = _rows(result["evaluation"], ScoreKind.UNIT)
    assert (units["一局"].score, units["一局"].rank, units["一局"].cadres) == (Decimal("87.50"), 1, 2)
    u2 = units["二局"]
    assert [u2.contact_score, u2.visits_score, u2.closure_score, u2.overdue_score] == [
        Decimal("37.50"),
        Decimal("18.75"),
        Decimal("50.00"),
        Decimal("80.00"),
    ]
    assert (u2.score, u2.rank) == (Decimal("45.50"), 2)
    evaluation = Evaluation.objects.get(pk=result["evaluation"])
    assert (evaluation.months, evaluation.period_end, evaluation.weights) == (12, date(2024, 12, 31), WEIGHTS)


def test_equal_scores_share_a_rank_and_the_next_is_skipped():
    # when scores tie
    ranks = competition_ranks([Decimal("80"), Decimal("90"), Decimal("80"), None, Decimal("70")])
    # then they share a rank, the next one is skipped, and an empty score has none
    assert ranks == [2, 1, 2, None, 4]


def test_running_a_year_twice_gives_one_evaluation(district):
    # given a first run
    first = services.annual_evaluation_run(year=2024)
    # when it runs again
    calls = []
    second = services.annual_evaluation_run(year=2024, progress=lambda done, total, note="": calls.append(done))
    # then the stored evaluation is returned and nothing new is written
    assert second == {**first, "created": False}
    assert Evaluation.objects.count() == 1
    assert EvaluationScore.objects.count() == 6
    assert calls


def test_a_concurrent_run_that_stores_first_wins(district, monkeypatch):
    # given another run stores version 1 while this one computes
    original = services.evaluation_compute

    def compute_then_lose_the_race(**kwargs):
        rows = original(**kwargs)
        Evaluation.objects.create(year=2024, version=1, period_end=date(2024, 12, 31), months=12, weights={})
        return rows

    monkeypatch.setattr(services, "evaluation_compute", compute_then_lose_the_race)
    # when this run tries to store
    result = services.annual_evaluation_run(year=2024)
    # then theirs stands and this one wrote nothing
    assert result["created"] is False and result["version"] == 1
    assert Evaluation.objects.count() == 1
    assert EvaluationScore.objects.count() == 0


def test_recomputing_makes_a_new_version_and_keeps_the_old(district, taskforce_user):
    # given an evaluation, then a late visit for 乙 in December
    first = services.annual_evaluation_run(year=2024)
    factories.make_visit(assignment=district["pairings"][1], date=date(2024, 12, 5))
    # when it is computed again with a reason
    second = services.annual_evaluation_run(
        year=2024, recompute=True, reason="补录12月走访", acting_user=taskforce_user
    )
    # then version 2 has the new figure and version 1 is unchanged
    assert (second["version"], second["created"]) == (2, True)
    old, new = _rows(first["evaluation"], "cadre")["乙"], _rows(second["evaluation"], "cadre")["乙"]
    assert (old.months_contacted, new.months_contacted) == (6, 7)
    assert Evaluation.objects.get(version=2).reason == "补录12月走访"
    assert Evaluation.objects.get(version=2).created_by == taskforce_user


def test_recomputing_without_a_reason_or_a_future_year_is_refused(district):
    services.annual_evaluation_run(year=2024)
    with pytest.raises(ValidationError):
        services.annual_evaluation_run(year=2024, recompute=True, reason="  ")
    with pytest.raises(ValidationError):
        services.annual_evaluation_run(year=2026)
    assert Evaluation.objects.count() == 1


def test_only_the_task_force_runs_it(district, leader_user):
    with pytest.raises(PermissionDenied):
        services.annual_evaluation_run(year=2024, acting_user=leader_user)
    assert not Evaluation.objects.exists()


def test_the_current_year_counts_only_the_months_already_over(district):
    # given a visit for 甲 in March 2025 (the running month) and February 2025
    a = district["pairings"][0]
    factories.make_visit(assignment=a, date=date(2025, 2, 3))
    factories.make_visit(assignment=a, date=date(2025, 3, 3))
    # when 2025 is evaluated on 15 March
    result = services.annual_evaluation_run(year=2025)
    # then January and February count, for contact and for visits alike
    row = _rows(result["evaluation"], "cadre")["甲"]
    assert (row.months_due, row.months_contacted, row.visit_count) == (2, 1, 1)
    assert Evaluation.objects.get().months == 2


def test_the_task_runs_last_year_by_default(district):
    from evaluations.tasks import annual_evaluation

    result = annual_evaluation.delay().get()
    assert (result["year"], result["created"]) == (2024, True)


# --- Weights ------------------------------------------------------------------------------------


def test_weights_must_add_up_to_100_and_bad_input_changes_nothing(district, taskforce_user):
    # when the sum is wrong, or a weight negative
    with pytest.raises(ValidationError, match="100"):
        services.evaluation_weights_update(acting_user=taskforce_user, **{**WEIGHTS, "contact": 40})
    with pytest.raises(ValidationError):
        services.evaluation_weights_update(acting_user=taskforce_user, **{**WEIGHTS, "contact": 45, "visits": -10})
    # then the stored weights are unchanged
    assert EvaluationWeights.current().as_dict() == WEIGHTS


def test_the_database_refuses_weights_that_do_not_add_up(district):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationWeights.objects.filter(pk=1).update(contact=90)


def test_weights_changes_are_recorded_with_who(district, taskforce_user):
    services.evaluation_weights_update(acting_user=taskforce_user, contact=30, visits=15)
    record = EvaluationWeights.current().history.order_by("-history_id").first()
    assert record.history_user == taskforce_user
    assert (record.contact, record.visits) == (30, 15)


def test_only_the_task_force_changes_weights(district, leader_user):
    with pytest.raises(PermissionDenied):
        services.evaluation_weights_update(acting_user=leader_user, contact=30, visits=15)


def test_the_weights_form_shows_the_error_and_saves_nothing(client, district, taskforce_user):
    # given the task force on the weights page
    client.force_login(taskforce_user)
    # when it posts weights adding up to 110
    response = client.post(reverse("evaluation-weights"), {**WEIGHTS, "contact": 45})
    # then the page says so and the weights are unchanged
    assert response.status_code == 200
    html = response.content.decode()
    assert "110" in html and "evaluation_weights_sum_to_100" not in html
    assert EvaluationWeights.current().contact == 35
    # when it posts a negative weight
    response = client.post(reverse("evaluation-weights"), {**WEIGHTS, "contact": 45, "visits": -10})
    assert response.status_code == 200 and EvaluationWeights.current().visits == 10
    # when it posts valid weights
    response = client.post(reverse("evaluation-weights"), {**WEIGHTS, "contact": 25, "visits": 20})
    assert response.status_code == 302
    assert (EvaluationWeights.current().contact, EvaluationWeights.current().visits) == (25, 20)


def test_a_leader_reads_the_weights_but_cannot_change_them(client, district, leader_user):
    client.force_login(leader_user)
    assert client.get(reverse("evaluation-weights")).status_code == 200
    assert client.post(reverse("evaluation-weights"), {**WEIGHTS, "contact": 25, "visits": 20}).status_code == 403
    assert EvaluationWeights.current().contact == 35


# --- Pages ----------------------------------------------------------------------------------------


def test_the_task_force_runs_a_year_from_the_page(client, district, taskforce_user):
    client.force_login(taskforce_user)
    response = client.post(reverse("evaluation-index"), {"year": 2024})
    assert response.status_code == 302 and response.url == reverse("evaluation-year", args=[2024])
    # a second post for the same year changes nothing; a recompute without a reason is refused
    client.post(reverse("evaluation-index"), {"year": 2024})
    response = client.post(reverse("evaluation-index"), {"year": 2024, "recompute": "on", "reason": ""})
    assert response.status_code == 200 and "run-errors" in response.content.decode()
    assert Evaluation.objects.count() == 1
    client.post(reverse("evaluation-index"), {"year": 2024, "recompute": "on", "reason": "数据更正"})
    assert list(Evaluation.objects.values_list("version", flat=True).order_by("version")) == [1, 2]


def test_the_year_page_sorts_by_any_column(client, district, leader_user):
    services.annual_evaluation_run(year=2024)
    client.force_login(leader_user)
    url = reverse("evaluation-year", args=[2024])
    # when sorted by score, best first, then by contact ascending
    best_first = client.get(url, {"sort": "-score"}).context["page"].object_list
    contact_up = client.get(url, {"sort": "contact"}).context["page"].object_list
    # then the rows follow
    assert [row.name for row in best_first] == ["甲", "丙", "乙", "丁"]
    assert [row.name for row in contact_up] == ["丁", "乙", "丙", "甲"]
    # and empty measures go last whichever the direction
    on_time = [row.name for row in client.get(url, {"sort": "on_time"}).context["page"].object_list]
    assert on_time[-2:] == ["丁", "乙"]  # 乙 and 丁 have no resolved appeal, then by name
    # the unit table too; an unknown sort falls back to rank
    units = client.get(url, {"view": "units", "sort": "-contact"}).context["page"].object_list
    assert [row.name for row in units] == ["一局", "二局"]
    assert client.get(url, {"sort": "'; drop"}).context["sort"] == "rank"


def test_the_year_page_keeps_to_a_fixed_number_of_queries(client, district, leader_user, django_assert_max_num_queries):
    # given 60 more evaluated cadres (two pages)
    unit = district["units"][0]
    for _i in range(60):
        factories.make_assignment(cadre=factories.make_cadre(unit=unit, with_user=False))
    services.annual_evaluation_run(year=2024)
    client.force_login(leader_user)
    # when the table is read
    with django_assert_max_num_queries(9):
        response = client.get(reverse("evaluation-year", args=[2024]), {"sort": "-score", "page": 2})
    # then it is paged 50 to a page
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 14


def test_the_export_has_both_tables_in_the_order_asked(client, district, leader_user):
    services.annual_evaluation_run(year=2024)
    client.force_login(leader_user)
    response = client.get(reverse("evaluation-export", args=[2024]), {"sort": "-contact"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cadres, units = workbook["干部"], workbook["单位"]
    rows = list(cadres.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "干部", "单位", "综合得分")
    assert [row[1] for row in rows[1:]] == ["甲", "丙", "乙", "丁"]
    assert rows[2][:5] == (2, "丙", "二局", 61.83, 75.0)
    assert [row[1] for row in units.iter_rows(min_row=2, values_only=True)] == ["一局", "二局"]


def test_cadres_and_unit_handlers_do_not_see_the_evaluation(client, district):
    services.annual_evaluation_run(year=2024)
    cadre_user = district["pairings"][0].cadre.user
    handler = factories.make_unit_handler(district["units"][0])
    for user in (cadre_user, handler):
        client.force_login(user)
        for url in (
            reverse("evaluation-index"),
            reverse("evaluation-year", args=[2024]),
            reverse("evaluation-export", args=[2024]),
            reverse("evaluation-weights"),
        ):
            assert client.get(url).status_code == 403, url


def test_a_year_without_evaluation_is_not_found(client, leader_user):
    client.force_login(leader_user)
    assert client.get(reverse("evaluation-year", args=[2019])).status_code == 404


def test_the_index_lists_every_version(client, district, leader_user, django_assert_max_num_queries):
    services.annual_evaluation_run(year=2024)
    services.annual_evaluation_run(year=2024, recompute=True, reason="更正")
    client.force_login(leader_user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("evaluation-index"))
    html = response.content.decode()
    assert response.status_code == 200 and "evaluation-run" not in html
    assert html.count("?version=") == 2


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_filters_and_pages_the_scores(client, district, leader_user):
    result = services.annual_evaluation_run(year=2024)
    client.force_login(leader_user)
    listed = client.get("/api/v1/evaluations/", {"year": 2024}).json()
    assert [e["id"] for e in listed["results"]] == [result["evaluation"]]
    assert client.get("/api/v1/evaluations/", {"year": 2023}).json()["count"] == 0
    detail = client.get(f"/api/v1/evaluations/{result['evaluation']}/").json()
    assert detail["weights"] == WEIGHTS
    scores = client.get(
        f"/api/v1/evaluations/{result['evaluation']}/scores/", {"sort": "-score", "page_size": 2}
    ).json()
    assert scores["count"] == 4
    assert [(row["name"], row["score"], row["rank"]) for row in scores["results"]] == [
        ("甲", "100.00", 1),
        ("丙", "61.83", 2),
    ]
    units = client.get(f"/api/v1/evaluations/{result['evaluation']}/scores/", {"kind": "unit"}).json()
    assert [row["name"] for row in units["results"]] == ["一局", "二局"]
    assert client.get(f"/api/v1/evaluations/{result['evaluation']}/scores/", {"kind": "x"}).status_code == 400


def test_api_runs_a_year_once_and_recomputes_on_request(client, district, taskforce_user, leader_user):
    client.force_login(leader_user)
    assert client.post("/api/v1/evaluations/run/", {"year": 2024}, content_type="application/json").status_code == 403
    client.force_login(taskforce_user)
    first = client.post("/api/v1/evaluations/run/", {"year": 2024}, content_type="application/json")
    again = client.post("/api/v1/evaluations/run/", {"year": 2024}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    refused = client.post(
        "/api/v1/evaluations/run/", {"year": 2024, "recompute": True}, content_type="application/json"
    )
    assert refused.status_code == 400 and "reason" in refused.json()
    newer = client.post(
        "/api/v1/evaluations/run/",
        {"year": 2024, "recompute": True, "reason": "更正"},
        content_type="application/json",
    )
    assert (newer.status_code, newer.json()["version"]) == (201, 2)


def test_api_weights_validation_changes_nothing(client, district, taskforce_user, leader_user):
    client.force_login(taskforce_user)
    wrong_sum = client.put("/api/v1/evaluation-weights/", {**WEIGHTS, "contact": 45}, content_type="application/json")
    negative = client.put(
        "/api/v1/evaluation-weights/", {**WEIGHTS, "contact": 45, "visits": -10}, content_type="application/json"
    )
    missing = client.put("/api/v1/evaluation-weights/", {"contact": 35}, content_type="application/json")
    assert (wrong_sum.status_code, negative.status_code, missing.status_code) == (400, 400, 400)
    assert "100" in str(wrong_sum.json()) and "visits" in negative.json()
    assert EvaluationWeights.current().as_dict() == WEIGHTS
    ok = client.put(
        "/api/v1/evaluation-weights/", {**WEIGHTS, "contact": 25, "visits": 20}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["contact"] == 25
    client.force_login(leader_user)
    assert client.get("/api/v1/evaluation-weights/").json()["contact"] == 25
    assert client.put("/api/v1/evaluation-weights/", WEIGHTS, content_type="application/json").status_code == 403


def test_api_is_closed_to_cadres(client, district):
    client.force_login(district["pairings"][0].cadre.user)
    assert client.get("/api/v1/evaluations/").status_code == 403
    assert client.get("/api/v1/evaluation-weights/").status_code == 403


def test_api_score_list_keeps_to_a_fixed_number_of_queries(
    client, district, leader_user, django_assert_max_num_queries
):
    unit = district["units"][1]
    for _i in range(30):
        factories.make_assignment(cadre=factories.make_cadre(unit=unit, with_user=False))
    result = services.annual_evaluation_run(year=2024)
    client.force_login(leader_user)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/evaluations/{result['evaluation']}/scores/")
    assert response.json()["count"] == 34


def test_schema_documents_the_evaluation_endpoints(client, admin_user_):
    import yaml

    client.force_login(admin_user_)  # the schema needs a sign-in
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in (
        "/api/v1/evaluations/",
        "/api/v1/evaluations/{id}/",
        "/api/v1/evaluations/run/",
        "/api/v1/evaluations/{id}/scores/",
        "/api/v1/evaluation-weights/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/evaluations/{id}/scores/"]["get"]["parameters"]}
    assert {"kind", "sort", "page"} <= params
    assert "year" in {p["name"] for p in paths["/api/v1/evaluations/"]["get"]["parameters"]}


def test_run_is_refused_for_a_role_outside_the_task_force(client, district):
    handler = factories.make_user(role=Role.UNIT_HANDLER, unit=district["units"][0])
    client.force_login(handler)
    assert client.post(reverse("evaluation-index"), {"year": 2024}).status_code == 403


def test_a_run_reads_a_fixed_number_of_queries_whatever_the_cadres(district, django_assert_max_num_queries):
    # given the run's queries on the district as it is
    with CaptureQueriesContext(connection) as small:
        services.evaluation_compute(year=2024, params=WEIGHTS)
    # and 40 more paired cadres with visits, in 20 more units, some re-paired during the year
    units = [factories.make_unit() for _i in range(20)]
    for i in range(40):
        unit = units[i // 2]
        cadre = factories.make_cadre(unit=unit, with_user=False)
        if i % 5 == 0:
            ended = factories.make_assignment(cadre=cadre, ended_on=date(2024, 4, 10))
            factories.make_visit(assignment=ended, date=date(2024, 2, 1))
        pairing = factories.make_assignment(
            cadre=cadre, started_on=date(2024, 4, 11) if i % 5 == 0 else date(2024, 1, 1)
        )
        factories.make_visit(assignment=pairing, date=date(2024, 6, 1))
    # when the year is computed, and when it is run (with its writes)
    with CaptureQueriesContext(connection) as large:
        rows = services.evaluation_compute(year=2024, params=WEIGHTS)
    # then the same queries are read: one for the visits of all months, one for the pairings, ...
    assert len(large) == len(small) <= 7
    assert len(rows) == 44 + 22
    with django_assert_max_num_queries(14):
        result = services.annual_evaluation_run(year=2024)
    assert result["cadres"] == 44


def test_contact_figures_follow_the_monthly_rule_for_pairings_that_change(district):
    """Pairings that end or start in the middle of a month, on a month's last day, a visit withdrawn, a
    visit logged by a substitute under another cadre's pairing: the figures are those of
    liaison.selectors.monthly_contact month by month."""
    # given re-pairings during the year
    unit = district["units"][1]
    cadre = factories.make_cadre(name="己", unit=unit, with_user=False)
    first = factories.make_assignment(cadre=cadre, ended_on=date(2024, 5, 15))
    second = factories.make_assignment(cadre=cadre, started_on=date(2024, 5, 16), ended_on=date(2024, 8, 31))
    third = factories.make_assignment(cadre=cadre, started_on=date(2024, 10, 31))
    late = factories.make_assignment(
        cadre=factories.make_cadre(unit=unit, with_user=False), started_on=date(2024, 12, 1)
    )
    for pairing, day in [
        (first, date(2024, 1, 9)),
        (first, date(2024, 5, 2)),
        (second, date(2024, 5, 20)),
        (second, date(2024, 8, 31)),
        (third, date(2024, 10, 31)),
        (third, date(2024, 12, 1)),
        (late, date(2024, 12, 31)),
    ]:
        factories.make_visit(assignment=pairing, date=day)
    withdrawn = factories.make_visit(assignment=third, date=date(2024, 11, 5))
    Visit.all_objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=datetime(2024, 11, 6, tzinfo=SHANGHAI), withdrawal_reason="重复录入"
    )
    other = district["pairings"][1]  # 乙's pairing, visited by 己 in November
    Visit.objects.create(
        cadre=cadre,
        enterprise=other.enterprise,
        assignment=other,
        date=date(2024, 11, 20),
        summary="代为走访",
        method="phone",
    )
    # when the contact figures are counted for the year
    months = [date(2024, m, 1) for m in range(1, 13)]
    contact, visits = services._contact_and_visits(months)
    # then they are the monthly rule's, summed
    expected: dict[int, list[int]] = {}
    for month in months:
        for pairing in monthly_contact(month):
            due_done = expected.setdefault(pairing.cadre_id, [0, 0])
            due_done[0] += 1
            due_done[1] += pairing.contacted
    assert contact == {cadre_id: tuple(figures) for cadre_id, figures in expected.items()}
    # Jan–Apr, May–Aug (in force on 31 May), Oct–Dec; contacted in January (not May: the first pairing
    # had ended by 31 May), May and August, October and December (November's visit was withdrawn)
    assert contact[cadre.pk] == (4 + 4 + 3, 1 + 2 + 2)
    assert contact[other.cadre_id] == (12, 7)  # 乙: January to June, and November by 己
    assert visits[cadre.pk] == 7 and visits[late.cadre_id] == 1


def test_names_with_backslashes_and_tabs_are_stored_as_they_are(district):
    # given a cadre and a unit whose names hold characters COPY escapes
    cadre = factories.make_cadre(name="王\\五\t二", unit=factories.make_unit(name="三局\\分局"), with_user=False)
    factories.make_visit(assignment=factories.make_assignment(cadre=cadre), date=date(2024, 2, 2))
    # when the year is stored
    result = services.annual_evaluation_run(year=2024)
    # then the names read back unchanged, with every row and its figures
    row = EvaluationScore.objects.get(evaluation_id=result["evaluation"], cadre=cadre)
    assert (row.name, row.unit_name, row.months_contacted, row.visit_count) == ("王\\五\t二", "三局\\分局", 1, 1)
    assert (
        EvaluationScore.objects.filter(evaluation_id=result["evaluation"]).count() == 5 + 3
    )  # five cadres, three units

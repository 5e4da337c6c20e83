"""The monthly bulletin (月通报): figures on a district counted by hand, freezing, corrections,
the idempotent job, the pages, the downloads and their query counts."""

from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from appeals import services as appeal_services
from appeals.models import Appeal, AppealCategory, Feedback
from liaison.models import Role, Visit
from reports import bulletins, charts
from reports.models import Bulletin, BulletinStatus
from reports.tasks import monthly_bulletin
from tests import factories, test_shared_storage

# The S3-compatible bucket of the shared-storage tests, for the bulletin's documents.
s3_server, s3_storage = test_shared_storage.s3_server, test_shared_storage.s3_storage

JUNE = date(2026, 6, 1)
PUBLISH_DAY = date(2026, 7, 1)


@pytest.fixture
def district(db, clock):
    """Two units, four cadres, June 2026 (1 June is a Monday; the Dragon Boat holiday on the 19th is
    after every step below).

    一局: 甲 (two June visits; A closed satisfied, B withdrawn), 乙 (no June visit; C out of scope,
          D left handling: overdue since 8 June).
    二局: 丙 (one June visit; E resolved then reopened as unsatisfied: overdue; G raised in May, overdue),
          丁 (a May visit only; F resolved, no verdict yet; H resolved, satisfied).
    """
    unit1, unit2 = factories.make_unit(name="一局"), factories.make_unit(name="二局")
    jia = factories.make_assignment(
        cadre=factories.make_cadre(unit=unit1, name="甲"), enterprise=factories.make_enterprise(name="甲方机械有限公司")
    )
    yi = factories.make_assignment(
        cadre=factories.make_cadre(unit=unit1, name="乙"), enterprise=factories.make_enterprise(name="乙方化工有限公司")
    )
    bing = factories.make_assignment(
        cadre=factories.make_cadre(unit=unit2, name="丙"), enterprise=factories.make_enterprise(name="丙方电子有限公司")
    )
    ding = factories.make_assignment(
        cadre=factories.make_cadre(unit=unit2, name="丁"), enterprise=factories.make_enterprise(name="丁方食品有限公司")
    )
    taskforce = factories.make_user(role=Role.TASKFORCE)
    policy = AppealCategory.objects.get(code="policy")
    for pairing, day in ((jia, 5), (jia, 20), (bing, 10)):
        factories.make_visit(assignment=pairing, date=date(2026, 6, day))
    factories.make_visit(assignment=ding, date=date(2026, 5, 15))

    clock.set(date(2026, 5, 20))
    g = factories.make_appeal(pairing=bing, title="G 五月诉求")
    clock.set(date(2026, 6, 1))
    a = factories.make_appeal(pairing=jia, title="A")
    d = factories.make_appeal(pairing=yi, title="D")
    clock.set(date(2026, 6, 2))
    b = factories.make_appeal(pairing=jia, title="B")
    c = appeal_services.appeal_raise(
        acting_user=taskforce,
        enterprise=yi.enterprise,
        category=policy,
        title="C",
        description="热线反映",
        source="hotline",
    )
    appeal_services.appeal_withdraw(appeal=b, acting_user=jia.cadre.user, reason="企业撤回")
    appeal_services.appeal_mark_out_of_scope(appeal=c, acting_user=taskforce, explanation="属法院审理事项")
    clock.set(date(2026, 6, 3))
    e = factories.make_appeal(pairing=bing, title="E")
    appeal_services.appeal_resolve(appeal=a, acting_user=jia.cadre.user, resolution="已解决")  # 2 working days
    appeal_services.appeal_feedback(appeal=a, acting_user=jia.cadre.user, verdict=Feedback.SATISFIED)
    clock.set(date(2026, 6, 5))
    appeal_services.appeal_resolve(appeal=e, acting_user=bing.cadre.user, resolution="已答复")
    appeal_services.appeal_feedback(
        appeal=e, acting_user=bing.cadre.user, verdict=Feedback.UNSATISFIED, comment="未解决"
    )
    clock.set(date(2026, 6, 10))
    f = factories.make_appeal(pairing=ding, title="F")
    clock.set(date(2026, 6, 12))
    appeal_services.appeal_resolve(appeal=f, acting_user=ding.cadre.user, resolution="已办结")  # 2 working days
    clock.set(date(2026, 6, 15))
    h = factories.make_appeal(pairing=ding, title="H")
    clock.set(date(2026, 6, 16))
    appeal_services.appeal_resolve(appeal=h, acting_user=ding.cadre.user, resolution="已办结")  # 1 working day
    appeal_services.appeal_feedback(appeal=h, acting_user=ding.cadre.user, verdict=Feedback.SATISFIED)

    clock.set(PUBLISH_DAY, hour=6)
    return {
        "unit1": unit1,
        "unit2": unit2,
        "jia": jia,
        "yi": yi,
        "bing": bing,
        "ding": ding,
        "taskforce": taskforce,
        "appeals": {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h},
    }


def _appeals(**figures) -> dict:
    base = {
        "total": 0,
        "counted": 0,
        "withdrawn": 0,
        "out_of_scope": 0,
        "resolved": 0,
        "open": 0,
        "overdue": 0,
        "closure_rate": None,
        "on_time_rate": None,
        "satisfaction": None,
        "avg_handling_workdays": None,
    }
    return {**base, **figures}


def _without_time(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key != "computed_at"}


def _by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


# --- The figures --------------------------------------------------------------------------------


def test_the_published_figures_match_the_hand_count(district):
    # given the hand-built district of June 2026, on 1 July
    # when the June bulletin is published
    bulletin, created = bulletins.bulletin_publish(month=JUNE, acting_user=district["taskforce"])
    figures = bulletins.bulletin_full_figures(bulletin)
    # (stored as rows, it reads back as the computing function builds it)
    assert _without_time(figures) == _without_time(bulletins.bulletin_figures(JUNE))
    # then it is version 1, published now by the task-force user
    assert created and bulletin.version == 1 and bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.created_by == district["taskforce"]
    assert (figures["month"], figures["first"], figures["last"]) == ("2026-06", "2026-06-01", "2026-06-30")
    # the campaign totals: 2 of 4 pairings contacted, 3 visits, 7 appeals raised in June (G was May's)
    totals = figures["totals"]
    assert {k: totals[k] for k in ("units", "cadres", "due", "contacted", "missed", "visits", "lagging")} == {
        "units": 2,
        "cadres": 4,
        "due": 4,
        "contacted": 2,
        "missed": 2,
        "visits": 3,
        "lagging": 3,
    }
    assert totals["compliance"] == pytest.approx(0.5)
    assert totals["appeals"] == _appeals(
        total=7,
        counted=5,
        withdrawn=1,
        out_of_scope=1,
        resolved=3,  # A, F, H; E was reopened
        open=2,  # D, E
        overdue=2,
        closure_rate=pytest.approx(3 / 5),
        on_time_rate=1.0,
        satisfaction=pytest.approx(2 / 3),  # A and H satisfied, E unsatisfied; F has no verdict
        avg_handling_workdays=pytest.approx((2 + 2 + 1) / 3),
    )
    # per unit: both contacted half their pairings, so the closure rate decides the ranking
    units = figures["units"]
    assert [(u["name"], u["rank"]) for u in units] == [("二局", 1), ("一局", 2)]
    second, first = units
    assert {k: second[k] for k in ("cadres", "due", "contacted", "missed", "visits")} == {
        "cadres": 2,
        "due": 2,
        "contacted": 1,
        "missed": 1,
        "visits": 1,
    }
    assert second["compliance"] == pytest.approx(0.5)
    assert second["appeals"] == _appeals(
        total=3,
        counted=3,
        resolved=2,
        open=1,
        overdue=1,
        closure_rate=pytest.approx(2 / 3),
        on_time_rate=1.0,
        satisfaction=pytest.approx(1 / 2),
        avg_handling_workdays=pytest.approx(1.5),
    )
    assert {k: first[k] for k in ("cadres", "due", "contacted", "missed", "visits")} == {
        "cadres": 2,
        "due": 2,
        "contacted": 1,
        "missed": 1,
        "visits": 2,
    }
    assert first["appeals"] == _appeals(
        total=4,
        counted=2,
        withdrawn=1,
        out_of_scope=1,
        resolved=1,
        open=1,
        overdue=1,
        closure_rate=pytest.approx(0.5),
        on_time_rate=1.0,
        satisfaction=1.0,
        avg_handling_workdays=pytest.approx(2.0),
    )
    # per cadre
    cadres = _by_name(figures["cadres"])
    assert [c["name"] for c in figures["cadres"]] == ["乙", "甲", "丁", "丙"]  # by unit, then name
    jia, yi, bing, ding = cadres["甲"], cadres["乙"], cadres["丙"], cadres["丁"]
    assert (jia["unit"], jia["enterprises"], jia["due"], jia["contacted"], jia["visits"]) == (
        "一局",
        ["甲方机械有限公司"],
        1,
        1,
        2,
    )
    assert jia["compliance"] == 1.0
    assert jia["appeals"] == _appeals(
        total=2,
        counted=1,
        withdrawn=1,
        resolved=1,
        closure_rate=1.0,
        on_time_rate=1.0,
        satisfaction=1.0,
        avg_handling_workdays=2.0,
    )
    assert (yi["contacted"], yi["visits"], yi["compliance"]) == (0, 0, 0.0)
    assert yi["appeals"] == _appeals(total=2, counted=1, out_of_scope=1, open=1, overdue=1, closure_rate=0.0)
    assert (bing["contacted"], bing["visits"]) == (1, 1)
    assert bing["appeals"] == _appeals(total=1, counted=1, open=1, overdue=1, closure_rate=0.0, satisfaction=0.0)
    assert (ding["contacted"], ding["visits"]) == (0, 0)
    assert ding["appeals"] == _appeals(
        total=2,
        counted=2,
        resolved=2,
        closure_rate=1.0,
        on_time_rate=1.0,
        satisfaction=1.0,
        avg_handling_workdays=pytest.approx(1.5),
    )
    # the lagging cadres: 乙 missed contact and has D overdue; 丁 missed contact; 丙 has E and May's G overdue
    assert [
        (c["name"], c["unit"], c["enterprises"], c["missed_contact"], c["overdue_appeals"]) for c in figures["lagging"]
    ] == [
        ("乙", "一局", ["乙方化工有限公司"], True, 1),
        ("丁", "二局", ["丁方食品有限公司"], True, 0),
        ("丙", "二局", [], False, 2),
    ]
    # the six-month trend: no visit before May, 丁's in May; G (May) is open
    trend = figures["trend"]
    assert [p["month"] for p in trend] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [p["compliance"] for p in trend] == [0.0, 0.0, 0.0, 0.0, 0.25, 0.5]
    assert [p["closure_rate"] for p in trend] == [None, None, None, None, 0.0, pytest.approx(0.6)]
    # and the counting rules are frozen with the figures
    assert figures["rules"]["ranking"][:2] == ["contact_compliance desc", "closure_rate desc"]
    assert any("单位排名" in line for line in figures["rules"]["note"])


def test_building_the_figures_takes_the_same_queries_for_a_small_or_a_large_district(
    db, clock, django_assert_max_num_queries
):
    # given 60 units of 3 cadres each, each with a visit and an appeal in June
    clock.set(date(2026, 6, 3))
    for i in range(60):
        unit = factories.make_unit(name=f"批量单位{i:02d}")
        for j in range(3):
            pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name=f"干部{i}-{j}"))
            factories.make_visit(assignment=pairing, date=date(2026, 6, 2))
            factories.make_appeal(pairing=pairing, title=f"诉求{i}-{j}")
    clock.set(PUBLISH_DAY)
    # when the figures are built, then a fixed handful of queries does it
    with django_assert_max_num_queries(20):
        figures = bulletins.bulletin_figures(JUNE)
    assert figures["totals"]["cadres"] == 180 and len(figures["units"]) == 60


def test_progress_is_reported_after_each_step(district):
    # given a progress callback
    calls = []
    # when the job's entry point runs
    result = bulletins.monthly_bulletin_run(
        month=JUNE, progress=lambda done, total, note="": calls.append((done, total))
    )
    # then it was called after compliance, appeals, cadres and the charts' trend
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result["created"] is True and result["month"] == "2026-06" and result["version"] == 1
    assert (result["units"], result["cadres"], result["lagging"]) == (2, 4, 3)


# --- Frozen, and corrected by a new version -----------------------------------------------------------


def test_later_edits_leave_the_published_bulletin_unchanged_and_a_correction_is_version_2(district):
    # given the June bulletin
    bulletin, _created = bulletins.bulletin_publish(month=JUNE, acting_user=district["taskforce"])
    frozen = bulletins.bulletin_full_figures(Bulletin.objects.get(pk=bulletin.pk))
    # when June's data is edited afterwards: a visit added for 乙, one of 甲's deleted, D resolved
    factories.make_visit(assignment=district["yi"], date=date(2026, 6, 25))
    Visit.objects.filter(cadre=district["jia"].cadre, date=date(2026, 6, 20)).delete()
    appeal_services.appeal_resolve(
        appeal=district["appeals"]["d"], acting_user=district["yi"].cadre.user, resolution="补办结"
    )
    # then the published figures are those frozen
    assert bulletins.bulletin_full_figures(Bulletin.objects.get(pk=bulletin.pk)) == frozen
    again, created = bulletins.bulletin_publish(month=JUNE)
    assert not created and again.pk == bulletin.pk
    # when the task force issues a correction
    corrected = bulletins.bulletin_reissue(month=JUNE, reason="乙补录走访记录", acting_user=district["taskforce"])
    # then version 2 has the new figures, and version 1 is kept as it was, superseded
    assert corrected.version == 2 and corrected.reason == "乙补录走访记录" and corrected.is_current
    new = bulletins.bulletin_full_figures(corrected)
    assert (new["totals"]["contacted"], new["totals"]["visits"]) == (3, 3)
    assert new["totals"]["appeals"]["resolved"] == 4
    assert [u["name"] for u in new["units"]] == ["一局", "二局"]  # 一局 now contacts 2 of 2
    old = Bulletin.objects.get(pk=bulletin.pk)
    assert old.status == BulletinStatus.SUPERSEDED and old.superseded_at is not None
    # with its own rows
    assert bulletins.bulletin_full_figures(old) == frozen
    assert old.cadre_rows.count() == 4 and corrected.cadre_rows.count() == 4
    assert bulletins.bulletin_current(JUNE) == corrected


def test_a_correction_needs_a_reason_and_the_task_force(district, leader_user):
    # given the June bulletin
    bulletins.bulletin_publish(month=JUNE)
    # when a correction comes without a reason, or from a leader, then it is refused and nothing changes
    with pytest.raises(ValidationError) as error:
        bulletins.bulletin_reissue(month=JUNE, reason="  ", acting_user=district["taskforce"])
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_reissue(month=JUNE, reason="更正", acting_user=leader_user)
    with pytest.raises(ValidationError):
        bulletins.bulletin_reissue(month=date(2026, 5, 1), reason="更正", acting_user=district["taskforce"])
    assert Bulletin.objects.count() == 1


def test_a_month_not_over_cannot_be_published(district):
    # when the July bulletin is asked for on 1 July, then it is refused
    with pytest.raises(ValidationError) as error:
        bulletins.bulletin_publish(month=date(2026, 7, 1))
    assert "month" in error.value.message_dict
    assert not Bulletin.objects.exists()


def test_the_database_refuses_a_second_version_1_a_mid_month_date_and_a_correction_without_reason(district):
    # given the June bulletin
    bulletin, _created = bulletins.bulletin_publish(month=JUNE)
    now = bulletin.published_at
    for fields in (
        {"month": JUNE, "version": 1, "status": BulletinStatus.SUPERSEDED, "superseded_at": now},
        {"month": JUNE, "version": 2},  # a second current version
        {"month": date(2026, 5, 15), "version": 1},
        {"month": date(2026, 5, 1), "version": 2},  # no reason
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Bulletin.objects.create(published_at=now, **fields)


# --- The job ----------------------------------------------------------------------------------------


def test_the_job_run_twice_publishes_one_bulletin(district):
    # when the monthly job runs twice on 1 July (as Celery would, eagerly in tests)
    first = monthly_bulletin.delay().get()
    second = monthly_bulletin.delay().get()
    # then it published June once
    assert first["created"] is True and second["created"] is False
    assert first["bulletin"] == second["bulletin"] and first["month"] == "2026-06"
    assert Bulletin.objects.count() == 1
    assert Bulletin.objects.get().created_by is None


def test_the_job_takes_a_month_argument(district):
    monthly_bulletin.delay("2026-05").get()
    assert Bulletin.objects.get().month == date(2026, 5, 1)


def test_a_publication_losing_the_race_returns_the_winners_bulletin(district, monkeypatch):
    # given another run that published June between our check and our insert
    winner, _created = bulletins.bulletin_publish(month=JUNE)
    monkeypatch.setattr(bulletins, "bulletin_current", lambda month: None)
    # when we publish, then the insert fails on the unique constraint and the winner's is returned
    bulletin, created = bulletins.bulletin_publish(month=JUNE)
    assert not created and bulletin.pk == winner.pk
    assert Bulletin.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publications_make_one_bulletin(clock, monkeypatch):
    # given a small district and two runs that both get past the "already published?" check
    pairing = factories.make_assignment()
    factories.make_visit(assignment=pairing, date=date(2026, 6, 10))
    clock.set(PUBLISH_DAY)
    barrier = threading.Barrier(2, timeout=20)
    build = bulletins.bulletin_figures

    def both_build(month, progress=None):
        figures = build(month, progress=progress)
        barrier.wait()
        return figures

    monkeypatch.setattr(bulletins, "bulletin_figures", both_build)
    results, errors = [], []

    def run():
        try:
            results.append(bulletins.monthly_bulletin_run(month=JUNE))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _i in range(2)]
    # when they insert at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then one bulletin exists, and both runs report it
    assert errors == []
    assert sorted(r["created"] for r in results) == [False, True]
    assert len({r["bulletin"] for r in results}) == 1
    assert Bulletin.objects.count() == 1


# --- Charts --------------------------------------------------------------------------------------------


def test_the_charts_are_svg_with_titles_and_escaped_labels():
    # given figures with a unit whose name holds markup
    figures = {
        "month": "2026-06",
        "units": [
            {"name": '<script>alert("x")</script>局', "compliance": 0.5, "contacted": 1, "due": 2},
            {"name": "无结对单位", "compliance": None, "contacted": 0, "due": 0},
        ],
        "trend": [{"month": "2026-05", "compliance": 0.25, "closure_rate": None}],
    }
    # when drawn
    bars, trend = str(charts.unit_compliance_chart(figures)), str(charts.trend_chart_of(figures))
    # then both are SVG with a title, and the markup is text
    for svg in (bars, trend):
        assert svg.startswith("<svg") and "<title" in svg and "Noto Sans CJK SC" in svg
    assert "<script>" not in bars and "&lt;script&gt;" in bars
    assert "50.0%" in bars and "25.0%" in trend


def test_a_long_unit_list_shows_its_first_and_last_units():
    units = [{"name": f"单位{i:03d}", "compliance": 1 - i / 100, "contacted": 1, "due": 1} for i in range(100)]
    svg = str(charts.unit_compliance_chart({"month": "2026-06", "units": units}, edge=5))
    assert "单位000" in svg and "单位004" in svg and "单位099" in svg and "单位095" in svg
    assert "单位050" not in svg


# --- Pages -----------------------------------------------------------------------------------------------


@pytest.fixture
def published(district):
    bulletin, _created = bulletins.bulletin_publish(month=JUNE, acting_user=district["taskforce"])
    return bulletin


@pytest.fixture
def rendered(published):
    """The June bulletin with its PDF and workbook rendered and stored, as the job leaves them."""
    assert bulletins.bulletin_documents_run(month=JUNE) == {"month": "2026-06", "documents": 2}
    return published


@pytest.mark.parametrize("role", [Role.LEADER, Role.TASKFORCE, Role.ADMIN, Role.UNIT_HANDLER])
def test_viewers_read_the_bulletin_pages(client, published, district, role):
    kwargs = {"unit": district["unit1"]} if role == Role.UNIT_HANDLER else {}
    client.force_login(factories.make_user(role=role, **kwargs))
    for url in (reverse("bulletin-list"), reverse("bulletin-detail", args=["2026-06"])):
        response = client.get(url)
        assert response.status_code == 200
    page = response.content.decode()
    assert "二局" in page and "乙方化工有限公司" in page and page.count("<svg") == 2


def test_a_cadre_may_not_read_the_bulletin(client, published, district):
    client.force_login(district["jia"].cadre.user)
    for url in (
        reverse("bulletin-list"),
        reverse("bulletin-detail", args=["2026-06"]),
        reverse("bulletin-pdf", args=["2026-06"]),
        reverse("bulletin-xlsx", args=["2026-06"]),
    ):
        assert client.get(url).status_code == 403


def test_an_older_version_is_shown_with_a_superseded_banner(client, published, district, leader_user):
    # given a correction of June
    bulletins.bulletin_reissue(month=JUNE, reason="更正走访数据", acting_user=district["taskforce"])
    client.force_login(leader_user)
    # when the leader opens version 1 and the current one
    old = client.get(reverse("bulletin-detail", args=["2026-06"]), {"v": 1}).content.decode()
    current = client.get(reverse("bulletin-detail", args=["2026-06"])).content.decode()
    # then version 1 says it was superseded, and both list the two versions with the reason
    assert 'id="superseded-banner"' in old and "?v=1" in current
    assert 'id="superseded-banner"' not in current and "更正走访数据" in current
    assert client.get(reverse("bulletin-detail", args=["2026-06"]), {"v": 9}).status_code == 404
    assert client.get(reverse("bulletin-detail", args=["2026-13"])).status_code == 404


def test_the_task_force_publishes_and_corrects_from_the_list_page(client, district):
    client.force_login(district["taskforce"])
    # when a month not over is asked for, then the form says so and nothing is published
    response = client.post(reverse("bulletin-publish"), {"month": "2026-07"})
    assert response.status_code == 400 and not Bulletin.objects.exists()
    # when June is published, twice
    response = client.post(reverse("bulletin-publish"), {"month": "2026-06"})
    assert response.status_code == 302 and response["Location"] == reverse("bulletin-detail", args=["2026-06"])
    client.post(reverse("bulletin-publish"), {"month": "2026-06"})
    assert Bulletin.objects.count() == 1
    # when a correction comes without a reason, then it is refused
    response = client.post(reverse("bulletin-reissue"), {"month": "2026-06", "reason": ""})
    assert response.status_code == 400 and Bulletin.objects.count() == 1
    # and with one, version 2 is published
    response = client.post(reverse("bulletin-reissue"), {"month": "2026-06", "reason": "补录"})
    assert response.status_code == 302
    assert list(Bulletin.objects.values_list("version", "status")) == [(2, "published"), (1, "superseded")]


def test_a_leader_may_not_publish_or_correct(client, published, leader_user):
    client.force_login(leader_user)
    assert client.post(reverse("bulletin-publish"), {"month": "2026-05"}).status_code == 403
    assert client.post(reverse("bulletin-reissue"), {"month": "2026-06", "reason": "x"}).status_code == 403
    assert Bulletin.objects.count() == 1


def test_the_pdf_holds_the_units_and_the_lagging_cadres(client, rendered, leader_user):
    from pypdf import PdfReader

    client.force_login(leader_user)
    response = client.get(reverse("bulletin-pdf", args=["2026-06"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "一局" in text and "二局" in text and "乙方化工有限公司" in text


def test_the_workbook_has_the_four_sheets(client, rendered, leader_user):
    client.force_login(leader_user)
    response = client.get(reverse("bulletin-xlsx", args=["2026-06"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["汇总", "单位", "干部", "落后干部"]
    units = list(workbook["单位"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in units] == [(1, "二局"), (2, "一局")]
    assert units[0][12] == pytest.approx(2 / 3)
    lagging = list(workbook["落后干部"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in lagging] == ["乙", "丁", "丙"]
    assert len(list(workbook["干部"].iter_rows(min_row=2))) == 4


@pytest.mark.parametrize("months", [2, 12])
def test_the_list_page_runs_a_bounded_number_of_queries(
    client, db, clock, leader_user, django_assert_max_num_queries, months
):
    # given `months` bulletins, each corrected once
    clock.set(date(2027, 3, 1))
    taskforce = factories.make_user(role=Role.TASKFORCE)
    factories.make_assignment()
    month = date(2026, 1, 1)
    for _i in range(months):
        bulletins.bulletin_publish(month=month, acting_user=taskforce)
        bulletins.bulletin_reissue(month=month, reason="更正", acting_user=taskforce)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    client.force_login(leader_user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("bulletin-list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-month="') == months


@pytest.mark.parametrize("units", [3, 40])
def test_the_detail_page_runs_a_bounded_number_of_queries(
    client, db, clock, leader_user, django_assert_max_num_queries, units
):
    # given a bulletin of `units` units with two cadres each, in its second version
    clock.set(date(2026, 6, 5))
    for i in range(units):
        unit = factories.make_unit(name=f"查询单位{i:02d}")
        for j in range(2):
            pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name=f"干部{i}-{j}"))
            if j:
                factories.make_visit(assignment=pairing, date=date(2026, 6, 3))
    clock.set(PUBLISH_DAY)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    bulletins.bulletin_publish(month=JUNE, acting_user=taskforce)
    bulletins.bulletin_reissue(month=JUNE, reason="更正", acting_user=taskforce)
    client.force_login(leader_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("bulletin-detail", args=["2026-06"]))
    assert response.status_code == 200
    assert response.content.decode().count("data-unit=") == units


def test_the_bulletin_is_titled_as_an_official_document_with_its_issuer(client, published, leader_user, settings):
    settings.DISTRICT_NAME = "西岗区"
    settings.BULLETIN_ISSUER = "西岗区“领导干部进项目进企业”专项行动领导小组工作专班"
    client.force_login(leader_user)
    html = client.get(reverse("bulletin-detail", args=["2026-06"])).content.decode()
    assert "2026年6月西岗区“领导干部进项目进企业”专项行动工作通报" in html
    assert "西岗区“领导干部进项目进企业”专项行动领导小组工作专班 · 2026年7月1日" in html


def test_the_nav_shows_the_bulletin_to_viewers_only(client, published, leader_user, district):
    client.force_login(leader_user)
    assert 'id="nav-bulletin"' in client.get(reverse("bulletin-list")).content.decode()
    client.force_login(district["jia"].cadre.user)
    assert 'id="nav-bulletin"' not in client.get(reverse("home")).content.decode()


def test_appeal_rows_unchanged_by_publication(published, district):
    """Publishing reads only: no appeal was touched."""
    assert Appeal.objects.filter(status="handling").count() == 3  # D, E, G


def test_the_admin_shows_bulletins_read_only(client, published, admin_user_):
    client.force_login(admin_user_)
    assert client.get(reverse("admin:reports_bulletin_changelist")).status_code == 200
    response = client.get(reverse("admin:reports_bulletin_change", args=[published.pk]))
    assert response.status_code == 200 and "二局" in response.content.decode()
    assert client.get(reverse("admin:reports_bulletin_add")).status_code == 403


# --- Rows: the set-based path and the ORM path agree; old bulletins migrate --------------------------


def test_the_set_based_rows_are_those_of_the_orm_path(district):
    # given the June district
    # when the cadre rows are computed by the one PostgreSQL statement and by the ORM path
    with bulletins._planned_for_reports():
        by_sql = bulletins._cadre_rows_sql(JUNE)
    by_orm = bulletins._cadre_rows_python(JUNE)
    # then they are the same rows, in the same order
    assert by_sql == by_orm
    assert [row["position"] for row in by_sql] == [1, 2, 3, 4]


def test_a_bulletin_written_by_either_path_reads_the_same(district, monkeypatch):
    # given June published with the set-based statement
    first, _created = bulletins.bulletin_publish(month=JUNE, acting_user=district["taskforce"])
    # when it is corrected through the ORM path (as on SQLite), the data unchanged
    monkeypatch.setattr(bulletins, "_set_based", lambda: False)
    second = bulletins.bulletin_reissue(month=JUNE, reason="核对", acting_user=district["taskforce"])
    # then both versions hold the same rows and figures
    assert _without_time(bulletins.bulletin_full_figures(second)) == _without_time(
        bulletins.bulletin_full_figures(first)
    )
    assert second.figures["rows"] == {"units": 2, "cadres": 4, "lagging": 3}


def test_both_paths_rank_ties_unknown_rates_and_units_with_nothing_due_alike(db, clock, monkeypatch):
    # given five units in June: 甲 and 乙 contacted with no appeal (a tie), 丙 contacted with an open
    # appeal (0% closure), 丁 not contacted, 戊 whose only pairing ended mid-June after a visit (nothing due)
    clock.set(date(2026, 6, 2))
    units = {name: factories.make_unit(name=f"{name}单位") for name in "甲乙丙丁戊"}
    pairings = {name: factories.make_assignment(cadre=factories.make_cadre(unit=unit)) for name, unit in units.items()}
    for name in "甲乙丙":
        factories.make_visit(assignment=pairings[name], date=date(2026, 6, 2))
    factories.make_appeal(pairing=pairings["丙"])
    ended = pairings["戊"]
    factories.make_visit(assignment=ended, date=date(2026, 6, 2))
    ended.ended_on = date(2026, 6, 15)
    ended.save(update_fields=["ended_on"])
    clock.set(PUBLISH_DAY)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    # when June is published by the set-based statements, and corrected through the ORM path
    first, _created = bulletins.bulletin_publish(month=JUNE, acting_user=taskforce)
    monkeypatch.setattr(bulletins, "_set_based", lambda: False)
    second = bulletins.bulletin_reissue(month=JUNE, reason="核对", acting_user=taskforce)
    # then both rank the units alike, by the rule printed in the bulletin: a unit with no appeal has
    # nothing unresolved and ranks as 100% closure, above 丙 that closed none of its appeal; the tie
    # shares its place (乙 before 甲, as code points); nothing due comes last, after 丁 that contacted none
    ranked = [(row.rank, row.name) for row in bulletins.bulletin_unit_rows(first)]
    assert ranked == [(1, "乙单位"), (1, "甲单位"), (3, "丙单位"), (4, "丁单位"), (5, "戊单位")]
    # and the rule is printed in the bulletin, with how "no appeals" and "nothing due" rank
    note = "".join(first.figures["rules"]["note"])
    assert "办结率一项按100%参与比较" in note and "当月没有应联系结对的单位不计联系率，排在所有单位之后" in note
    assert [(row.rank, row.name) for row in bulletins.bulletin_unit_rows(second)] == ranked
    assert bulletins.bulletin_unit_rows(first).get(name="戊单位").compliance is None


def test_a_bulletin_stored_as_one_json_document_moves_into_rows_and_back(district):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0004_bulletin_figures_to_rows")
    # given a bulletin published before the rows existed: the whole snapshot in its JSON
    old_style = bulletins.bulletin_figures(JUNE)
    old_style["schema"] = 1
    del old_style["rows"]
    bulletin = Bulletin.objects.create(month=JUNE, figures=old_style, published_at=district["taskforce"].date_joined)
    # when the data migration runs
    migration.forwards(apps, None)
    # then its units and cadres are rows, read back as they were published, and the JSON is small
    bulletin.refresh_from_db()
    assert set(bulletin.figures) == {"schema", "month", "first", "last", "computed_at", "rules", "totals", "trend"}
    moved = bulletins.bulletin_full_figures(bulletin)
    for key in ("units", "cadres", "lagging"):
        assert moved[key] == old_style[key], key
    assert bulletin.documents.count() == 2
    # and going back puts the JSON as it was
    migration.backwards(apps, None)
    bulletin.refresh_from_db()
    for key in ("units", "cadres", "lagging"):
        assert bulletin.figures[key] == old_style[key], key
    assert not bulletin.cadre_rows.exists()


# --- Documents: rendered once, stored, served -----------------------------------------------------------


def test_the_documents_are_rendered_by_a_job_started_on_commit(district, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from jobs.models import JobRun

    # when June is published (the job runs in-process here, as without Redis)
    with django_capture_on_commit_callbacks(execute=True):
        bulletin, _created = bulletins.bulletin_publish(month=JUNE, acting_user=district["taskforce"])
    # then a bulletin_documents run rendered the PDF and the workbook into the storage
    run = JobRun.objects.get(job="bulletin_documents")
    assert run.status == "succeeded" and run.result == {"month": "2026-06", "documents": 2}
    documents = bulletins.bulletin_documents(bulletin)
    assert {kind: d.status for kind, d in documents.items()} == {"pdf": "ready", "xlsx": "ready"}
    with default_storage.open(documents["pdf"].file.name) as stored:
        assert stored.read(5) == b"%PDF-"
    assert documents["pdf"].size == default_storage.size(documents["pdf"].file.name)
    # and running the job again renders nothing
    assert bulletins.bulletin_documents_run(month=JUNE) == {"month": "2026-06", "documents": 0}


def test_the_download_serves_the_stored_file_without_rendering(
    client, rendered, leader_user, monkeypatch, django_assert_max_num_queries
):
    from django.core.files.storage import default_storage

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered in the request")

    # given the stored documents, and rendering made impossible
    monkeypatch.setattr(bulletins, "bulletin_pdf", no_rendering)
    monkeypatch.setattr(bulletins, "bulletin_workbook", no_rendering)
    client.force_login(leader_user)
    for kind in ("pdf", "xlsx"):
        # when the document is downloaded
        with django_assert_max_num_queries(7):
            response = client.get(reverse(f"bulletin-{kind}", args=["2026-06"]))
        # then it is the stored file, as a download
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        stored = rendered.documents.get(kind=kind)
        with default_storage.open(stored.file.name) as file:
            assert b"".join(response.streaming_content) == file.read()
        assert response["Content-Length"] == str(stored.size)


def test_before_the_documents_exist_the_page_says_they_are_being_made(client, published, leader_user):
    client.force_login(leader_user)
    # when the bulletin is opened before its documents are rendered
    page = client.get(reverse("bulletin-detail", args=["2026-06"])).content.decode()
    # then it says they are being made, polls for them, and the download buttons are disabled
    assert 'data-state="pending"' in page and "正在生成 PDF 和 Excel" in page
    assert 'hx-trigger="every 3s"' in page and 'hx-get="/bulletins/2026-06/documents/"' in page
    assert '<button class="btn btn-sm btn-outline-secondary" id="bulletin-pdf" type="button" disabled' in page
    assert 'href="/bulletins/2026-06/pdf"' not in page
    # and a download asked for meanwhile answers 202 with the same state, to try again
    response = client.get(reverse("bulletin-pdf", args=["2026-06"]))
    assert response.status_code == 202 and response["Retry-After"] == "5"
    assert "正在生成 PDF 和 Excel" in response.content.decode()
    # when the job has rendered them, then the polled part holds the links and stops polling
    bulletins.bulletin_documents_run(month=JUNE)
    part = client.get(reverse("bulletin-documents", args=["2026-06"])).content.decode()
    assert 'data-state="ready"' in part and 'href="/bulletins/2026-06/pdf"' in part and "hx-trigger" not in part


def test_a_failed_rendering_is_shown_and_the_task_force_renders_it_again(
    client, published, district, leader_user, monkeypatch, django_capture_on_commit_callbacks
):
    # given a PDF that fails to render
    real_pdf = bulletins.bulletin_pdf
    monkeypatch.setattr(bulletins, "bulletin_pdf", lambda bulletin: 1 / 0)
    with pytest.raises(RuntimeError, match="2026-06 v1 pdf"):
        bulletins.bulletin_documents_run(month=JUNE)
    documents = bulletins.bulletin_documents(published)
    assert documents["pdf"].status == "failed" and "ZeroDivisionError" in documents["pdf"].error
    assert documents["xlsx"].status == "ready"
    # then the page says so; a leader may not retry, the task force may
    client.force_login(leader_user)
    page = client.get(reverse("bulletin-detail", args=["2026-06"])).content.decode()
    assert 'data-state="failed"' in page and "生成失败" in page and 'id="documents-retry"' not in page
    assert client.post(reverse("bulletin-documents", args=["2026-06"])).status_code == 403
    client.force_login(district["taskforce"])
    assert 'id="documents-retry"' in client.get(reverse("bulletin-detail", args=["2026-06"])).content.decode()
    # when the task force retries, rendering working again
    monkeypatch.setattr(bulletins, "bulletin_pdf", real_pdf)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bulletin-documents", args=["2026-06"]))
    # then both documents are ready
    assert response.status_code == 302
    assert {d.kind: d.status for d in published.documents.all()} == {"pdf": "ready", "xlsx": "ready"}


def test_a_correction_renders_its_own_documents_and_the_old_ones_stay(client, rendered, district, leader_user):
    old_pdf = rendered.documents.get(kind="pdf").file.name
    # when June is corrected
    corrected = bulletins.bulletin_reissue(month=JUNE, reason="补录", acting_user=district["taskforce"])
    # then only the new version's documents are rendered by the next run
    assert bulletins.bulletin_documents_run(month=JUNE) == {"month": "2026-06", "documents": 2}
    new_pdf = corrected.documents.get(kind="pdf").file.name
    assert new_pdf != old_pdf and "v2" in new_pdf
    # and version 1 still downloads its own
    client.force_login(leader_user)
    response = client.get(reverse("bulletin-pdf", args=["2026-06"]), {"v": 1})
    assert response.status_code == 200 and 'filename="bulletin-2026-06-v1.pdf"' in response["Content-Disposition"]


def test_the_documents_go_to_the_shared_bucket(client, published, leader_user, s3_storage):
    from django.core.files.storage import default_storage

    from tests.test_shared_storage import BUCKET

    # when the documents are rendered with the files kept in an S3-compatible bucket
    bulletins.bulletin_documents_run(month=JUNE)
    # then they are objects of the bucket, served through the portal
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert published.documents.get(kind="pdf").file.name in keys
    client.force_login(leader_user)
    response = client.get(reverse("bulletin-xlsx", args=["2026-06"]))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"

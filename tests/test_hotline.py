"""12345 hotline work orders in, status back, and the Open311 read calls (PostgreSQL; jobs run eagerly)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from appeals import services as appeal_services
from appeals.models import Appeal, Source, Tier
from hotline import services
from hotline.models import Callback, CallbackState, WorkOrder
from liaison.models import Notification, Role
from tests import factories
from tests.hotline_support import Receiver, api_for, make_client, order, verifies

pytestmark = pytest.mark.django_db
URL = "/api/v1/hotline/work-orders/"


@pytest.fixture
def hotline(db):
    return make_client()


def test_a_work_order_for_a_paired_enterprise_goes_to_its_cadre_and_a_repeat_gives_the_same_appeal(hotline, clock):
    # given a paired enterprise
    clock.set(date(2026, 6, 3))
    client, key = hotline
    pairing = factories.make_pairing_with_login()
    api = api_for(key)
    # when the hotline posts a work order for it, twice
    first = api.post(URL, order(pairing.enterprise), format="json")
    again = api.post(URL, order(pairing.enterprise, title="重复提交"), format="json")
    # then one appeal, with the cadre at the individual tier, source hotline; the repeat answers 200 with it
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    body = first.json()
    assert again.json()["appeal_id"] == body["appeal_id"]
    assert (body["status"], body["tier"], body["created"], again.json()["created"]) == ("handling", 1, True, False)
    assert body["status_url"].endswith("/api/v1/hotline/work-orders/GD20260603001/")
    appeal = Appeal.objects.get()
    assert (appeal.source, appeal.tier, appeal.handler_cadre_id) == (Source.HOTLINE, Tier.INDIVIDUAL, pairing.cadre_id)
    assert appeal.raised_by_id == client.user_id and appeal.category.code == "utilities"
    assert WorkOrder.objects.get().contact_phone == "13800000000"
    # and the status reads back
    read = api.get(body["status_url"])
    assert read.status_code == 200 and read.json()["appeal_id"] == appeal.pk


def test_a_work_order_for_an_unpaired_enterprise_goes_to_task_force_triage(hotline, clock):
    # given an enterprise without a cadre
    clock.set(date(2026, 6, 3))
    enterprise = factories.make_enterprise()
    # when the hotline posts a work order for it
    response = api_for(hotline[1]).post(URL, order(enterprise, category=""), format="json")
    # then it waits at the task force for triage, filed under “other”
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    assert appeal.tier == Tier.TASKFORCE and appeal.awaiting_triage and appeal.cadre is None
    assert appeal.category.code == "other"


def test_a_work_order_whose_cadre_cannot_sign_in_goes_to_the_task_force(hotline, clock):
    # given an enterprise paired with a cadre without a login
    clock.set(date(2026, 6, 3))
    pairing = factories.make_assignment(cadre=factories.make_cadre(with_user=False))
    # when the hotline posts a work order for it
    api_for(hotline[1]).post(URL, order(pairing.enterprise), format="json")
    # then the task force triages it; the appeal still counts for the cadre
    appeal = Appeal.objects.get()
    assert appeal.awaiting_triage and appeal.cadre_id == pairing.cadre_id


def test_the_hotline_deadline_shortens_the_step_when_it_comes_first(hotline, clock):
    # given a paired enterprise and a hotline deadline two days off (the tier gives five working days)
    clock.set(date(2026, 6, 3))
    pairing = factories.make_pairing_with_login()
    # when the work order comes in
    api_for(hotline[1]).post(URL, order(pairing.enterprise, deadline="2026-06-05"), format="json")
    # then the appeal's step is due on the hotline's date
    assert Appeal.objects.get().deadline == date(2026, 6, 5)


def test_an_unknown_credit_code_is_refused_in_chinese_and_nothing_is_saved(hotline):
    # given a well-formed credit code no enterprise has
    from enterprises.validators import make_credit_code

    unknown = make_credit_code(987654)
    # when the hotline posts a work order for it
    response = api_for(hotline[1]).post(URL, {**order(factories.make_enterprise()),
                                             "enterprise_credit_code": unknown}, format="json")
    # then a 400 naming the code, in Chinese; no appeal, no work order
    assert response.status_code == 400
    message = response.json()["enterprise_credit_code"][0]
    assert unknown in message and "统一社会信用代码" in message
    assert not Appeal.objects.exists() and not WorkOrder.objects.exists()


@pytest.mark.parametrize("field, value", [
    ("external_id", ""), ("external_id", "有 空格"), ("enterprise_credit_code", "123"), ("title", ""),
    ("description", ""), ("category", "no-such-category"), ("callback_url", "ftp://example.com/x"),
    ("deadline", "明天"), ("received_at", "not a time"), ("contact_phone", "call me"),
])
def test_bad_input_gets_field_errors_and_saves_nothing(hotline, field, value):
    # when a work order comes with one bad field
    response = api_for(hotline[1]).post(URL, order(factories.make_enterprise(), **{field: value}), format="json")
    # then that field is named, and nothing is saved
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Appeal.objects.exists() and not WorkOrder.objects.exists()


def test_a_callback_to_a_host_not_allowed_is_refused(hotline, settings):
    # given callbacks limited to the hotline's own host
    settings.HOTLINE_CALLBACK_HOSTS = ["callback.12345.example.gov.cn"]
    enterprise = factories.make_enterprise()
    api = api_for(hotline[1])
    # when a work order names another host, then the allowed one
    refused = api.post(URL, order(enterprise, callback_url="http://10.0.0.5:5432/x"), format="json")
    allowed = api.post(URL, order(enterprise, callback_url="https://callback.12345.example.gov.cn/status"),
                       format="json")
    # then the first is a field error that names the allowed host, and the second is taken
    assert refused.status_code == 400 and "callback.12345.example.gov.cn" in refused.json()["callback_url"][0]
    assert allowed.status_code == 201 and WorkOrder.objects.count() == 1


def test_a_switched_off_or_wrong_key_is_refused(hotline):
    # given a client switched off, and a key no client has
    client, key = hotline
    enterprise = factories.make_enterprise()
    services.hotline_client_set_active(client=client, active=False, acting_user=factories.make_user(role=Role.ADMIN))
    # then both are 401
    assert api_for(key).post(URL, order(enterprise), format="json").status_code == 401
    assert api_for("nonsense").post(URL, order(enterprise), format="json").status_code == 401
    assert not Appeal.objects.exists()


def test_a_staff_token_or_session_cannot_post_work_orders(hotline, client):
    # given task-force staff with a session and an API token
    from accounts.services import token_create
    from tests.api_support import client_for

    staff = factories.make_user(role=Role.TASKFORCE)
    client.force_login(staff)
    token = token_create(user=staff)[1]
    body = order(factories.make_enterprise())
    # then neither opens the hotline's endpoints
    assert client.post(URL, body, content_type="application/json").status_code == 401
    tokened = client_for(None)
    tokened.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert tokened.post(URL, body, format="json").status_code == 401
    assert tokened.get("/open311/v2/requests.json").status_code == 401
    assert not Appeal.objects.exists()


def test_a_hotline_key_opens_no_other_api_endpoint(hotline):
    # given every API route of the permission matrix but the hotline's own, the public sign-in and the docs pages
    from tests.test_permission_matrix import ROWS, path_of
    from tests.world import build_world

    world = build_world()
    skip = {"api:token", "api-docs", "api-redoc"}
    paths = {path_of(name, case, world) for name, case in ROWS
             if name.startswith("api") and "hotline" not in name and name not in skip}
    api = api_for(hotline[1])
    # when the hotline's key is sent to each (POSTed where GET is not how the URL is used)
    answers = {}
    for path in sorted(paths):
        code = api.get(path).status_code
        answers[path] = api.post(path, {}, format="json").status_code if code == 405 else code
    # then each refuses it: the key authenticates nobody there
    assert len(paths) > 50
    assert {p: c for p, c in answers.items() if c not in (401, 403)} == {}


# --- Status back (jobs run in-process here; tests/test_hotline_worker.py has the real worker) -------


def test_each_status_change_is_sent_signed_to_the_callback_in_order(hotline, clock, django_capture_on_commit_callbacks):
    # given a work order with a callback address on a real local receiver
    clock.set(date(2026, 6, 3))
    client, key = hotline
    pairing = factories.make_pairing_with_login()
    handler = factories.make_unit_handler(pairing.cadre.unit)
    with Receiver() as receiver:
        created = api_for(key).post(URL, order(pairing.enterprise, callback_url=receiver.url), format="json").json()
        # when the cadre escalates it and the unit resolves it (each sent after its commit)
        with django_capture_on_commit_callbacks(execute=True):
            appeal_services.appeal_escalate(appeal=created["appeal_id"], acting_user=pairing.cadre.user,
                                            reason="需单位协调")
        with django_capture_on_commit_callbacks(execute=True):
            appeal_services.appeal_resolve(appeal=created["appeal_id"], acting_user=handler,
                                           resolution="已协调市政疏通")
    # then the receiver got the two changes, in order, each signed with the client's secret
    bodies = receiver.delivered()
    assert [(b["status"], b["tier"]) for b in bodies] == [("handling", 2), ("resolved", 2)]
    assert bodies[1]["status_notes"] == "已协调市政疏通" and bodies[0]["external_id"] == "GD20260603001"
    assert all(verifies(client.signing_secret, r) for r in receiver.received)
    assert not verifies("another-secret", receiver.received[0])
    assert [r["headers"]["X-Hotline-Delivery"] for r in receiver.received] == [b["delivery_id"] for b in bodies]
    assert list(Callback.objects.values_list("state", flat=True)) == [CallbackState.DELIVERED] * 2


def test_a_change_that_moves_nothing_is_not_sent(hotline, clock):
    # given a work order's appeal at the task force, overdue
    clock.set(date(2026, 6, 3))
    taskforce = factories.make_user(role=Role.TASKFORCE)
    with Receiver() as receiver:
        created = api_for(hotline[1]).post(URL, order(factories.make_enterprise(), callback_url=receiver.url),
                                           format="json").json()
        clock.set(date(2026, 7, 1))
        # when the task force presses it (a reminder: no status, tier or handler moves)
        appeal_services.appeal_press(appeal=created["appeal_id"], acting_user=taskforce)
    # then nothing is sent back
    assert receiver.received == [] and not Callback.objects.exists()


def test_an_unreachable_callback_is_retried_then_given_up_with_an_alert(
        hotline, clock, settings, django_capture_on_commit_callbacks):
    # given a receiver that never accepts, and give-up after one hour
    settings.HOTLINE_CALLBACK_GIVE_UP_HOURS = 1
    clock.set(date(2026, 6, 3), hour=9)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    pairing = factories.make_pairing_with_login()
    with Receiver(always_fail=True) as receiver:
        created = api_for(hotline[1]).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                           format="json").json()
        work_order = WorkOrder.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            appeal_services.appeal_escalate(appeal=created["appeal_id"], acting_user=pairing.cadre.user, reason="上报")
        # when the sender comes back after the backoff, then after the hour
        first = Callback.objects.get()
        assert (first.state, first.attempts) == (CallbackState.PENDING, 1)
        assert "503" in first.last_error
        clock.now += timedelta(seconds=31)
        assert services.callback_send_next(work_order_id=work_order.pk).kind == "retry"
        assert services.callback_sweep() == []  # nothing due before the next backoff ends
        clock.now += timedelta(hours=1)
        assert services.callback_sweep() == [work_order.pk]
        assert services.callback_send_next(work_order_id=work_order.pk).kind == "gave_up"
    # then the change is given up after two attempts, and task-force staff are told once
    first.refresh_from_db()
    assert (first.state, first.attempts, first.attempt_log.count()) == (CallbackState.GAVE_UP, 2, 2)
    alert = Notification.objects.get(user=taskforce)
    assert alert.kind == "hotline.callback_gave_up" and "GD20260603001" in alert.title
    assert alert.url == reverse("hotline-work-order", args=[work_order.pk])
    # and staff may send it again, which starts a fresh attempt
    with Receiver() as receiver:
        WorkOrder.objects.filter(pk=work_order.pk).update(callback_url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.callback_requeue(work_order=work_order, acting_user=taskforce) == 1
    assert len(receiver.delivered()) == 1
    first.refresh_from_db()
    assert first.state == CallbackState.DELIVERED


def test_the_appeal_page_shows_it_came_from_12345(hotline, client, clock):
    # given a work order's appeal, and task-force staff
    clock.set(date(2026, 6, 3))
    created = api_for(hotline[1]).post(URL, order(factories.make_enterprise()), format="json").json()
    client.force_login(factories.make_user(role=Role.TASKFORCE))
    # when they open the appeal
    html = client.get(reverse("appeal-detail", args=[created["appeal_id"]])).content.decode()
    # then it says 12345 with the work order number, linked to the work order's page
    assert 'id="appeal-hotline"' in html and "GD20260603001" in html
    assert reverse("hotline-work-order", args=[WorkOrder.objects.get().pk]) in html


# --- Open311 ------------------------------------------------------------------------------------


def test_open311_services_are_the_appeal_categories_for_anyone(client):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    services_ = response.json()
    assert {"service_code": "financing", "service_name": "融资需求"}.items() <= services_[0].items()
    assert {s["type"] for s in services_} == {"batch"} and all(s["metadata"] is False for s in services_)


def test_open311_requests_answer_per_georeport_v2(hotline, clock):
    # given three work orders of this client (one closed) and one of another client
    clock.set(date(2026, 6, 3))
    client, key = hotline
    api = api_for(key)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    for number in ("A1", "A2", "A3"):
        api.post(URL, order(factories.make_enterprise(), external_id=number,
                            category="financing" if number == "A3" else "utilities"), format="json")
    closed = WorkOrder.objects.get(external_id="A2").appeal
    appeal_services.appeal_mark_out_of_scope(appeal=closed, acting_user=taskforce, explanation="属劳动仲裁事项")
    other_key = make_client("另一平台")[1]
    api_for(other_key).post(URL, order(factories.make_enterprise(), external_id="B1"), format="json")
    # when the client reads its requests
    listing = api.get("/open311/v2/requests.json")
    # then its own three, newest first, in GeoReport v2 fields
    rows = listing.json()
    assert listing.status_code == 200 and [r["service_request_id"] for r in rows] == ["A3", "A2", "A1"]
    a2 = next(r for r in rows if r["service_request_id"] == "A2")
    assert (a2["status"], a2["status_notes"], a2["service_code"]) == ("closed", "属劳动仲裁事项", "utilities")
    assert a2["agency_responsible"] and a2["requested_datetime"].startswith("2026-06-03T09:30:00+08:00")
    for field in ("service_name", "description", "updated_datetime", "expected_datetime"):
        assert field in a2
    assert "王经理" not in listing.content.decode() and "13800000000" not in listing.content.decode()
    # and the filters and paging
    def ids(**params):
        return [r["service_request_id"] for r in api.get("/open311/v2/requests.json", params).json()]

    assert ids(status="open") == ["A3", "A1"] and ids(status="closed") == ["A2"]
    assert ids(service_code="financing") == ["A3"]
    assert ids(page_size=2) == ["A3", "A2"] and ids(page_size=2, page=2) == ["A1"]
    assert ids(start_date="2026-06-04T00:00:00+08:00") == []
    assert ids(end_date="2026-06-02T00:00:00+08:00") == []
    assert ids(service_request_id="A1,B1") == ["A1"]
    # and one request, as a list of one; an unknown one is a GeoReport error list
    one = api.get("/open311/v2/requests/A1.json")
    assert one.status_code == 200 and [r["service_request_id"] for r in one.json()] == ["A1"]
    missing = api.get("/open311/v2/requests/B1.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    bad = api.get("/open311/v2/requests.json", {"status": "pending"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert api_for("x").get("/open311/v2/requests.json").status_code == 401


# --- Staff pages -------------------------------------------------------------------------------


def test_task_force_creates_a_client_and_sees_its_key_once(client):
    # given task-force staff on the hotline page
    client.force_login(factories.make_user(role=Role.TASKFORCE))
    # when they create a client
    response = client.post(reverse("hotline-client-create"), {"name": "市12345平台"})
    # then its key is shown once, and works
    html = response.content.decode()
    assert response.status_code == 200 and 'id="hotline-new-key"' in html
    import re

    key = re.search(r'id="hotline-key" value="([^"]+)"', html).group(1)
    assert key not in client.get(reverse("hotline")).content.decode()
    assert api_for(key).get("/open311/v2/requests.json").status_code == 200


def test_the_work_order_page_shows_the_delivery_log(hotline, client, clock, django_capture_on_commit_callbacks):
    # given a work order whose change could not be delivered
    clock.set(date(2026, 6, 3))
    pairing = factories.make_pairing_with_login()
    with Receiver(always_fail=True) as receiver:
        created = api_for(hotline[1]).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                           format="json").json()
        with django_capture_on_commit_callbacks(execute=True):
            appeal_services.appeal_escalate(appeal=created["appeal_id"], acting_user=pairing.cadre.user, reason="上报")
    client.force_login(factories.make_user(role=Role.TASKFORCE))
    # when task-force staff open it
    html = client.get(reverse("hotline-work-order", args=[WorkOrder.objects.get().pk])).content.decode()
    # then the change, its state and the attempt's answer are there
    assert 'data-state="pending"' in html and "HTTP 503" in html


def test_seeding_is_not_needed_for_the_sweep_to_be_scheduled():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["hotline-callback-sweep"]["task"] == "hotline.tasks.hotline_callback_sweep"
    call_command("check")


def test_appeals_never_import_the_hotline():
    """The hotline listens to the appeals' timeline and registers its page facts; appeals import nothing of it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "appeals"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [str(path) for name in names if name.split(".")[0] == "hotline"]
    assert offenders == []


def test_the_demo_district_shows_a_client_work_orders_and_an_honest_delivery_log(django_capture_on_commit_callbacks):
    # given the demo's task-force login and three appeals it registered from 12345 calls, each moved since
    from appeals.models import AppealCategory
    from demo import hotline as demo_hotline

    taskforce = factories.make_user(role=Role.TASKFORCE, username="taskforce")
    category = AppealCategory.objects.get(code="utilities")
    for _ in range(3):
        pairing = factories.make_pairing_with_login()
        appeal = appeal_services.appeal_raise(acting_user=taskforce, enterprise=pairing.enterprise, category=category,
                                              title="道路积水", description="厂区门前积水", source=Source.HOTLINE)
        appeal_services.appeal_return(appeal=appeal, acting_user=taskforce, reason="请结对干部办理", to_tier=1)
    appeals_before = Appeal.objects.count()
    # when the demo's hotline is built (twice: the second adds nothing)
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_hotline.demo_hotline_build()
    assert demo_hotline.demo_hotline_build() == {}
    # then the three are work orders (no appeal added), each sent its latest change to an address nothing
    # answers: the oldest given up, the others retrying, every one with its failed attempt
    assert made["hotline work orders"] == 3 and made["hotline callbacks"] == 3
    assert Appeal.objects.count() == appeals_before
    states = dict(Callback.objects.values_list("work_order__external_id", "state"))
    assert states == {"GD-DEMO-0001": CallbackState.GAVE_UP, "GD-DEMO-0002": CallbackState.PENDING,
                      "GD-DEMO-0003": CallbackState.PENDING}
    assert all(c.attempt_log.exists() and c.payload["tier"] == 1 for c in Callback.objects.all())
    assert Notification.objects.filter(user=taskforce, kind="hotline.callback_gave_up").count() == 1
    # and the reset removes them again, leaving the appeals
    deleted = demo_hotline.demo_hotline_delete()
    assert deleted["hotline work orders"] == 3 and not WorkOrder.objects.exists()
    assert Appeal.objects.count() == appeals_before

"""The appeals API: the flow over HTTP, who may see and move what, conflicts, bulk assignment,
feedback links, figures, substitutes, notifications and the schema."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import yaml

from appeals import services
from appeals.models import Appeal, AppealEvent, Feedback, Status, Tier
from liaison.models import Assignment, Notification, Role, Substitution
from tests import factories
from tests.api_support import client_for, ids, png, results

pytestmark = pytest.mark.django_db

API = "/api/v1"
ORDINARY_DAY = date(2026, 6, 3)  # a Wednesday with no holiday near

# Every move, with a body that is valid in shape (the version is added by the tests that need it).
MOVES = {
    "escalate": {"reason": "需要上级协调"},
    "return": {"reason": "请先核实"},
    "assign": {"unit": None, "workdays": 5},  # the unit is filled in by `move_body`
    "resolve": {"resolution": "已办结"},
    "suspend": {"reason": "等待企业补充材料"},
    "resume": {"comment": ""},
    "press": {"comment": "请抓紧"},
    "withdraw": {"reason": "企业撤回"},
    "out-of-scope": {"explanation": "属司法程序"},
    "feedback": {"verdict": "satisfied"},
    "reopen": {"reason": "企业再次反映"},
    "feedback-link": {},
}


@pytest.fixture
def w(db, clock):
    """A cadre paired with an enterprise, their unit's handler, a service group with its handler,
    another cadre, another unit's handler, task-force staff and a leader; the date is fixed."""
    clock.set(ORDINARY_DAY)
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张干部"))
    group = factories.make_service_group(name="金融服务组")
    other_unit = factories.make_unit(name="区商务局")
    return SimpleNamespace(
        clock=clock,
        pairing=pairing,
        cadre=pairing.cadre.user,
        unit=unit,
        handler=factories.make_unit_handler(unit, username="kgj-handler", first_name="科工局经办"),
        group=group,
        group_handler=factories.make_unit_handler(group, username="group-handler", first_name="金融组经办"),
        other_cadre=factories.make_assignment(cadre=factories.make_cadre(unit=other_unit)).cadre.user,
        other_handler=factories.make_unit_handler(other_unit, username="sw-handler"),
        taskforce=factories.make_user(role=Role.TASKFORCE, username="tf", first_name="专班"),
        leader=factories.make_user(role=Role.LEADER, username="boss"),
        # a cadre of the same unit: who may stand in for the cadre (same unit, same role)
        colleague=factories.make_cadre(
            unit=unit, name="李同事", user=factories.make_user(username="colleague", first_name="李同事")
        ).user,
        other_colleague=factories.make_cadre(unit=other_unit).user,
    )


def raise_one(w, **kwargs) -> Appeal:
    return factories.make_appeal(pairing=w.pairing, **kwargs)


def _pairing_of(user) -> Assignment:
    return Assignment.objects.active().get(cadre__user=user)


def at_taskforce(w, **kwargs) -> Appeal:
    """An appeal escalated by the cadre and then the unit: at the task force, awaiting assignment."""
    appeal = raise_one(w, **kwargs)
    services.appeal_escalate(appeal=appeal, acting_user=w.cadre, reason="需要单位协调")
    services.appeal_escalate(appeal=appeal, acting_user=w.handler, reason="需要专班协调")
    appeal.refresh_from_db()
    return appeal


def move_body(w, action: str, **extra) -> dict:
    body = dict(MOVES[action])
    if action == "assign":
        body["unit"] = w.group.pk
    body.update(extra)
    return body


def move(user, appeal_id: int, action: str, body: dict | None = None):
    return client_for(user).post(f"{API}/appeals/{appeal_id}/{action}/", body or {}, format="json")


def snapshot(appeal_id: int) -> tuple:
    appeal = Appeal.objects.get(pk=appeal_id)
    return appeal.version, appeal.status, appeal.tier, AppealEvent.objects.filter(appeal_id=appeal_id).count()


# --- The whole flow ---------------------------------------------------------------------------


def test_the_whole_flow_over_the_api_closes_the_appeal_and_the_timeline_tells_every_step(w, categories):
    # given a cadre who raises an appeal for their enterprise
    created = client_for(w.cadre).post(
        f"{API}/appeals/",
        {"enterprise": w.pairing.enterprise_id, "category": categories["financing"].pk, "title": "企业融资难",
         "description": "扩大生产需要流动资金贷款。", "source": "visit", "urgency": "urgent"},
        format="json",
    )
    assert created.status_code == 201, created.content
    appeal = created.json()
    assert (appeal["status"], appeal["tier"], appeal["version"]) == ("handling", 1, 1)
    assert appeal["handler_label"] == "张干部" and "escalate" in appeal["allowed_actions"]
    pk = appeal["id"]

    # when it climbs to the unit and the task force, is assigned, resolved, and the enterprise is satisfied
    steps = [
        (w.cadre, "escalate", {"reason": "需要单位协调银行", "version": 1}),
        (w.handler, "escalate", {"reason": "涉及多家银行", "version": 2}),
        (w.taskforce, "assign", {"unit": w.group.pk, "workdays": 7, "comment": "请金融组牵头", "version": 3}),
        (w.group_handler, "resolve", {"resolution": "协调建行授信500万元", "kind": "solved", "version": 4}),
        (w.cadre, "feedback", {"verdict": "satisfied", "comment": "很满意", "version": 5}),
    ]
    answers = [move(user, pk, action, body) for user, action, body in steps]

    # then each move answers with the appeal as it now is, and the appeal ends closed
    assert [a.status_code for a in answers] == [200] * 5, [a.content for a in answers]
    assert [(a.json()["tier"], a.json()["status"]) for a in answers] == [
        (2, "handling"), (3, "handling"), (3, "handling"), (3, "resolved"), (3, "closed"),
    ]
    assigned = answers[2].json()
    assert assigned["handler_unit"] == w.group.pk and assigned["handler_label"] == "金融服务组"
    assert assigned["deadline"] == "2026-06-12"  # seven working days on
    closed = answers[-1].json()
    assert (closed["version"], closed["feedback"]) == (6, "satisfied")
    assert closed["resolution"] == "协调建行授信500万元"
    assert closed["allowed_actions"] == []

    # and the timeline lists every step in order, with who took it
    events = client_for(w.cadre).get(f"{API}/appeals/{pk}/events/")
    assert events.status_code == 200
    rows = events.json()
    assert [(e["seq"], e["kind"], e["actor"]) for e in rows] == [
        (1, "raised", w.cadre.pk),
        (2, "escalated", w.cadre.pk),
        (3, "escalated", w.handler.pk),
        (4, "assigned", w.taskforce.pk),
        (5, "resolved", w.group_handler.pk),
        (6, "feedback", w.cadre.pk),
    ]
    assert [e["actor_name"] for e in rows] == ["张干部", "张干部", "科工局经办", "专班", "金融组经办", "张干部"]
    assert rows[3]["to_handler"] == "金融服务组" and rows[3]["deadline"] == "2026-06-12"
    assert rows[1]["from_tier"] == 1 and rows[1]["to_tier"] == 2 and rows[5]["to_status"] == "closed"
    assert rows[5]["data"] == {"verdict": "satisfied"}


def test_raising_with_files_as_multipart_keeps_them_as_attachments(w, categories):
    # when the cadre raises an appeal with a photo attached
    response = client_for(w.cadre).post(
        f"{API}/appeals/",
        {"enterprise": w.pairing.enterprise_id, "category": categories["land_planning"].pk, "title": "用地指标",
         "description": "扩建缺少用地指标。", "files": [png("site.png")]},
        format="multipart",
    )
    # then the appeal lists the attachment with a download address
    assert response.status_code == 201, response.content
    attachments = response.json()["attachments"]
    assert [a["name"] for a in attachments] == ["site.png"]
    assert attachments[0]["url"].startswith("http://testserver/")


def test_raising_for_an_enterprise_that_is_not_yours_is_refused(w, categories):
    # when another cadre raises an appeal for the enterprise
    response = client_for(w.other_cadre).post(
        f"{API}/appeals/",
        {"enterprise": w.pairing.enterprise_id, "category": categories["other"].pk, "title": "x", "description": "y"},
        format="json",
    )
    # then it is refused and nothing is saved
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_a_blank_reason_gets_the_services_message(w):
    # given an appeal with the cadre
    appeal = raise_one(w)
    # when they escalate it without saying why
    response = move(w.cadre, appeal.pk, "escalate", {"reason": "  "})
    # then the service's own message comes back as a 400 and nothing changed
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Say why the appeal needs the next tier."]}
    assert snapshot(appeal.pk)[0] == 1


def test_appeals_are_never_replaced_changed_or_deleted_over_the_api(w):
    # given an appeal the cadre may see
    appeal = raise_one(w)
    client = client_for(w.taskforce)
    url = f"{API}/appeals/{appeal.pk}/"
    # when anyone tries to PUT, PATCH or DELETE it
    answers = [client.put(url, {}, format="json"), client.patch(url, {}, format="json"), client.delete(url)]
    # then the methods do not exist
    assert [a.status_code for a in answers] == [405, 405, 405]


def test_an_id_that_is_not_a_number_is_a_404(w):
    client = client_for(w.taskforce)
    answers = [client.get(f"{API}/appeals/abc/"), client.post(f"{API}/appeals/abc/escalate/", {"reason": "x"})]
    assert [a.status_code for a in answers] == [404, 404]


def test_anonymous_callers_are_asked_to_sign_in(w):
    appeal = raise_one(w)
    # when nobody is signed in
    answers = [client_for(None).get(f"{API}/appeals/"), move(None, appeal.pk, "withdraw", {"reason": "x"})]
    # then they get 401
    assert [a.status_code for a in answers] == [401, 401]


# --- Who sees and moves what ------------------------------------------------------------------


@pytest.mark.parametrize("action", list(MOVES))
def test_another_cadre_gets_404_on_reading_and_on_every_move(w, action):
    # given an appeal of the first cadre's enterprise
    appeal = raise_one(w)
    before = snapshot(appeal.pk)
    # when another cadre reads it, lists appeals, or tries a move
    detail = client_for(w.other_cadre).get(f"{API}/appeals/{appeal.pk}/")
    listed = client_for(w.other_cadre).get(f"{API}/appeals/")
    moved = move(w.other_cadre, appeal.pk, action, move_body(w, action))
    # then the appeal does not exist for them
    assert detail.status_code == 404
    assert ids(listed) == set()
    assert moved.status_code == 404
    assert snapshot(appeal.pk) == before


def test_a_unit_handler_of_another_unit_gets_404(w):
    # given an appeal at the first unit
    appeal = raise_one(w)
    services.appeal_escalate(appeal=appeal, acting_user=w.cadre, reason="需要单位协调")
    # when another unit's handler reads it, its timeline, or resolves it
    client = client_for(w.other_handler)
    answers = [
        client.get(f"{API}/appeals/{appeal.pk}/"),
        client.get(f"{API}/appeals/{appeal.pk}/events/"),
        move(w.other_handler, appeal.pk, "resolve", {"resolution": "x"}),
    ]
    # then it does not exist for them; its own unit's handler sees it
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert ids(client_for(w.handler).get(f"{API}/appeals/")) == {appeal.pk}


def test_a_leader_reads_everything(w):
    # given appeals of two cadres
    first, second = raise_one(w), factories.make_appeal(pairing=_pairing_of(w.other_cadre))
    # when the leader lists and reads them
    listed = client_for(w.leader).get(f"{API}/appeals/")
    detail = client_for(w.leader).get(f"{API}/appeals/{first.pk}/")
    events = client_for(w.leader).get(f"{API}/appeals/{second.pk}/events/")
    # then they see all of them, with no move open to them
    assert ids(listed) == {first.pk, second.pk}
    assert detail.status_code == 200 and detail.json()["allowed_actions"] == []
    assert events.status_code == 200



@pytest.mark.parametrize("action", list(MOVES))
def test_a_leader_gets_403_on_every_move(w, action):
    # given appeals in each state a move could start from
    appeal = at_taskforce(w)
    before = snapshot(appeal.pk)
    # when the leader tries the move
    response = move(w.leader, appeal.pk, action, move_body(w, action))
    # then it is refused whatever the state, and nothing changed
    assert response.status_code == 403
    assert response.json()["detail"] == "Leaders follow appeals; they do not act on them."
    assert snapshot(appeal.pk) == before


def test_a_leader_cannot_bulk_assign(w):
    appeal = at_taskforce(w)
    response = client_for(w.leader).post(
        f"{API}/appeals/bulk-assign/", {"ids": [appeal.pk], "unit": w.group.pk}, format="json"
    )
    assert response.status_code == 403


def test_a_cadre_cannot_assign(w):
    # given an appeal of the cadre's enterprise, awaiting assignment at the task force
    appeal = at_taskforce(w)
    before = snapshot(appeal.pk)
    # when the cadre, who still sees it, tries to assign it
    response = move(w.cadre, appeal.pk, "assign", move_body(w, "assign"))
    # then only the task force may
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not do this on this appeal."
    assert snapshot(appeal.pk) == before


def test_the_unit_handler_cannot_resolve_once_the_appeal_went_up(w):
    appeal = at_taskforce(w)
    response = move(w.handler, appeal.pk, "resolve", {"resolution": "已办结"})
    assert response.status_code == 403


# --- Illegal moves and stale versions ---------------------------------------------------------


def _fresh(w):
    return raise_one(w)


def _at_tier_3(w):
    return at_taskforce(w)


def _closed(w):
    appeal = raise_one(w)
    services.appeal_resolve(appeal=appeal, acting_user=w.cadre, resolution="已办结")
    services.appeal_feedback(appeal=appeal, acting_user=w.cadre, verdict=Feedback.SATISFIED)
    return appeal


def _withdrawn(w):
    appeal = raise_one(w)
    services.appeal_withdraw(appeal=appeal, acting_user=w.cadre, reason="企业撤回")
    return appeal


ILLEGAL = [
    ("escalate at the task-force tier", _at_tier_3, "taskforce", "escalate"),
    ("resume when not paused", _fresh, "cadre", "resume"),
    ("feedback before resolution", _fresh, "cadre", "feedback"),
    ("feedback link before resolution", _fresh, "cadre", "feedback-link"),
    ("assign at the individual tier", _fresh, "taskforce", "assign"),
    ("return from the individual tier", _fresh, "taskforce", "return"),
    ("out of scope below the task force", _fresh, "taskforce", "out-of-scope"),
    ("press when not overdue", _fresh, "taskforce", "press"),
    ("reopen while being handled", _fresh, "taskforce", "reopen"),
    ("resolve a closed appeal", _closed, "cadre", "resolve"),
    ("suspend a withdrawn appeal", _withdrawn, "cadre", "suspend"),
    ("withdraw a withdrawn appeal", _withdrawn, "cadre", "withdraw"),
]


@pytest.mark.parametrize(("case", "build", "who", "action"), ILLEGAL, ids=[c[0] for c in ILLEGAL])
def test_every_illegal_move_is_a_409_that_changes_nothing(w, case, build, who, action):
    # given an appeal in a state that does not allow the move
    appeal = build(w)
    before = snapshot(appeal.pk)
    # when someone who could otherwise make it tries
    response = move(getattr(w, who), appeal.pk, action, move_body(w, action, version=before[0]))
    # then it conflicts with the appeal's state, and neither the version nor the timeline moved
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "illegal_transition"
    assert "not possible now" in response.json()["detail"]
    assert snapshot(appeal.pk) == before


def test_returning_to_the_same_tier_is_a_409(w):
    appeal = raise_one(w)
    services.appeal_escalate(appeal=appeal, acting_user=w.cadre, reason="需要单位协调")
    response = move(w.handler, appeal.pk, "return", {"reason": "x", "to_tier": 2})
    assert response.status_code == 409
    assert response.json() == {"detail": "An appeal can only be returned to a lower tier.",
                               "code": "illegal_transition"}


def test_a_stale_version_gets_409_already_changed_and_no_event(w):
    # given the cadre read the appeal at version 1 and escalated it on that version
    appeal = raise_one(w)
    seen = client_for(w.cadre).get(f"{API}/appeals/{appeal.pk}/").json()["version"]
    assert move(w.cadre, appeal.pk, "escalate", {"reason": "需要单位协调", "version": seen}).status_code == 200
    before = snapshot(appeal.pk)
    # when the cadre then withdraws it on the version they first read
    response = move(w.cadre, appeal.pk, "withdraw", {"reason": "企业撤回", "version": seen})
    # then they are told it already changed, with the current version, and nothing was recorded
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version" and body["version"] == seen + 1
    assert "already been changed" in body["detail"]
    assert snapshot(appeal.pk) == before


def test_a_stale_version_on_a_feedback_link_is_a_409_and_creates_no_link(w):
    appeal = raise_one(w)
    services.appeal_resolve(appeal=appeal, acting_user=w.cadre, resolution="已办结")
    before = snapshot(appeal.pk)
    response = move(w.cadre, appeal.pk, "feedback-link", {"version": 1})
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert snapshot(appeal.pk) == before and not appeal.feedback_links.exists()


def test_a_version_that_is_not_a_number_is_a_400(w):
    appeal = raise_one(w)
    response = move(w.cadre, appeal.pk, "escalate", {"reason": "x", "version": "latest"})
    assert response.status_code == 400 and "version" in response.json()


# --- Other moves ------------------------------------------------------------------------------


def test_pausing_and_resuming_moves_the_deadline(w):
    # given an appeal paused on Thursday
    appeal = raise_one(w)
    w.clock.set(date(2026, 6, 4))
    paused = move(w.cadre, appeal.pk, "suspend", {"reason": "等待企业补充材料"})
    # when it is resumed the next Tuesday (three working days later)
    w.clock.set(date(2026, 6, 9))
    resumed = move(w.cadre, appeal.pk, "resume", {})
    # then the deadline moved on by those three working days
    assert paused.json()["status"] == "suspended" and "resume" in paused.json()["allowed_actions"]
    assert resumed.json()["status"] == "handling" and resumed.json()["paused_workdays"] == 3
    assert resumed.json()["deadline"] == "2026-06-15"


def test_pressing_an_overdue_appeal_reminds_then_names_a_supervising_leader(w):
    # given an appeal past its deadline
    appeal = raise_one(w)
    leader = factories.make_cadre(name="王区长", rank="district")
    w.clock.set(appeal.deadline + timedelta(days=7))
    detail = client_for(w.taskforce).get(f"{API}/appeals/{appeal.pk}/").json()
    # when the task force presses it twice
    first = move(w.taskforce, appeal.pk, "press", {"comment": "请抓紧"})
    without_leader = move(w.taskforce, appeal.pk, "press", {})
    second = move(w.taskforce, appeal.pk, "press", {"leader": leader.pk, "response_workdays": 2})
    # then a reminder, then a supervision notice naming the leader
    assert detail["overdue"] is True and "press" in detail["allowed_actions"]
    assert first.json()["press_level"] == 1
    assert without_leader.status_code == 400
    assert second.json()["press_level"] == 2 and second.json()["supervising_leader_name"] == "王区长"


def test_unsatisfied_feedback_reopens_and_the_task_force_can_reopen_a_closed_appeal(w):
    # given an appeal resolved by the cadre
    appeal = raise_one(w)
    services.appeal_resolve(appeal=appeal, acting_user=w.cadre, resolution="已答复")
    # when the enterprise is unsatisfied
    reopened = move(w.cadre, appeal.pk, "feedback", {"verdict": "unsatisfied", "comment": "贷款仍未到位"})
    # then it is being handled again by the cadre
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["tier"]) == ("handling", 1)
    # and once closed, the task force may reopen it
    services.appeal_resolve(appeal=appeal, acting_user=w.cadre, resolution="已放款")
    services.appeal_feedback(appeal=appeal, acting_user=w.cadre, verdict=Feedback.SATISFIED)
    again = move(w.taskforce, appeal.pk, "reopen", {"reason": "企业再次反映"})
    assert again.status_code == 200 and again.json()["status"] == "handling"


def test_the_task_force_returns_withdraws_and_marks_out_of_scope(w):
    first, second = at_taskforce(w), at_taskforce(w)
    returned = move(w.taskforce, first.pk, "return", {"reason": "请单位先处理", "to_tier": 2})
    out = move(w.taskforce, second.pk, "out-of-scope", {"explanation": "属法院审理事项"})
    withdrawn = move(w.cadre, first.pk, "withdraw", {"reason": "企业已自行解决"})
    assert returned.json()["tier"] == 2 and returned.json()["handler_unit"] == w.unit.pk
    assert out.json()["status"] == "out_of_scope" and out.json()["resolution"] == "属法院审理事项"
    assert withdrawn.json()["status"] == "withdrawn"


def test_the_feedback_link_action_returns_an_absolute_url_and_records_it(w):
    # given a resolved appeal
    appeal = raise_one(w)
    services.appeal_resolve(appeal=appeal, acting_user=w.cadre, resolution="已办结")
    # when the cadre asks for a feedback link
    response = move(w.cadre, appeal.pk, "feedback-link", {"version": 2})
    # then they get an address to send, and the timeline says a link was sent
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["url"].startswith("http://testserver/f/") and body["version"] == 3
    assert appeal.events.order_by("-seq").first().kind == "feedback_requested"
    # and the link opens the enterprise's feedback form
    assert services.feedback_link_open(body["url"].rstrip("/").rsplit("/", 1)[-1]).appeal_id == appeal.pk


# --- Bulk assignment --------------------------------------------------------------------------


def test_bulk_assign_hands_every_appeal_to_the_unit(w):
    # given three appeals awaiting assignment
    appeals = [at_taskforce(w) for _ in range(3)]
    # when the task force assigns them together
    response = client_for(w.taskforce).post(
        f"{API}/appeals/bulk-assign/",
        {"ids": [a.pk for a in appeals], "unit": w.group.pk, "deadline": "2026-06-19", "comment": "集中交办"},
        format="json",
    )
    # then each is with the group, with the deadline
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"id": a.pk, "handler_unit": w.group.pk, "deadline": "2026-06-19", "version": 4} for a in appeals
    ]
    assert set(Appeal.objects.values_list("handler_unit", flat=True)) == {w.group.pk}


def test_bulk_assign_is_all_or_nothing(w):
    # given two appeals awaiting assignment and, between them, one still with the cadre
    first, fresh, last = at_taskforce(w), raise_one(w), at_taskforce(w)
    before = {a.pk: snapshot(a.pk) for a in (first, fresh, last)}
    # when the task force assigns all three
    response = client_for(w.taskforce).post(
        f"{API}/appeals/bulk-assign/", {"ids": [first.pk, fresh.pk, last.pk], "unit": w.group.pk}, format="json"
    )
    # then the answer names the one that cannot be assigned and why, and none was assigned
    assert response.status_code == 409
    body = response.json()
    assert body["id"] == fresh.pk and body["code"] == "illegal_transition"
    assert body["detail"].startswith(f"Appeal #{fresh.pk}: ") and "Nothing was assigned." in body["detail"]
    assert {a.pk: snapshot(a.pk) for a in (first, fresh, last)} == before
    assert not Appeal.objects.filter(handler_unit=w.group).exists()
    assert not AppealEvent.objects.filter(kind="assigned").exists()


def test_bulk_assign_names_an_unknown_appeal_and_assigns_nothing(w):
    appeal = at_taskforce(w)
    response = client_for(w.taskforce).post(
        f"{API}/appeals/bulk-assign/", {"ids": [appeal.pk, 999_999], "unit": w.group.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["id"] == 999_999 and response.json()["code"] == "not_found"
    assert snapshot(appeal.pk)[0] == appeal.version


def test_bulk_assign_refuses_a_bad_deadline_for_all(w):
    appeals = [at_taskforce(w) for _ in range(2)]
    response = client_for(w.taskforce).post(
        f"{API}/appeals/bulk-assign/",
        {"ids": [a.pk for a in appeals], "unit": w.group.pk, "deadline": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["id"] == appeals[0].pk
    assert "The deadline must be after today." in response.json()["detail"]


def test_only_the_task_force_bulk_assigns(w):
    appeal = at_taskforce(w)
    response = client_for(w.handler).post(
        f"{API}/appeals/bulk-assign/", {"ids": [appeal.pk], "unit": w.group.pk}, format="json"
    )
    assert response.status_code == 403 and response.json()["detail"] == "Only task-force staff assign appeals."


# --- Lists, filters, counts, categories -------------------------------------------------------


def test_filters_ordering_and_mine_narrow_the_list_and_the_counts(w, categories):
    # given an appeal with the cadre, one at the unit, one awaiting assignment, and one closed
    with_cadre = raise_one(w, title="用电增容")
    at_unit = raise_one(w, title="招工难", category=categories["talent"])
    services.appeal_escalate(appeal=at_unit, acting_user=w.cadre, reason="需要单位协调")
    triage = at_taskforce(w, title="融资担保")
    closed = _closed(w)
    handler = client_for(w.handler)
    # when the unit handler filters their list
    everything = handler.get(f"{API}/appeals/?ordering=id")
    mine = handler.get(f"{API}/appeals/?mine=true")
    awaiting = handler.get(f"{API}/appeals/?awaiting_triage=true")
    open_ones = handler.get(f"{API}/appeals/?status=handling&status=suspended")
    talent = handler.get(f"{API}/appeals/?category={categories['talent'].pk}")
    searched = handler.get(f"{API}/appeals/?q=增容")
    today = handler.get(f"{API}/appeals/?raised_after=2026-06-03&raised_before=2026-06-03")
    counts = handler.get(f"{API}/appeals/counts/")
    mine_counts = handler.get(f"{API}/appeals/counts/?mine=true")
    # then each keeps what it says
    assert [row["id"] for row in results(everything)] == [with_cadre.pk, at_unit.pk, triage.pk, closed.pk]
    assert ids(mine) == {at_unit.pk}
    assert ids(awaiting) == {triage.pk}
    assert ids(open_ones) == {with_cadre.pk, at_unit.pk, triage.pk}
    assert ids(talent) == {at_unit.pk}
    assert ids(searched) == {with_cadre.pk}
    assert len(results(today)) == 4
    assert counts.json() == {"total": 4, "open": 3, "individual": 1, "unit": 1, "taskforce": 1, "triage": 1,
                             "suspended": 0, "overdue": 0, "resolved": 0, "closed": 1}
    assert mine_counts.json()["total"] == 1
    assert handler.get(f"{API}/appeals/?mine=perhaps").status_code == 400


def test_overdue_shows_in_the_list_and_its_filter(w):
    late, on_time = raise_one(w), raise_one(w)
    w.clock.set(late.deadline + timedelta(days=1))
    services.appeal_escalate(appeal=on_time, acting_user=w.cadre, reason="需要单位协调")
    response = client_for(w.taskforce).get(f"{API}/appeals/?overdue=true")
    assert ids(response) == {late.pk} and results(response)[0]["overdue"] is True


def test_appeal_categories_are_listed_in_order(w):
    response = client_for(w.cadre).get(f"{API}/appeal-categories/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()]
    assert codes[0] == "financing" and "other" in codes and len(codes) == 8


# --- Figures ----------------------------------------------------------------------------------


@pytest.fixture
def june(w):
    """In June 2026, at the cadre's unit: A closed (satisfied), B withdrawn; at another unit: C open."""
    w.clock.set(date(2026, 6, 1))
    a, b = raise_one(w, title="A"), raise_one(w, title="B")
    c = factories.make_appeal(pairing=_pairing_of(w.other_cadre), title="C")
    w.clock.set(date(2026, 6, 3))
    services.appeal_resolve(appeal=a, acting_user=w.cadre, resolution="已解决")  # 2 working days
    services.appeal_feedback(appeal=a, acting_user=w.cadre, verdict=Feedback.SATISFIED)
    services.appeal_withdraw(appeal=b, acting_user=w.cadre, reason="企业撤回")
    return SimpleNamespace(a=a, b=b, c=c, other_unit=c.cadre.unit)


JUNE = "start=2026-06-01&end=2026-06-30"


def test_metrics_give_the_figures_of_the_period(w, june):
    # when the task force asks for June, and June by unit
    overall = client_for(w.taskforce).get(f"{API}/appeals/metrics/?{JUNE}")
    by_unit = client_for(w.leader).get(f"{API}/appeals/metrics/?{JUNE}&group_by=unit")
    # then: three raised, B withdrawn, A resolved on time and satisfied, C open
    assert overall.status_code == 200, overall.content
    assert overall.json()["overall"] == {
        "total": 3, "counted": 2, "withdrawn": 1, "out_of_scope": 0, "resolved": 1, "open": 1, "overdue": 0,
        "closure_rate": 0.5, "on_time_rate": 1.0, "satisfaction": 1.0, "avg_handling_workdays": 2.0,
    }
    assert overall.json()["groups"] == []
    rows = {row["label"]: row for row in by_unit.json()["groups"]}
    assert rows["区科工局"]["key"] == w.unit.pk and rows["区科工局"]["closure_rate"] == 1.0
    assert rows["区商务局"]["counted"] == 1 and rows["区商务局"]["closure_rate"] == 0.0


def test_a_unit_handlers_metrics_are_forced_to_their_unit(w, june):
    # when the unit handler asks for everything, and for their unit by category
    response = client_for(w.handler).get(f"{API}/appeals/metrics/?{JUNE}")
    by_category = client_for(w.handler).get(f"{API}/appeals/metrics/?{JUNE}&unit={w.unit.pk}&group_by=category")
    # then they get their own unit's figures only
    assert response.status_code == 200
    assert response.json()["unit"] == w.unit.pk
    assert (response.json()["overall"]["total"], response.json()["overall"]["closure_rate"]) == (2, 1.0)
    assert [row["total"] for row in by_category.json()["groups"]] == [2]


def test_a_unit_handler_cannot_ask_for_another_units_metrics(w, june):
    response = client_for(w.handler).get(f"{API}/appeals/metrics/?{JUNE}&unit={june.other_unit.pk}")
    assert response.status_code == 403
    assert response.json()["detail"] == "You can only see the figures of your own unit."


def test_cadres_get_no_metrics(w, june):
    response = client_for(w.cadre).get(f"{API}/appeals/metrics/?{JUNE}")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=2026-13-01&end=2026-06-30", "start", "Give dates as YYYY-MM-DD, for example 2026-06-01."),
        ("start=2026-06-01&end=June", "end", "Give dates as YYYY-MM-DD, for example 2026-06-30."),
        ("end=2026-06-30", "start", "Give the first day of the period as start=YYYY-MM-DD."),
        ("start=2026-06-30&end=2026-06-01", "end", "The period must end on or after its first day."),
    ],
)
def test_bad_metrics_dates_get_a_clear_400(w, query, field, message):
    response = client_for(w.taskforce).get(f"{API}/appeals/metrics/?{query}")
    assert response.status_code == 400
    assert response.json()[field] == [message]


# --- Substitutes ------------------------------------------------------------------------------


def test_a_cadre_names_a_substitute_who_then_sees_and_acts_on_their_appeal(w):
    # given an appeal with the cadre, and a colleague
    appeal = raise_one(w)
    colleague = w.colleague
    # when the cadre names the colleague for the next ten days
    created = client_for(w.cadre).post(
        f"{API}/substitutions/",
        {"substitute": colleague.pk, "starts_on": "2026-06-03", "ends_on": "2026-06-12", "reason": "外出学习"},
        format="json",
    )
    # then both see the substitution, and the colleague escalates the appeal on the cadre's behalf
    assert created.status_code == 201, created.content
    assert created.json()["principal"] == w.cadre.pk and created.json()["is_current"] is True
    assert ids(client_for(colleague).get(f"{API}/substitutions/")) == {created.json()["id"]}
    assert ids(client_for(colleague).get(f"{API}/appeals/?mine=true")) == {appeal.pk}
    escalated = move(colleague, appeal.pk, "escalate", {"reason": "代为上报"})
    assert escalated.status_code == 200
    event = client_for(w.cadre).get(f"{API}/appeals/{appeal.pk}/events/").json()[-1]
    assert (event["actor_name"], event["on_behalf_of_name"]) == ("李同事", "张干部")


def test_substitutions_are_listed_for_those_concerned_and_all_for_the_task_force(w):
    mine = services.substitution_create(acting_user=w.cadre, substitute=w.colleague, starts_on=ORDINARY_DAY,
                                        ends_on=ORDINARY_DAY)
    theirs = services.substitution_create(acting_user=w.other_cadre, substitute=w.other_colleague,
                                          starts_on=ORDINARY_DAY, ends_on=ORDINARY_DAY)
    assert ids(client_for(w.cadre).get(f"{API}/substitutions/")) == {mine.pk}
    assert ids(client_for(w.colleague).get(f"{API}/substitutions/")) == {mine.pk}
    assert ids(client_for(w.taskforce).get(f"{API}/substitutions/")) == {mine.pk, theirs.pk}


def test_only_the_task_force_names_a_substitute_for_someone_else(w):
    body = {"substitute": w.colleague.pk, "starts_on": "2026-06-03", "ends_on": "2026-06-05", "principal": w.cadre.pk}
    by_cadre = client_for(w.other_cadre).post(f"{API}/substitutions/", body, format="json")
    by_taskforce = client_for(w.taskforce).post(f"{API}/substitutions/", body, format="json")
    assert by_cadre.status_code == 403
    assert by_taskforce.status_code == 201 and by_taskforce.json()["principal"] == w.cadre.pk


def test_a_substitute_from_another_unit_or_role_is_refused_and_nothing_is_saved(w):
    # when the cadre names their unit's handler (another role), then a cadre of another unit
    handler = client_for(w.cadre).post(
        f"{API}/substitutions/", {"substitute": w.handler.pk, "starts_on": "2026-06-03", "ends_on": "2026-06-05"},
        format="json",
    )
    stranger = client_for(w.cadre).post(
        f"{API}/substitutions/", {"substitute": w.other_colleague.pk, "starts_on": "2026-06-03",
                                  "ends_on": "2026-06-05"},
        format="json",
    )
    # then both are refused with the rule, and nothing is saved
    assert handler.status_code == stranger.status_code == 400
    assert "a substitute comes from the same unit and has the same role" in str(handler.json())
    assert "a substitute comes from the same unit and has the same role" in str(stranger.json())
    assert not Substitution.objects.exists()


def test_a_substitution_that_ends_before_it_starts_is_refused(w):
    response = client_for(w.cadre).post(
        f"{API}/substitutions/", {"substitute": w.colleague.pk, "starts_on": "2026-06-10", "ends_on": "2026-06-05"},
        format="json",
    )
    assert response.status_code == 400
    assert "The substitution must end on or after its first day." in str(response.json())
    assert not Substitution.objects.exists()


# --- Notifications ----------------------------------------------------------------------------


def test_an_escalation_notifies_the_unit_handler_who_marks_it_read(w, django_capture_on_commit_callbacks):
    # given the cadre escalates an appeal over the API
    appeal = raise_one(w)
    with django_capture_on_commit_callbacks(execute=True):
        assert move(w.cadre, appeal.pk, "escalate", {"reason": "需要单位协调"}).status_code == 200
    handler = client_for(w.handler)
    # when the unit handler lists their notifications
    listed = handler.get(f"{API}/notifications/")
    # then the escalation is there, unread, pointing at the appeal
    rows = results(listed)
    assert len(rows) == 1 and rows[0]["is_read"] is False
    assert "企业融资难" in rows[0]["title"] and rows[0]["url"].endswith(f"/appeals/{appeal.pk}/")
    # and marking it read takes it out of the unread ones
    read = handler.post(f"{API}/notifications/{rows[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert results(handler.get(f"{API}/notifications/?unread=true")) == []


def test_notifications_are_private_unread_first_and_can_all_be_marked_read(w):
    # given two notifications of the handler, one already read, and one of someone else
    old = Notification.objects.create(user=w.handler, kind="x", title="旧", dedupe_key="a")
    Notification.objects.filter(pk=old.pk).update(read_at=w.clock.now - timedelta(hours=1))
    new = Notification.objects.create(user=w.handler, kind="x", title="新", dedupe_key="b")
    other = Notification.objects.create(user=w.cadre, kind="x", title="别人的", dedupe_key="c")
    handler = client_for(w.handler)
    # when the handler lists, reads someone else's, and marks all read
    listed = handler.get(f"{API}/notifications/")
    foreign = handler.post(f"{API}/notifications/{other.pk}/read/")
    marked = handler.post(f"{API}/notifications/read-all/")
    # then they see only theirs, unread first, and only theirs were marked
    assert [row["id"] for row in results(listed)] == [new.pk, old.pk]
    assert foreign.status_code == 404
    assert marked.json() == {"marked": 1}
    assert Notification.objects.get(pk=other.pk).read_at is None


# --- The schema -------------------------------------------------------------------------------

APPEAL_PATHS = [
    "/api/v1/appeals/",
    "/api/v1/appeals/{id}/",
    *[f"/api/v1/appeals/{{id}}/{action}/" for action in MOVES],
    "/api/v1/appeals/{id}/events/",
    "/api/v1/appeals/bulk-assign/",
    "/api/v1/appeals/counts/",
    "/api/v1/appeals/metrics/",
    "/api/v1/appeal-categories/",
    "/api/v1/substitutions/",
    "/api/v1/notifications/",
    "/api/v1/notifications/{id}/read/",
    "/api/v1/notifications/read-all/",
]


def test_the_schema_documents_every_appeals_path_with_its_conflicts(client, admin_user_):
    client.force_login(admin_user_)  # the schema needs a sign-in
    # when the schema is read
    response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en")
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    # then every appeals path is there
    assert [p for p in APPEAL_PATHS if p not in paths] == []
    # and every move documents its input, the appeal it answers with, and the 409
    for action in MOVES:
        post = paths[f"/api/v1/appeals/{{id}}/{action}/"]["post"]
        assert "409" in post["responses"], action
        assert post["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    escalate = paths["/api/v1/appeals/{id}/escalate/"]["post"]
    assert escalate["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AppealEscalateRequest")
    assert escalate["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AppealDetail")
    link = paths["/api/v1/appeals/{id}/feedback-link/"]["post"]["responses"]["200"]
    assert link["content"]["application/json"]["schema"]["$ref"].endswith("/FeedbackLink")
    create = paths["/api/v1/appeals/"]["post"]["requestBody"]["content"]
    assert set(create) >= {"application/json", "multipart/form-data"}
    filters = {p["name"] for p in paths["/api/v1/appeals/"]["get"]["parameters"]}
    assert {"q", "status", "tier", "raised_after", "raised_before", "mine", "ordering", "handler_unit"} <= filters
    assert set(paths["/api/v1/appeals/{id}/"]) == {"get"}
    metrics = paths["/api/v1/appeals/metrics/"]["get"]
    assert "Closure rate (办结率)" in metrics["description"]
    assert {p["name"] for p in metrics["parameters"]} >= {"start", "end", "unit", "group_by"}


def test_statuses_and_tiers_in_answers_match_the_models(w):
    appeal = raise_one(w)
    body = client_for(w.cadre).get(f"{API}/appeals/{appeal.pk}/").json()
    assert body["status"] in Status.values and body["tier"] == Tier.INDIVIDUAL
    assert body["status_display"] == "Being handled" and body["tier_display"] == "Individual"

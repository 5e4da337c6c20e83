"""The appeal pages: who sees what, every move through the browser (plain and htmx), stale forms,
bulk assignment, the ledger export, the enterprise's feedback link, substitutes and notifications."""

import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealEvent, EventKind, FeedbackLink, Status, Tier
from liaison.models import Notification, Role, Substitution
from tests import factories
from tests.api_support import PNG_BYTES

pytestmark = pytest.mark.django_db

ORDINARY_DAY = date(2026, 6, 3)  # a Wednesday with no holiday near
PNG = PNG_BYTES  # a real image: attachments are decoded and written again
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(db):
    """A cadre paired with an enterprise, their unit's handler, a second cadre and unit with its
    handler, a service group with its handler, task-force staff and a leader."""
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张干部"))
    pairing.enterprise.name = "大连海韵精密机械有限公司"
    pairing.enterprise.contact_name = "王经理"
    pairing.enterprise.save()
    other_unit = factories.make_unit(name="区商务局")
    other_pairing = factories.make_assignment(cadre=factories.make_cadre(unit=other_unit, name="李干部"))
    group = factories.make_service_group(name="金融服务组")
    return SimpleNamespace(
        pairing=pairing,
        enterprise=pairing.enterprise,
        cadre=pairing.cadre.user,
        unit=unit,
        handler=factories.make_unit_handler(unit, username="kgj-handler"),
        other_pairing=other_pairing,
        other_cadre=other_pairing.cadre.user,
        other_handler=factories.make_unit_handler(other_unit, username="sw-handler"),
        group=group,
        group_handler=factories.make_unit_handler(group, username="group-handler"),
        taskforce=factories.make_user(role=Role.TASKFORCE, username="tf"),
        leader=factories.make_user(role=Role.LEADER, username="boss"),
    )


@pytest.fixture
def en(client):
    """Ask for English pages, so that assertions on messages don't depend on the translations."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def raise_one(world, **kwargs) -> Appeal:
    return factories.make_appeal(pairing=world.pairing, **kwargs)


def at_taskforce(world, **kwargs) -> Appeal:
    appeal = raise_one(world, **kwargs)
    services.appeal_escalate(appeal=appeal, acting_user=world.cadre, reason="需要单位协调")
    services.appeal_escalate(appeal=appeal, acting_user=world.handler, reason="需要专班协调")
    appeal.refresh_from_db()
    return appeal


def resolved(world) -> Appeal:
    appeal = raise_one(world)
    services.appeal_resolve(appeal=appeal, acting_user=world.cadre, resolution="协调银行授信500万元")
    appeal.refresh_from_db()
    return appeal


def rendered_actions(html: str) -> set[str]:
    panel = html[html.index('id="appeal-actions"'):html.index('id="timeline"')]
    return set(re.findall(r'data-action="([a-z_]+)"', panel))


def post_action(client, appeal: Appeal, action: str, data: dict, *, htmx: bool = False, version=None):
    payload = {"version": appeal.version if version is None else version, **data}
    return client.post(reverse("appeal-action", args=[appeal.pk, action]), payload, **(HTMX if htmx else {}))


# --- Who sees what ----------------------------------------------------------------------------

ROLES = ["cadre", "other_cadre", "handler", "other_handler", "taskforce", "leader"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("cadre", 200), ("other_cadre", 404), ("handler", 200), ("other_handler", 404), ("taskforce", 200),
     ("leader", 200)],
)
def test_the_appeal_page_opens_for_those_in_scope_and_is_404_for_others(client, clock, world, role, status):
    clock.set(ORDINARY_DAY)
    # given an appeal of the first cadre's enterprise
    appeal = raise_one(world)
    # when each role opens it
    client.force_login(getattr(world, role))
    response = client.get(reverse("appeal-detail", args=[appeal.pk]))
    # then only those in scope see it
    assert response.status_code == status
    if status == 200:
        assert "企业融资难" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cadre", {"escalate", "resolve", "suspend", "withdraw"}),
        ("handler", {"recategorise"}),
        ("taskforce", {"withdraw", "recategorise"}),
        ("leader", set()),
    ],
)
def test_at_the_individual_tier_each_role_gets_exactly_its_action_forms(client, clock, world, role, expected):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    user = getattr(world, role)
    client.force_login(user)
    html = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert rendered_actions(html) == expected == set(services.allowed_actions(user, appeal))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cadre", {"withdraw"}),
        ("handler", {"recategorise"}),
        ("taskforce", {"return", "assign", "resolve", "suspend", "out_of_scope", "withdraw", "recategorise"}),
        ("leader", set()),
    ],
)
def test_at_the_task_force_tier_each_role_gets_exactly_its_action_forms(client, clock, world, role, expected):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    user = getattr(world, role)
    client.force_login(user)
    html = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert rendered_actions(html) == expected == set(services.allowed_actions(user, appeal))


def test_once_assigned_the_service_group_handles_it_and_others_outside_get_404(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    client.force_login(world.group_handler)
    assert client.get(reverse("appeal-detail", args=[appeal.pk])).status_code == 404
    services.appeal_assign(appeal=appeal, acting_user=world.taskforce, unit=world.group, workdays=7)
    html = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert rendered_actions(html) == {"resolve", "suspend", "recategorise"}
    assert [a.pk for a in client.get(reverse("appeal-list")).context["page"]] == [appeal.pk]


def test_a_leader_sees_every_appeal_and_is_told_they_only_follow(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    en.force_login(world.leader)
    html = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert 'id="no-actions"' in html and "<form method=\"post\" action=\"/appeals/" not in html
    assert en.get(reverse("appeal-list")).context["tab"] == "all"


def test_the_queues_show_each_role_only_its_own_appeals(client, clock, world):
    clock.set(ORDINARY_DAY)
    # given one appeal of each cadre, the second one escalated to the task force
    mine = raise_one(world, title="本单位诉求")
    theirs = factories.make_appeal(pairing=world.other_pairing, title="别人的诉求")
    services.appeal_escalate(appeal=theirs, acting_user=world.other_cadre, reason="a")
    services.appeal_escalate(appeal=theirs, acting_user=world.other_handler, reason="b")

    def listed(user, **params):
        client.force_login(user)
        response = client.get(reverse("appeal-list"), params)
        assert response.status_code == 200
        return {a.pk for a in response.context["page"]}, response.context["tab"]

    # then the cadre's default tab is their queue, with their appeal only
    assert listed(world.cadre) == ({mine.pk}, "mine")
    assert listed(world.cadre, tab="all") == ({mine.pk}, "all")
    # the other unit's handler sees their unit's appeal (in "all", not in the queue: it left the unit)
    assert listed(world.other_handler) == (set(), "mine")
    assert listed(world.other_handler, tab="all") == ({theirs.pk}, "all")
    # the task force lands on the appeals awaiting assignment
    assert listed(world.taskforce) == ({theirs.pk}, "triage")
    assert listed(world.taskforce, tab="all")[0] == {mine.pk, theirs.pk}
    # and a cadre has no triage tab
    client.force_login(world.cadre)
    assert client.get(reverse("appeal-list"), {"tab": "triage"}).status_code == 404


def test_the_list_flags_overdue_rows_and_counts_the_filtered_set(client, clock, world):
    clock.set(ORDINARY_DAY)
    # given two appeals, one of which runs past its deadline, and one urgent
    late = raise_one(world, title="超期的诉求")
    clock.set(ORDINARY_DAY + timedelta(days=14))
    raise_one(world, title="新的诉求", urgency="urgent")
    # when the task force lists everything, then only overdue ones
    client.force_login(world.taskforce)
    response = client.get(reverse("appeal-list"), {"tab": "all"})
    html = response.content.decode()
    row = html[html.index(f'data-appeal="{late.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-overdue="1"' in row and late.deadline.isoformat() in row
    assert response.context["counts"]["open"] == 2 and response.context["counts"]["overdue"] == 1
    filtered = client.get(reverse("appeal-list"), {"tab": "all", "overdue": "true"})
    assert [a.pk for a in filtered.context["page"]] == [late.pk]
    assert filtered.context["counts"]["open"] == 1


def test_the_list_filters_by_tier_category_and_search(client, clock, world, categories):
    clock.set(ORDINARY_DAY)
    first = raise_one(world, title="贷款难")
    second = at_taskforce(world, title="用地指标", category=categories["land_planning"])
    client.force_login(world.taskforce)

    def pks(**params):
        return [a.pk for a in client.get(reverse("appeal-list"), {"tab": "all", **params}).context["page"]]

    assert pks(tier=Tier.TASKFORCE) == [second.pk]
    assert pks(category=categories["financing"].pk) == [first.pk]
    assert pks(q="用地") == [second.pk]
    assert pks(q=f"#{first.pk}") == [first.pk]


# --- Each move through the browser ------------------------------------------------------------


def _escalated_once(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world.cadre, reason="需要单位协调")
    appeal.refresh_from_db()
    return appeal


def _suspended(world):
    appeal = raise_one(world)
    services.appeal_suspend(appeal=appeal, acting_user=world.cadre, reason="等待企业补充材料")
    appeal.refresh_from_db()
    return appeal


def _overdue(world):
    appeal = raise_one(world)
    world.clock.set(ORDINARY_DAY + timedelta(days=14))
    return appeal


def _closed(world):
    appeal = resolved(world)
    services.appeal_feedback(appeal=appeal, acting_user=world.cadre, verdict="satisfied")
    appeal.refresh_from_db()
    return appeal


MOVES = [
    # action, how to get there, who acts, form data, what must be true afterwards
    ("escalate", raise_one, "cadre", {"reason": "需要单位协调"}, lambda a: a.tier == Tier.UNIT),
    ("return", _escalated_once, "handler", {"reason": "请干部先对接"}, lambda a: a.tier == Tier.INDIVIDUAL),
    ("assign", at_taskforce, "taskforce", {"unit": "GROUP", "workdays": "7"},
     lambda a: a.handler_unit.name == "金融服务组"),
    ("resolve", raise_one, "cadre", {"resolution": "已协调", "kind": "solved"},
     lambda a: a.status == Status.RESOLVED),
    ("suspend", raise_one, "cadre", {"reason": "等待企业补充材料"}, lambda a: a.status == Status.SUSPENDED),
    ("resume", _suspended, "cadre", {}, lambda a: a.status == Status.HANDLING),
    ("press", _overdue, "taskforce", {"comment": "请尽快办理"}, lambda a: a.press_level == 1),
    ("out_of_scope", at_taskforce, "taskforce", {"explanation": "属于司法程序"},
     lambda a: a.status == Status.OUT_OF_SCOPE),
    ("withdraw", raise_one, "cadre", {"reason": "企业已自行解决"}, lambda a: a.status == Status.WITHDRAWN),
    ("request_feedback", resolved, "cadre", {}, lambda a: FeedbackLink.objects.filter(appeal=a).exists()),
    ("feedback", resolved, "cadre", {"verdict": "satisfied"}, lambda a: a.status == Status.CLOSED),
    ("reopen", _closed, "taskforce", {"reason": "企业再次反映"}, lambda a: a.status == Status.HANDLING),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("action", "setup", "role", "data", "check"), MOVES, ids=[m[0] for m in MOVES])
def test_each_move_works_from_the_appeal_page(client, clock, world, action, setup, role, data, check, htmx):
    clock.set(ORDINARY_DAY)
    world.clock = clock
    # given an appeal where the move is possible, and the form for it on the page
    appeal = setup(world)
    user = getattr(world, role)
    client.force_login(user)
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert action in rendered_actions(page)
    events_before = appeal.events.count()
    data = {k: (world.group.pk if v == "GROUP" else v) for k, v in data.items()}
    # when the user posts it, with or without htmx
    response = post_action(client, appeal, action, data, htmx=htmx)
    # then the move is made through the service, with one more event
    appeal.refresh_from_db()
    assert check(appeal)
    assert appeal.events.count() == events_before + 1
    if htmx:
        # the panel comes back in place, not a whole page
        html = response.content.decode()
        assert response.status_code == 200 and html.startswith('<div id="appeal-panel"') and "<html" not in html
        assert f'data-version="{appeal.version}"' in html
    else:
        assert response.status_code == 302 and response["Location"] == reverse("appeal-detail", args=[appeal.pk])
        html = client.get(response["Location"]).content.decode()
        assert 'class="alert alert-success' in html
    if action == "request_feedback":
        # the link to copy is shown once, absolute
        assert re.search(r'value="http://testserver/f/[^"]+/" readonly', html)


def test_a_stale_form_says_already_changed_and_changes_nothing(en, clock, world):
    clock.set(ORDINARY_DAY)
    # given the cadre opened the appeal, and then someone else changed it
    appeal = raise_one(world)
    seen = appeal.version
    services.appeal_suspend(appeal=appeal, acting_user=world.cadre, reason="等待材料")
    services.appeal_resume(appeal=appeal, acting_user=world.cadre)
    appeal.refresh_from_db()
    events = appeal.events.count()
    en.force_login(world.cadre)
    # when the old form is posted as a plain form
    response = post_action(en, appeal, "escalate", {"reason": "上报"}, version=seen)
    # then they are sent back with "already changed"
    assert response.status_code == 302
    assert "already been changed" in en.get(response["Location"]).content.decode()
    # and with htmx they get 409 and the fresh panel
    response = post_action(en, appeal, "escalate", {"reason": "上报"}, version=seen, htmx=True)
    assert response.status_code == 409
    html = response.content.decode()
    assert "already been changed" in html and f'data-version="{appeal.version}"' in html
    appeal.refresh_from_db()
    assert appeal.tier == Tier.INDIVIDUAL and appeal.events.count() == events


def test_a_change_between_page_and_service_is_caught_by_the_service_too(en, clock, world, monkeypatch):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    en.force_login(world.cadre)
    real = services.appeal_escalate

    def racing(**kwargs):
        # someone else acts after the view looked, before the service locks
        services.appeal_suspend(appeal=appeal.pk, acting_user=world.cadre, reason="并发修改")
        return real(**kwargs)

    monkeypatch.setattr(services, "appeal_escalate", racing)
    response = post_action(en, appeal, "escalate", {"reason": "上报"}, htmx=True)
    assert response.status_code == 409 and "already been changed" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.SUSPENDED and appeal.tier == Tier.INDIVIDUAL


def test_a_missing_reason_is_shown_on_the_form_and_nothing_changes(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    en.force_login(world.cadre)
    for htmx in (False, True):
        response = post_action(en, appeal, "escalate", {"reason": ""}, htmx=htmx)
        html = response.content.decode()
        assert response.status_code == 200 and 'data-error-for="reason"' in html
        assert re.search(r'<details id="action-escalate" data-action="escalate" open>', html)
    appeal.refresh_from_db()
    assert appeal.tier == Tier.INDIVIDUAL and appeal.version == 1


def test_a_move_the_state_no_longer_allows_gives_a_message(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = resolved(world)
    en.force_login(world.cadre)
    response = post_action(en, appeal, "escalate", {"reason": "上报"}, htmx=True)
    assert response.status_code == 200 and "not possible" in response.content.decode()


def test_the_second_press_needs_a_supervising_leader(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    clock.set(ORDINARY_DAY + timedelta(days=14))
    services.appeal_press(appeal=appeal, acting_user=world.taskforce, comment="提醒")
    appeal.refresh_from_db()
    leader = factories.make_cadre(name="王区长", rank="district")
    en.force_login(world.taskforce)
    response = post_action(en, appeal, "press", {"comment": "督办"})
    assert response.status_code == 200 and 'data-error-for="leader"' in response.content.decode()
    response = post_action(en, appeal, "press", {"comment": "督办", "leader": leader.pk})
    appeal.refresh_from_db()
    assert response.status_code == 302 and appeal.press_level == 2 and appeal.supervising_leader == leader
    html = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert "王区长" in html and 'id="appeal-press"' in html


def test_task_force_returns_to_the_tier_it_chooses(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    client.force_login(world.taskforce)
    post_action(client, appeal, "return", {"reason": "请干部先处理", "to_tier": "1"})
    appeal.refresh_from_db()
    assert appeal.tier == Tier.INDIVIDUAL and appeal.handler_cadre == world.pairing.cadre


def test_a_leader_posting_a_move_is_forbidden_and_a_stranger_gets_404(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    client.force_login(world.leader)
    assert post_action(client, appeal, "escalate", {"reason": "x"}).status_code == 403
    client.force_login(world.other_cadre)
    assert post_action(client, appeal, "escalate", {"reason": "x"}).status_code == 404
    client.force_login(world.cadre)
    assert client.post(reverse("appeal-action", args=[appeal.pk, "explode"]), {}).status_code == 404
    appeal.refresh_from_db()
    assert appeal.version == 1


def test_a_substitute_acts_for_the_cadre_and_the_timeline_says_for_whom(client, clock, world):
    clock.set(ORDINARY_DAY)
    # given the cadre names a colleague as substitute on the substitutes page
    colleague = factories.make_cadre(unit=world.unit, name="代同事").user
    client.force_login(world.cadre)
    response = client.post(
        reverse("substitution-list"),
        {"substitute": colleague.pk, "starts_on": "2026-06-03", "ends_on": "2026-06-12", "reason": "外出学习"},
    )
    assert response.status_code == 302
    appeal = raise_one(world)
    # when the colleague escalates the appeal from the page
    client.force_login(colleague)
    assert "escalate" in rendered_actions(client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode())
    post_action(client, appeal, "escalate", {"reason": "代为上报"})
    # then the timeline shows who acted for whom
    html = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    entry = html[html.index('data-kind="escalated"'):]
    assert 'data-on-behalf-of="张干部"' in entry[:entry.index("</li>")]


def test_paused_stretches_show_on_the_timeline_with_their_working_days(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    services.appeal_suspend(appeal=appeal, acting_user=world.cadre, reason="等待企业补充材料")
    clock.set(date(2026, 6, 10))
    en.force_login(world.cadre)
    html = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert 'id="appeal-paused"' in html and 'data-kind="suspended"' in html
    services.appeal_resume(appeal=appeal, acting_user=world.cadre)
    paused = appeal.events.get(kind=EventKind.RESUMED).data["paused_workdays"]
    html = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    resumed = html[html.index('data-kind="resumed"'):]
    resumed = resumed[:resumed.index("</li>")]
    assert paused > 0 and f"Paused from 2026-06-03: {paused} working days" in resumed


# --- Bulk assignment --------------------------------------------------------------------------


def test_bulk_assignment_assigns_every_ticked_appeal(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeals = [at_taskforce(world, title=f"诉求{i}") for i in range(3)]
    en.force_login(world.taskforce)
    page = en.get(reverse("appeal-list")).content.decode()
    assert all(f'id="pick-{a.pk}"' in page for a in appeals)
    assert 'data-picker="/pickers/units/?kind=service_group' in page  # searched as one types, grouped by kind
    response = en.post(
        reverse("appeal-bulk-assign"),
        {"appeals": [a.pk for a in appeals], "unit": world.group.pk, "workdays": "7",
         **{f"version_{a.pk}": a.version for a in appeals}, "next": reverse("appeal-list") + "?tab=all"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("appeal-list") + "?tab=all"
    assert Appeal.objects.filter(handler_unit=world.group).count() == 3
    assert "3 appeals assigned" in en.get(response["Location"]).content.decode()


def test_bulk_assignment_is_all_or_nothing_and_says_which_appeal_failed(en, clock, world):
    clock.set(ORDINARY_DAY)
    # given two appeals awaiting assignment and one still with the cadre
    ready = [at_taskforce(world, title=f"诉求{i}") for i in range(2)]
    not_ready = raise_one(world, title="还在干部手里")
    en.force_login(world.taskforce)
    # when all three are ticked
    response = en.post(
        reverse("appeal-bulk-assign"),
        {"appeals": [a.pk for a in [*ready, not_ready]], "unit": world.group.pk, "workdays": "7"},
        follow=True,
    )
    # then none is assigned and the message names the one that could not be
    assert not Appeal.objects.filter(handler_unit=world.group).exists()
    assert AppealEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 0
    html = response.content.decode()
    assert "Nothing was assigned" in html and f"#{not_ready.pk}" in html and "还在干部手里" in html


def test_bulk_assignment_with_a_stale_row_assigns_nothing(en, clock, world):
    clock.set(ORDINARY_DAY)
    first, second = at_taskforce(world), at_taskforce(world)
    stale = second.version
    services.appeal_suspend(appeal=second, acting_user=world.taskforce, reason="等待")
    services.appeal_resume(appeal=second, acting_user=world.taskforce)
    en.force_login(world.taskforce)
    response = en.post(
        reverse("appeal-bulk-assign"),
        {"appeals": [first.pk, second.pk], "unit": world.group.pk, f"version_{first.pk}": first.version,
         f"version_{second.pk}": stale},
        follow=True,
    )
    assert not Appeal.objects.filter(handler_unit=world.group).exists()
    assert "already been changed" in response.content.decode()


def test_only_task_force_staff_bulk_assign(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    client.force_login(world.handler)
    response = client.post(reverse("appeal-bulk-assign"), {"appeals": [appeal.pk], "unit": world.group.pk})
    assert response.status_code == 403
    assert 'name="appeals"' not in client.get(reverse("appeal-list"), {"tab": "all"}).content.decode()


# --- The ledger export ------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_export_has_the_ledger_columns_and_only_the_rows_the_viewer_sees(client, clock, world):
    clock.set(ORDINARY_DAY)
    # given an appeal of each cadre, the first resolved
    mine = resolved(world)
    factories.make_appeal(pairing=world.other_pairing, title="=HYPERLINK(\"x\")")
    client.force_login(world.cadre)
    # when the cadre exports the ledger from the "all" tab
    rows = _sheet(client.get(reverse("appeal-export"), {"tab": "all"}))
    # then the header is the ledger's and only their appeal is in it
    assert rows[0] == [
        "编号", "企业", "统一社会信用代码", "街道", "行业", "类别", "标题", "来源", "紧急程度", "状态", "层级",
        "当前办理", "办理期限", "是否超期", "提出人", "提出时间", "办结时间", "办结方式", "办理结果",
        "办理用时（工作日）", "回访结果",
    ]
    assert [row[0] for row in rows[1:]] == [mine.pk]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["企业"] == "大连海韵精密机械有限公司" and row["办理结果"] == "协调银行授信500万元"
    assert row["提出人"] == "张干部" and row["是否超期"] == "否" and row["办理用时（工作日）"] == 0
    # and the task force gets both, formulas written as text
    client.force_login(world.taskforce)
    rows = _sheet(client.get(reverse("appeal-export"), {"tab": "all"}))
    assert len(rows) == 3 and '=HYPERLINK("x")' in [row[6] for row in rows]


def test_the_export_follows_the_filters_and_the_tab(client, clock, world):
    clock.set(ORDINARY_DAY)
    late = raise_one(world, title="超期")
    clock.set(ORDINARY_DAY + timedelta(days=14))
    raise_one(world, title="未超期")
    triage = at_taskforce(world, title="待交办")
    client.force_login(world.taskforce)
    rows = _sheet(client.get(reverse("appeal-export"), {"tab": "all", "overdue": "true"}))
    assert [row[0] for row in rows[1:]] == [late.pk] and rows[1][13] == "是"
    rows = _sheet(client.get(reverse("appeal-export"), {"tab": "triage"}))
    assert [row[0] for row in rows[1:]] == [triage.pk]
    page = client.get(reverse("appeal-list"), {"tab": "all", "overdue": "true"}).content.decode()
    assert "/appeals/export.xlsx?tab=all&amp;overdue=true" in page


# --- Raising an appeal ------------------------------------------------------------------------


def test_raising_from_a_visit_is_prefilled_from_its_issues(client, clock, world, categories):
    clock.set(ORDINARY_DAY)
    # given the cadre's visit in which the enterprise raised a problem
    visit = factories.make_visit(
        assignment=world.pairing, date=ORDINARY_DAY, issues_raised="厂房用电增容审批慢\n已等两个月"
    )
    client.force_login(world.cadre)
    detail = client.get(reverse("visit-detail", args=[visit.pk])).content.decode()
    assert f"{reverse('appeal-create')}?visit={visit.pk}" in detail
    # when they open the form from the visit
    response = client.get(reverse("appeal-create"), {"visit": visit.pk})
    form = response.context["form"]
    # then it is pre-filled from the visit
    assert form["source"].value() == "visit"
    assert form["title"].value() == "厂房用电增容审批慢"
    assert form["description"].value() == "厂房用电增容审批慢\n已等两个月"
    # and posting it raises the appeal linked to the visit, with its attachment
    response = client.post(
        reverse("appeal-create"),
        {"visit": visit.pk, "category": categories["utilities"].pk, "title": "厂房用电增容审批慢",
         "description": "已等两个月", "source": "visit", "urgency": "urgent",
         "files": [SimpleUploadedFile("photo.png", PNG)]},
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeal-detail", args=[appeal.pk])
    assert appeal.visit == visit and appeal.urgency == "urgent" and appeal.tier == Tier.INDIVIDUAL
    attachment = appeal.attachments.get()
    assert client.get(reverse("appeal-attachment", args=[attachment.pk])).status_code == 200
    client.force_login(world.other_cadre)
    assert client.get(reverse("appeal-attachment", args=[attachment.pk])).status_code == 404


def test_only_the_visits_own_cadre_gets_the_raise_button(client, clock, world):
    clock.set(ORDINARY_DAY)
    visit = factories.make_visit(assignment=world.pairing, date=ORDINARY_DAY, issues_raised="招工难")
    client.force_login(world.handler)
    assert 'id="raise-from-visit"' not in client.get(reverse("visit-detail", args=[visit.pk])).content.decode()
    assert client.get(reverse("appeal-create"), {"visit": visit.pk}).status_code == 403
    client.force_login(world.other_cadre)
    assert client.get(reverse("appeal-create"), {"visit": visit.pk}).status_code == 404
    assert client.get(reverse("appeal-create"), {"enterprise": world.enterprise.pk}).status_code == 404


def test_a_deadline_in_a_year_without_a_calendar_is_saved_as_provisional(en, clock, world, categories):
    clock.set(date(2030, 12, 27))  # the step's deadline falls in 2031, which has no official calendar
    en.force_login(world.cadre)
    response = en.post(
        reverse("appeal-create"),
        {"enterprise": world.enterprise.pk, "category": categories["financing"].pk, "title": "融资",
         "description": "需要贷款", "source": "visit", "urgency": "normal",
         "files": [SimpleUploadedFile("photo.png", PNG)]},
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    # 5 working days after Friday 2030-12-27: 12-30, 12-31, (01-01 off) 01-02, 01-03, 01-06
    assert appeal.deadline == date(2031, 1, 6) and appeal.deadline_provisional and appeal.deadline_workdays == 5
    html = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert 'data-provisional="1"' in html and 'id="appeal-deadline-provisional"' in html


def test_a_bad_attachment_refuses_the_whole_appeal(en, clock, world, categories):
    clock.set(ORDINARY_DAY)
    en.force_login(world.cadre)
    response = en.post(
        reverse("appeal-create"),
        {"enterprise": world.enterprise.pk, "category": categories["financing"].pk, "title": "融资",
         "description": "需要贷款", "source": "visit", "urgency": "normal",
         "files": [SimpleUploadedFile("fake.png", b"not a png")]},
    )
    assert response.status_code == 200 and "fake.png" in response.content.decode()
    assert not Appeal.objects.exists()


def test_task_force_registers_a_hotline_appeal_that_awaits_assignment(client, clock, world, categories):
    clock.set(ORDINARY_DAY)
    client.force_login(world.taskforce)
    form = client.get(reverse("appeal-create"), {"enterprise": world.enterprise.pk}).context["form"]
    assert form["source"].value() == "hotline"
    client.post(
        reverse("appeal-create"),
        {"enterprise": world.enterprise.pk, "category": categories["approvals"].pk, "title": "12345：施工许可慢",
         "description": "企业反映施工许可审批超时", "source": "hotline", "urgency": "normal"},
    )
    appeal = Appeal.objects.get()
    assert appeal.tier == Tier.TASKFORCE and appeal.awaiting_triage


# --- The enterprise's feedback link -----------------------------------------------------------


def _link(world) -> tuple[Appeal, str]:
    appeal = resolved(world)
    path = services.feedback_link_create(appeal=appeal, acting_user=world.cadre)
    return appeal, path


def test_the_feedback_page_shows_only_the_enterprise_title_and_resolution(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal, path = _link(world)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert "大连海韵精密机械有限公司" in html and "企业融资难" in html and "协调银行授信500万元" in html
    # nothing internal: not the description, the cadre, the unit, nor the signed-in navigation
    assert "银行授信不足" not in html and "张干部" not in html and "区科工局" not in html
    assert 'id="nav"' not in html and "logout" not in html
    assert response["Referrer-Policy"] == "same-origin"
    assert html.count('name="verdict"') == 3


def test_a_satisfied_verdict_through_the_link_closes_the_appeal_and_the_link_is_spent(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal, path = _link(world)
    response = client.post(path, {"verdict": "satisfied", "comment": ""})
    assert response.status_code == 200 and 'id="feedback-thanks"' in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.feedback == "satisfied"
    assert appeal.events.last().actor_label.startswith("王经理")
    # reusing it is refused as gone
    again = client.get(path)
    assert again.status_code == 410 and 'id="feedback-gone"' in again.content.decode()
    assert client.post(path, {"verdict": "unsatisfied", "comment": "再试"}).status_code == 410


def test_a_tampered_link_is_404_and_an_expired_one_410(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal, path = _link(world)
    signed = path.split("/")[2]
    assert en.get(reverse("appeal-feedback-public", args=[signed[:-2] + "xx"])).status_code == 404
    forged = signing.dumps({"l": 999, "t": "x"}, salt="appeals.feedback", compress=True)
    assert en.get(reverse("appeal-feedback-public", args=[forged])).status_code == 404
    clock.set(ORDINARY_DAY + timedelta(days=30))
    response = en.get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_unsatisfied_without_a_comment_is_refused_and_with_one_reopens_the_appeal(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal, path = _link(world)
    # when the contact is unsatisfied but says nothing
    response = en.post(path, {"verdict": "unsatisfied", "comment": ""})
    # then they are asked to say what is wrong, and nothing is recorded
    assert response.status_code == 200 and 'data-error-for="comment"' in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.RESOLVED and not FeedbackLink.objects.get().used_at
    # and with a comment the appeal is reopened at the tier that resolved it
    response = en.post(path, {"verdict": "unsatisfied", "comment": "授信额度不够"})
    assert response.status_code == 200 and "reopened" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING and appeal.tier == Tier.INDIVIDUAL
    assert list(appeal.events.values_list("kind", flat=True))[-2:] == ["feedback", "reopened"]


# --- Pages around the appeals -----------------------------------------------------------------


def test_a_cadres_home_lists_their_open_appeals_with_deadlines_and_overdue_flags(client, clock, world):
    clock.set(ORDINARY_DAY)
    late = raise_one(world, title="超期的诉求")
    clock.set(ORDINARY_DAY + timedelta(days=14))
    fresh = raise_one(world, title="新的诉求")
    done = resolved(world)
    client.force_login(world.cadre)
    html = client.get(reverse("home")).content.decode()
    card = html[html.index('id="my-appeals"'):]
    card = card[:card.index("</section>")]
    assert f'data-appeal="{late.pk}"' in card and f'data-appeal="{fresh.pk}"' in card
    assert f'data-appeal="{done.pk}"' in card  # awaiting the enterprise's feedback
    late_row = card[card.index(f'data-appeal="{late.pk}"'):card.index(f'data-appeal="{fresh.pk}"')]
    assert 'data-overdue="1"' in late_row and late.deadline.isoformat() in late_row


def test_handlers_and_task_force_see_their_queue_counts_at_home(client, clock, world):
    clock.set(ORDINARY_DAY)
    _escalated_once(world)
    at_taskforce(world)
    client.force_login(world.handler)
    html = client.get(reverse("home")).content.decode()
    assert 'id="appeal-queue"' in html and re.search(r'data-count="open">1<', html)
    client.force_login(world.taskforce)
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'data-count="triage"><a [^>]+>1<', html)


def test_the_enterprise_page_lists_its_appeals_to_those_who_may_see_them(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    client.force_login(world.cadre)
    html = client.get(reverse("enterprise-detail", args=[world.enterprise.pk])).content.decode()
    assert f'data-appeal="{appeal.pk}"' in html and 'id="raise-appeal"' in html
    client.force_login(world.handler)
    html = client.get(reverse("enterprise-detail", args=[world.enterprise.pk])).content.decode()
    assert f'data-appeal="{appeal.pk}"' in html and 'id="raise-appeal"' not in html


def test_substitutions_are_listed_to_those_in_them_and_all_to_the_task_force(client, clock, world):
    clock.set(ORDINARY_DAY)
    mine = Substitution.objects.create(principal=world.cadre, substitute=world.handler, starts_on=ORDINARY_DAY,
                                       ends_on=ORDINARY_DAY)
    theirs = Substitution.objects.create(principal=world.other_cadre, substitute=world.other_handler,
                                         starts_on=ORDINARY_DAY, ends_on=ORDINARY_DAY)

    def listed(user):
        client.force_login(user)
        return {s.pk for s in client.get(reverse("substitution-list")).context["page"]}

    assert listed(world.cadre) == {mine.pk}
    assert listed(world.handler) == {mine.pk}
    assert listed(world.taskforce) == {mine.pk, theirs.pk}


def test_a_substitution_that_ends_before_it_starts_is_refused_on_the_form(client, clock, world):
    clock.set(ORDINARY_DAY)
    client.force_login(world.cadre)
    response = client.post(
        reverse("substitution-list"),
        {"substitute": world.handler.pk, "starts_on": "2026-06-10", "ends_on": "2026-06-05"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Substitution.objects.exists()


def test_notifications_list_unread_first_and_mark_read_one_or_all(client, clock, world):
    clock.set(ORDINARY_DAY)
    old = Notification.objects.create(user=world.cadre, kind="x", title="旧消息", dedupe_key="a",
                                      read_at=clock.now)
    clock.set(ORDINARY_DAY, hour=9)
    first = Notification.objects.create(user=world.cadre, kind="x", title="第一条", dedupe_key="b",
                                        url="/appeals/")
    second = Notification.objects.create(user=world.cadre, kind="x", title="第二条", dedupe_key="c")
    Notification.objects.create(user=world.handler, kind="x", title="别人的", dedupe_key="d")
    client.force_login(world.cadre)
    response = client.get(reverse("notification-list"))
    assert [n.pk for n in response.context["page"]] == [second.pk, first.pk, old.pk]
    assert 'data-unread="2"' in response.content.decode()  # the badge in the menu
    # opening one marks it read and follows its link
    response = client.post(reverse("notification-list"), {"id": first.pk, "open": "1"})
    assert response.status_code == 302 and response["Location"] == "/appeals/"
    first.refresh_from_db()
    assert first.read_at is not None
    # and "all" marks the rest
    client.post(reverse("notification-list"), {"all": "1"})
    assert not Notification.objects.filter(user=world.cadre, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.handler, read_at__isnull=True).exists()
    # someone else's notification is not theirs to mark
    other = Notification.objects.get(user=world.handler)
    assert client.post(reverse("notification-list"), {"id": other.pk}).status_code == 404


def test_a_moves_form_is_drawn_when_asked_for(en, clock, world):
    """The page carries each move's button; its form comes with the first press (htmx GET of the move),
    or, without JavaScript, as the page with that form open."""
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    en.force_login(world.taskforce)
    page = en.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert {"assign", "resolve", "return"} <= rendered_actions(page)
    assert 'name="reason"' not in page and 'name="resolution"' not in page
    url = reverse("appeal-action", args=[appeal.pk, "resolve"])
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page

    form = en.get(url, **HTMX)
    html = form.content.decode()
    assert form.status_code == 200 and html.lstrip().startswith("<form") and 'name="resolution"' in html
    assert "<html" not in html and f'name="version" value="{appeal.version}"' in html

    whole = en.get(url).content.decode()
    assert re.search(r'<details id="action-resolve" data-action="resolve" open>', whole)
    assert 'name="resolution"' in whole and 'name="reason"' not in whole


def test_a_moves_form_is_refused_to_whoever_may_not_make_it(en, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = raise_one(world)
    en.force_login(world.handler)  # the cadre's step: the unit may not resolve it yet
    assert en.get(reverse("appeal-action", args=[appeal.pk, "resolve"]), **HTMX).status_code == 403
    en.force_login(world.other_cadre)
    assert en.get(reverse("appeal-action", args=[appeal.pk, "resolve"])).status_code == 404
    en.force_login(world.cadre)
    assert en.get(reverse("appeal-action", args=[appeal.pk, "nonsense"])).status_code == 404
    resolved_one = resolved(world)
    response = en.get(reverse("appeal-action", args=[resolved_one.pk, "escalate"]))
    assert response.status_code == 302 and response["Location"] == resolved_one.get_absolute_url()

"""The appeal's category: chosen by whoever raises it (nothing pre-selected), corrected later by the unit's
handler or the task force, with a timeline event saying who, when and from which category to which."""

import re
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from appeals import services
from appeals.forms import AppealForm
from appeals.models import Appeal, AppealCategory, EventKind, Status
from tests import factories

pytestmark = pytest.mark.django_db

ORDINARY_DAY = date(2026, 6, 3)
API = "/api/v1"


@pytest.fixture
def cats(db):
    return {c.code: c for c in AppealCategory.objects.filter(active=True)}


@pytest.fixture
def world(db):
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张干部"))
    other = factories.make_assignment(cadre=factories.make_cadre(unit=factories.make_unit(name="区商务局")))
    return {
        "pairing": pairing,
        "cadre": pairing.cadre.user,
        "handler": factories.make_unit_handler(unit, username="kgj-handler"),
        "other_handler": factories.make_unit_handler(other.cadre.unit, username="sw-handler"),
        "taskforce": factories.make_user(role="taskforce", username="tf"),
        "leader": factories.make_user(role="leader", username="boss"),
    }


def _selected_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def test_the_raise_form_starts_with_please_choose_and_no_category_selected(client, world):
    # given the cadre opens the raise form for their enterprise
    client.force_login(world["cadre"])
    response = client.get(reverse("appeal-create"), {"enterprise": world["pairing"].enterprise_id})
    html = response.content.decode()
    # then the category list starts with 请选择, and that empty choice is the one shown
    assert response.status_code == 200
    first_option = re.search(r'<select name="category"[^>]*>\s*<option value="([^"]*)"[^>]*>([^<]*)<', html)
    assert first_option.groups() == ("", "请选择")
    assert _selected_options(html, "category") in ([], [""])


def test_raising_without_a_category_is_refused_with_a_clear_message(client, world):
    # given the cadre fills everything but the category
    client.force_login(world["cadre"])
    response = client.post(reverse("appeal-create"), {
        "enterprise": world["pairing"].enterprise_id, "title": "用地指标", "description": "扩建厂房缺少用地指标。",
        "source": "visit", "urgency": "normal",
    })
    # then nothing is raised and the form says what is missing
    assert response.status_code == 200
    assert "请选择问题所属的分类。" in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_form_refuses_no_choice_in_english_too():
    form = AppealForm(data={"title": "x", "description": "y", "source": "visit", "urgency": "normal"})
    assert not form.is_valid() and "category" in form.errors


def test_the_units_handler_recategorises_from_the_page_and_the_timeline_says_who_and_old_to_new(
    client, clock, world, cats
):
    clock.set(ORDINARY_DAY)
    # given an appeal filed under financing
    appeal = factories.make_appeal(pairing=world["pairing"], category=cats["financing"])
    new = next(c for code, c in cats.items() if code != "financing")
    # when the unit's handler changes its category on the appeal page
    client.force_login(world["handler"])
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert 'data-action="recategorise"' in page and "更改分类" in page
    response = client.post(reverse("appeal-action", args=[appeal.pk, "recategorise"]),
                           {"version": appeal.version, "category": new.pk, "reason": "实为用地问题"})
    # then the appeal is filed under the new category, its state untouched
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.category == new and appeal.status == Status.HANDLING and appeal.tier == 1
    event = appeal.events.order_by("-seq").first()
    assert event.kind == EventKind.RECATEGORISED and event.actor == world["handler"]
    assert event.data["from_category_name"] == cats["financing"].name and event.data["to_category"] == new.pk
    # and the timeline shows it
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert f"分类：{cats['financing'].name} → {new.name}" in page and "实为用地问题" in page


def test_the_task_force_recategorises_a_closed_appeal_over_the_api(clock, world, cats):
    clock.set(ORDINARY_DAY)
    # given a closed appeal (its figures already counted)
    appeal = factories.make_appeal(pairing=world["pairing"], category=cats["financing"])
    services.appeal_resolve(appeal=appeal, acting_user=world["cadre"], resolution="已协调贷款")
    services.appeal_feedback(appeal=appeal, acting_user=world["cadre"], verdict="satisfied")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    new = next(c for code, c in cats.items() if code != "financing")
    api = APIClient()
    api.force_authenticate(world["taskforce"])
    # when the task force moves it to the right category
    response = api.post(f"{API}/appeals/{appeal.pk}/recategorise/",
                        {"version": appeal.version, "category": new.pk}, format="json")
    # then the appeal is answered as it now is, and the timeline over the API has the event
    assert response.status_code == 200, response.content
    assert response.json()["category"] == new.pk and response.json()["status"] == "closed"
    events = api.get(f"{API}/appeals/{appeal.pk}/events/").json()
    assert events[-1]["kind"] == "recategorised" and events[-1]["kind_display"] == "更改分类"
    assert events[-1]["data"]["to_category_name"] == new.name
    # and the same category again is refused, as is a stale version
    again = api.post(f"{API}/appeals/{appeal.pk}/recategorise/", {"category": new.pk}, format="json")
    assert again.status_code == 400 and "已归入" in again.json()["category"][0]
    stale = api.post(f"{API}/appeals/{appeal.pk}/recategorise/",
                     {"version": appeal.version, "category": cats["financing"].pk}, format="json")
    assert stale.status_code == 409


@pytest.mark.parametrize(("who", "status"), [("cadre", 403), ("leader", 403), ("other_handler", 404)])
def test_others_may_not_recategorise(clock, world, cats, who, status):
    clock.set(ORDINARY_DAY)
    appeal = factories.make_appeal(pairing=world["pairing"], category=cats["financing"])
    new = next(c for code, c in cats.items() if code != "financing")
    api = APIClient()
    api.force_authenticate(world[who])
    response = api.post(f"{API}/appeals/{appeal.pk}/recategorise/", {"category": new.pk}, format="json")
    assert response.status_code == status
    appeal.refresh_from_db()
    assert appeal.category == cats["financing"]
    assert "recategorise" not in services.allowed_actions(world[who], appeal)

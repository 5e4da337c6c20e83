"""The policy catalogue in the browser for staff and cadres: who sees and changes what, editing a
measure with its rules in one transaction, expiry, search, beneficiary lists, deliveries recorded
from the cadre's home or by a visit, and importing policies from Excel.

Drafts are for task-force staff only: leaders read every published or expired measure, but a draft
is neither listed for them nor opened (404), like for cadres and unit handlers.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from liaison import imports
from liaison.models import Notification, Role, Visit
from liaison.selectors import today
from policies import services
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories

pytestmark = pytest.mark.django_db


def category(code: str = "finance") -> PolicyCategory:
    return PolicyCategory.objects.get(code=code)


def make_policy(*groups: dict, code: str = "finance", **kwargs) -> Policy:
    kwargs.setdefault("title", f"惠企政策{factories.n()}")
    kwargs.setdefault("status", PolicyStatus.PUBLISHED)
    policy = Policy.objects.create(category=category(code), **kwargs)
    for spec in groups:
        spec = dict(spec)
        streets = spec.pop("streets", None)
        group = RuleGroup.objects.create(policy=policy, **spec)
        if streets:
            group.streets.set(streets)
    return policy


def as_user(client, user):
    client.force_login(user)
    return client


POLICY_FORM = {
    "title": "规上工业企业稳增长奖励",
    "doc_number": "大政发〔2024〕12号",
    "issuer": "区人民政府",
    "status": PolicyStatus.PUBLISHED,
    "effective_from": "2024-01-01",
    "effective_to": "",
    "no_application": "on",
    "tags": "工业, 稳增长",
    "summary": "对产值增长的规上工业企业给予奖励。",
    "eligibility_text": "",
    "benefit": "最高50万元",
    "how_to_apply": "",
    "contact": "",
    "full_text": "",
}


def policy_post(*groups: dict, existing: list[RuleGroup] = (), **overrides) -> dict:
    """Form data for the policy page: the policy, its existing groups, then new ones."""
    data = {**POLICY_FORM, "category": category().pk, **overrides}
    forms = [{"id": g.pk, "name": g.name} for g in existing] + list(groups)
    data.update({
        "rules-TOTAL_FORMS": str(len(forms)),
        "rules-INITIAL_FORMS": str(len(existing)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    })
    for i, form in enumerate(forms):
        for key, value in form.items():
            data[f"rules-{i}-{key}"] = value
    return data


# --- Who sees and changes what ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CADRE, Role.LEADER, Role.UNIT_HANDLER])
def test_only_task_force_staff_create_or_edit_policies(client, role):
    # given
    user = factories.make_user(role=role)
    policy = make_policy()
    as_user(client, user)
    # then every way in is refused
    assert client.get(reverse("policy-create")).status_code == 403
    assert client.get(reverse("policy-edit", args=[policy.pk])).status_code == 403
    assert client.post(reverse("policy-create"), policy_post()).status_code == 403
    assert client.post(reverse("policy-edit", args=[policy.pk]), policy_post(title="改")).status_code == 403
    assert client.get(reverse("policy-import")).status_code == 403
    assert Policy.objects.count() == 1 and Policy.objects.get().title != "改"


def test_a_leader_reads_the_catalogue_without_edit_buttons_and_without_drafts(client, leader_user):
    # given
    published = make_policy(title="已发布的政策")
    draft = make_policy(title="起草中的政策", status=PolicyStatus.DRAFT)
    as_user(client, leader_user)
    # when
    listing = client.get(reverse("policy-list")).content.decode()
    detail = client.get(reverse("policy-detail", args=[published.pk]))
    # then
    assert "已发布的政策" in listing and "起草中的政策" not in listing
    assert reverse("policy-create") not in listing
    assert detail.status_code == 200
    assert reverse("policy-edit", args=[published.pk]) not in detail.content.decode()
    assert client.get(reverse("policy-detail", args=[draft.pk])).status_code == 404


def test_task_force_staff_see_drafts_and_the_new_policy_button(client, taskforce_user):
    draft = make_policy(title="起草中的政策", status=PolicyStatus.DRAFT)
    as_user(client, taskforce_user)
    listing = client.get(reverse("policy-list")).content.decode()
    assert "起草中的政策" in listing and reverse("policy-create") in listing
    detail = client.get(reverse("policy-detail", args=[draft.pk])).content.decode()
    assert reverse("policy-edit", args=[draft.pk]) in detail


def test_a_cadre_does_not_see_drafts(client, pairing):
    draft = make_policy(title="起草中的政策", status=PolicyStatus.DRAFT)
    as_user(client, pairing.cadre.user)
    assert "起草中的政策" not in client.get(reverse("policy-list")).content.decode()
    assert client.get(reverse("policy-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("policy-explain", args=[draft.pk, pairing.enterprise.pk])).status_code == 404


def test_the_detail_page_shows_rules_in_words_qr_code_and_public_link(client, pairing):
    # given
    street = factories.make_street(name="星海街道")
    policy = make_policy(
        {"name": "规上制造业", "above_scale": True, "industry_sections": ["C"], "employees_min": 10},
        {"streets": [street]},
        tags="专精特新, 工业",
    )
    as_user(client, pairing.cadre.user)
    # when
    body = client.get(reverse("policy-detail", args=[policy.pk])).content.decode()
    # then
    assert "规上制造业" in body and "C 制造业" in body and "星海街道" in body
    assert reverse("policy-qr-svg", args=[policy.pk]) in body
    assert reverse("policy-public", args=[policy.pk]) in body
    assert "#专精特新" in body
    assert reverse("policy-explain", args=[policy.pk, pairing.enterprise.pk]) in body


# --- Creating and editing, all or nothing -------------------------------------------------------


def test_creating_a_policy_with_rule_groups_saves_all_with_history(client, taskforce_user):
    # given
    street = factories.make_street()
    as_user(client, taskforce_user)
    # when a policy with two groups is posted, one naming a street
    response = client.post(
        reverse("policy-create"),
        policy_post(
            {"name": "规上制造业", "above_scale": "true", "industry_sections": ["C"], "employees_min": "10",
             "employees_max": "500"},
            {"name": "本街道企业", "high_tech": "false", "streets": [street.pk], "ownerships": ["private"]},
        ),
    )
    # then
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"] == policy.get_absolute_url()
    first, second = policy.rule_groups.order_by("id")
    assert (first.above_scale, first.high_tech, first.industry_sections, first.employees_min) == (True, None, ["C"], 10)
    assert (second.high_tech, second.ownerships, list(second.streets.all())) == (False, ["private"], [street])
    assert policy.published_at is not None
    assert policy.history.get().history_user == taskforce_user
    assert {r.history_user for r in RuleGroup.history.all()} == {taskforce_user}


def test_a_bad_rule_group_saves_nothing_and_shows_the_error_by_field(client, taskforce_user):
    as_user(client, taskforce_user)
    # when the second group's range is upside down
    response = client.post(
        reverse("policy-create"),
        policy_post({"name": "好的组", "above_scale": "true"}, {"name": "坏的组", "employees_min": "50",
                                                              "employees_max": "10"}),
    )
    # then nothing at all is saved and the error is shown on that field
    assert response.status_code == 200
    assert Policy.objects.count() == 0 and RuleGroup.objects.count() == 0
    assert response.context["formset"].forms[1].errors["employees_max"]
    assert 'data-error="employees_max"' in response.content.decode()


def test_a_rule_group_refused_by_the_service_rolls_the_policy_back(client, taskforce_user, monkeypatch):
    # given an existing policy with one group
    policy = make_policy({"name": "原有组", "above_scale": True}, title="原标题")
    group = policy.rule_groups.get()
    as_user(client, taskforce_user)
    real_save = services.rule_group_save

    def refuse_second(*, group, acting_user, streets=None):
        if group.name == "被拒绝":
            from django.core.exceptions import ValidationError

            raise ValidationError({"employees_min": "不接受"})
        return real_save(group=group, acting_user=acting_user, streets=streets)

    monkeypatch.setattr(services, "rule_group_save", refuse_second)
    # when the title changes, a group is added and another is refused in the same save
    response = client.post(
        reverse("policy-edit", args=[policy.pk]),
        policy_post({"name": "新增组", "high_tech": "true"}, {"name": "被拒绝", "employees_min": "5"},
                    existing=[group], title="新标题"),
    )
    # then nothing changed: no new title, no new group
    assert response.status_code == 200
    policy.refresh_from_db()
    assert policy.title == "原标题"
    assert list(policy.rule_groups.values_list("name", flat=True)) == ["原有组"]
    assert response.context["formset"].forms[2].errors["employees_min"] == ["不接受"]
    # and the form can be sent again: the new groups carry no id of a row that was rolled back
    assert all(not f.instance.pk for f in response.context["formset"].forms[1:])


def test_editing_deletes_and_changes_groups_with_the_user_on_the_history(client, taskforce_user):
    # given
    policy = make_policy({"name": "留下", "above_scale": True}, {"name": "删除", "high_tech": True})
    keep, drop = policy.rule_groups.order_by("id")
    as_user(client, taskforce_user)
    # when
    data = policy_post(existing=[keep, drop], title="改过的标题")
    data.update({"rules-0-above_scale": "false", "rules-1-high_tech": "true", "rules-1-DELETE": "on"})
    response = client.post(reverse("policy-edit", args=[policy.pk]), data)
    # then
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.above_scale is False
    assert not RuleGroup.objects.filter(pk=drop.pk).exists()
    assert policy.history.latest("history_date").history_user == taskforce_user
    deleted = RuleGroup.history.get(id=drop.pk, history_type="-")
    assert deleted.history_user == taskforce_user
    page = client.get(reverse("policy-detail", args=[policy.pk])).content.decode()
    assert "改过的标题" in page and 'id="rule-history"' in page


def test_the_end_date_cannot_precede_the_start(client, taskforce_user):
    as_user(client, taskforce_user)
    response = client.post(reverse("policy-create"), policy_post(effective_from="2024-06-01",
                                                                 effective_to="2024-05-31"))
    assert response.status_code == 200 and Policy.objects.count() == 0
    assert response.context["form"].errors["effective_to"]


# --- Expiry by date ---------------------------------------------------------------------------


def test_a_policy_past_its_end_date_expires_once_and_shows_as_expired(client, clock, leader_user):
    # given a published policy in force until 10 March
    clock.set(date(2025, 3, 1))
    policy = make_policy(title="到期政策", effective_to=date(2025, 3, 10))
    assert services.policy_expire_due() == 0
    # when the day after its end comes
    clock.set(date(2025, 3, 11))
    # then the page shows it expired even before the daily job runs
    as_user(client, leader_user)
    page = client.get(reverse("policy-detail", args=[policy.pk])).content.decode()
    assert 'data-expired="1"' in page and 'data-badge="expired"' in page
    # and the job expires it, once
    assert services.policy_expire_due() == 1
    assert services.policy_expire_due() == 0
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.EXPIRED
    assert policy.history.latest("history_date").history_change_reason == "expired by date"
    # and it is listed under expired, not under published
    expired = client.get(reverse("policy-list"), {"status": "expired"}).content.decode()
    published = client.get(reverse("policy-list"), {"status": "published"}).content.decode()
    assert "到期政策" in expired and "到期政策" not in published


# --- Search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("〔2024〕12", "稳增长奖励"),  # document number
        ("专精特新", "专精特新企业培育"),  # tag
        ("稳岗", "稳岗返还"),  # Chinese substring of the title
        ("研发费用", "研发投入补助"),  # substring of the summary
    ],
)
def test_search_by_document_number_tag_and_chinese_substring(client, pairing, q, expected):
    # given
    make_policy(title="规上工业企业稳增长奖励", doc_number="大政发〔2024〕12号")
    make_policy(title="专精特新企业培育", tags="专精特新, 中小企业", code="innovation")
    make_policy(title="失业保险稳岗返还", code="employment")
    make_policy(title="研发投入补助", summary="按研发费用的10%给予补助", code="innovation")
    as_user(client, pairing.cadre.user)
    # when
    response = client.get(reverse("policy-list"), {"q": q})
    # then exactly that policy is found
    titles = [p.title for p in response.context["page"].object_list]
    assert [t for t in titles if expected in t] and len(titles) == 1


def test_filters_by_category_and_flags_and_groups_by_category(client, pairing):
    make_policy(title="免申政策", no_application=True)
    make_policy(title="直达政策", direct_delivery=True, code="talent")
    make_policy(title="普通政策", code="talent")
    as_user(client, pairing.cadre.user)
    titles = lambda params: {p.title for p in client.get(reverse("policy-list"), params).context["page"]}  # noqa: E731
    assert titles({"no_application": "true"}) == {"免申政策"}
    assert titles({"direct_delivery": "true"}) == {"直达政策"}
    assert titles({"category": category("talent").pk}) == {"直达政策", "普通政策"}
    page = client.get(reverse("policy-list")).content.decode()
    assert 'data-category="finance"' in page and 'data-category="talent"' in page
    # the htmx search answers with the results only
    partial = client.get(reverse("policy-list"), {"q": "免申"}, HTTP_HX_REQUEST="true").content.decode()
    assert "免申政策" in partial and "<html" not in partial


# --- Eligibility pages ------------------------------------------------------------------------


def test_the_eligible_page_lists_enterprises_with_their_cadre_for_leaders(client, leader_user, pairing):
    # given
    policy = make_policy({"above_scale": True})
    small = factories.make_enterprise(above_scale=False)
    as_user(client, leader_user)
    # when
    response = client.get(reverse("policy-eligible", args=[policy.pk]))
    # then
    listed = list(response.context["page"].object_list)
    assert pairing.enterprise in listed and small not in listed
    assert pairing.cadre.name in response.content.decode()


def test_a_unit_handler_sees_only_the_eligible_enterprises_of_their_unit(client, unit_handler, pairing, other_pairing):
    policy = make_policy({"above_scale": True})
    as_user(client, unit_handler)
    listed = list(client.get(reverse("policy-eligible", args=[policy.pk])).context["page"].object_list)
    assert listed == [pairing.enterprise]


def test_a_cadre_sees_only_whether_their_own_enterprise_is_eligible(client, pairing, other_pairing):
    policy = make_policy({"above_scale": True})
    as_user(client, pairing.cadre.user)
    response = client.get(reverse("policy-eligible", args=[policy.pk]))
    assert response.status_code == 200 and "page" not in response.context
    assert [v.enterprise for v in response.context["verdicts"]] == [pairing.enterprise]
    assert other_pairing.enterprise.name not in response.content.decode()


def test_the_explanation_shows_each_condition_held_failed_or_missing(client, pairing):
    # given an enterprise above scale whose headcount is unknown, not high-tech
    enterprise = pairing.enterprise
    enterprise.employees, enterprise.high_tech = None, False
    enterprise.save()
    policy = make_policy({"name": "第一种", "above_scale": True, "high_tech": True},
                         {"name": "第二种", "employees_min": 10})
    as_user(client, pairing.cadre.user)
    # when
    response = client.get(reverse("policy-explain", args=[policy.pk, enterprise.pk]))
    # then
    body = response.content.decode()
    assert response.status_code == 200 and 'data-eligible="0"' in body
    assert [[c.outcome for c in g.conditions] for g in response.context["verdict"].groups] == [
        ["pass", "fail"], ["missing"]
    ]
    assert body.count('data-outcome="pass"') == 1 and body.count('data-outcome="fail"') == 1
    assert body.count('data-outcome="missing"') == 1 and 'id="missing-data"' in body
    assert "✓" in body and "✗" in body


def test_the_explanation_is_refused_for_an_enterprise_the_viewer_may_not_see(client, pairing, other_pairing):
    policy = make_policy({"above_scale": True})
    as_user(client, pairing.cadre.user)
    assert client.get(reverse("policy-explain", args=[policy.pk, other_pairing.enterprise.pk])).status_code == 404


def test_the_enterprise_page_lists_the_policies_it_is_eligible_for(client, pairing):
    # given
    yes = make_policy({"above_scale": True}, title="符合的政策")
    make_policy({"above_scale": False}, title="不符合的政策")
    make_policy({"above_scale": True}, title="草稿政策", status=PolicyStatus.DRAFT)
    make_policy({"above_scale": True}, title="过期政策", effective_to=today() - timedelta(days=1))
    as_user(client, pairing.cadre.user)
    # when
    page = client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk])).content.decode()
    # then
    body = page[page.index('id="eligible-policies"'):]
    body = body[: body.index("</section>")]
    assert "符合的政策" in body
    assert "不符合的政策" not in body and "草稿政策" not in body and "过期政策" not in body
    assert reverse("policy-explain", args=[yes.pk, pairing.enterprise.pk]) in body


# --- Beneficiary lists and deliveries ---------------------------------------------------------


def test_generating_beneficiaries_makes_deliveries_for_eligible_enterprises_once_and_notifies_cadres(
    client, taskforce_user, pairing, other_pairing, django_capture_on_commit_callbacks
):
    # given a no-application policy for enterprises above scale; one more is eligible but unpaired
    policy = make_policy({"above_scale": True}, no_application=True)
    unpaired = factories.make_enterprise(above_scale=True)
    factories.make_enterprise(above_scale=False)
    as_user(client, taskforce_user)
    # when the beneficiary list is generated
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("policy-deliveries", args=[policy.pk]), follow=True)
    # then each eligible enterprise has a pending delivery with its paired cadre
    deliveries = {d.enterprise_id: d.cadre_id for d in Delivery.objects.filter(policy=policy)}
    assert deliveries == {pairing.enterprise_id: pairing.cadre_id, other_pairing.enterprise_id: other_pairing.cadre_id,
                          unpaired.pk: None}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert [str(m) for m in response.context["messages"]][0].count("3") >= 1
    assert response.context["counts"]["pending"] == 3
    # and both cadres are told
    notes = Notification.objects.filter(kind="policy.delivery")
    assert {n.user for n in notes} == {pairing.cadre.user, other_pairing.cadre.user}
    # when it runs again nothing new is made and nobody is told twice
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("policy-deliveries", args=[policy.pk]))
    assert Delivery.objects.count() == 3 and notes.count() == 2


def test_only_no_application_policies_have_a_beneficiary_list(client, taskforce_user):
    policy = make_policy({"above_scale": True})
    as_user(client, taskforce_user)
    response = client.post(reverse("policy-deliveries", args=[policy.pk]), follow=True)
    assert Delivery.objects.count() == 0
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_delivery_tracking_is_for_task_force_and_leaders(client, leader_user, pairing):
    policy = make_policy({"above_scale": True}, no_application=True)
    Delivery.objects.create(policy=policy, enterprise=pairing.enterprise, cadre=pairing.cadre)
    as_user(client, leader_user)
    response = client.get(reverse("policy-deliveries", args=[policy.pk]), {"status": "pending"})
    assert response.status_code == 200 and response.context["counts"]["pending"] == 1
    assert client.post(reverse("policy-deliveries", args=[policy.pk])).status_code == 403
    as_user(client, pairing.cadre.user)
    assert client.get(reverse("policy-deliveries", args=[policy.pk])).status_code == 403


@pytest.fixture
def delivery(pairing):
    policy = make_policy({"above_scale": True}, title="免申即享稳岗补贴", no_application=True)
    return Delivery.objects.create(policy=policy, enterprise=pairing.enterprise, cadre=pairing.cadre)


def test_a_cadre_marks_a_delivery_delivered_from_the_home_page(client, pairing, delivery):
    # given the cadre's home lists the benefit to deliver
    as_user(client, pairing.cadre.user)
    home = client.get(reverse("home")).content.decode()
    assert f'id="delivery-{delivery.pk}"' in home and "免申即享稳岗补贴" in home
    # when they mark it delivered with a plain form post
    response = client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "delivered", "next": "/"})
    # then it is saved with them on the history, and they are back home where it shows done
    assert response.status_code == 302 and response["Location"] == "/"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.history.latest("history_date").history_user == pairing.cadre.user
    home = client.get(reverse("home")).content.decode()
    assert f'id="delivery-{delivery.pk}" data-delivery="{delivery.pk}" data-status="delivered"' in home


def test_with_htmx_the_delivery_row_is_swapped_in_place(client, pairing, delivery):
    as_user(client, pairing.cadre.user)
    response = client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "informed"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<li")
    assert 'data-status="informed"' in body
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.INFORMED


def test_another_cadre_cannot_update_the_delivery(client, delivery, other_pairing):
    as_user(client, other_pairing.cadre.user)
    response = client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "delivered"})
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_declining_needs_a_reason(client, pairing, delivery):
    as_user(client, pairing.cadre.user)
    # when declined without a reason
    response = client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "declined", "note": " "},
                           follow=True)
    # then it is refused with a message
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert any(m.level_tag == "error" for m in response.context["messages"])
    # and with htmx the row says why
    row = client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "declined"}, HTTP_HX_REQUEST="true")
    assert 'data-error="1"' in row.content.decode()
    # when a reason is given it is recorded
    client.post(reverse("delivery-update", args=[delivery.pk]), {"status": "declined", "note": "企业已自行申报"})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.note) == (DeliveryStatus.DECLINED, "企业已自行申报")


def test_a_visit_that_explains_the_policy_makes_the_pending_delivery_informed(client, pairing, delivery):
    # given
    as_user(client, pairing.cadre.user)
    form = client.get(reverse("home")).context["form"]
    assert delivery.policy in form.fields["policies_explained"].queryset
    # when a visit is logged that explains the policy
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        {"date": today().isoformat(), "method": "on_site", "summary": "宣讲稳岗补贴政策",
         "policies_explained": [delivery.policy.pk], "next": "/"},
    )
    # then
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert list(visit.policies_explained.all()) == [delivery.policy]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.visit) == (DeliveryStatus.INFORMED, visit)


def test_editing_a_visit_keeps_its_policies_and_can_change_them(client, pairing, delivery):
    # given a visit that explained a policy since expired
    old = make_policy(title="已过期的政策", status=PolicyStatus.EXPIRED)
    visit = factories.make_visit(assignment=pairing, date=today())
    visit.policies_explained.set([old])
    as_user(client, pairing.cadre.user)
    form = client.get(reverse("visit-edit", args=[visit.pk])).context["form"]
    assert old in form.fields["policies_explained"].queryset
    # when it is edited to add the delivery's policy
    response = client.post(
        reverse("visit-edit", args=[visit.pk]),
        {"date": visit.date.isoformat(), "method": "on_site", "summary": "改",
         "policies_explained": [old.pk, delivery.policy.pk]},
    )
    # then
    assert response.status_code == 302
    assert set(visit.policies_explained.all()) == {old, delivery.policy}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.INFORMED


def test_a_visit_without_policies_still_saves(client, pairing):
    as_user(client, pairing.cadre.user)
    response = client.post(reverse("visit-create", args=[pairing.enterprise.pk]),
                           {"date": today().isoformat(), "method": "phone", "summary": "电话了解情况"})
    assert response.status_code == 302 and Visit.objects.get().policies_explained.count() == 0


# --- Import -----------------------------------------------------------------------------------

POLICY_HEADERS = ["标题", "文号", "发文机关", "类别", "摘要", "全文", "申报条件", "支持内容", "申报方式", "联系方式",
                  "生效日期", "失效日期", "状态", "免申即享", "直达快享", "标签"]


def policy_row(title: str, doc_number: str = "", **overrides) -> list:
    values = {
        "标题": title, "文号": doc_number, "发文机关": "区人民政府", "类别": "财税金融支持", "摘要": "摘要",
        "全文": "", "申报条件": "规上企业", "支持内容": "奖励", "申报方式": "免申即享", "联系方式": "0411-1",
        "生效日期": "2024-01-01", "失效日期": "2099-12-31", "状态": "已发布", "免申即享": "是", "直达快享": "否",
        "标签": "工业",
    }
    values.update(overrides)
    return [values[h] for h in POLICY_HEADERS]


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(POLICY_HEADERS)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile("政策.xlsx", output.getvalue(), content_type=imports.XLSX_CONTENT_TYPE)


def preview(client, rows):
    response = client.post(reverse("import-start"), {"kind": "policies", "file": xlsx(rows)})
    assert response.status_code == 302, response.context and response.context["form"].errors
    token = response["Location"].rstrip("/").split("/")[-1]
    return token, client.get(reverse("import-preview", args=[token]))


def test_the_import_link_leads_to_the_policy_import(client, taskforce_user):
    as_user(client, taskforce_user)
    response = client.get(reverse("policy-import"), follow=True)
    assert response.context["form"]["kind"].value() == "policies"


def test_a_policy_file_with_bad_rows_is_previewed_with_errors_and_nothing_is_saved(client, taskforce_user):
    # given
    as_user(client, taskforce_user)
    rows = [
        policy_row("好的政策", "甲〔2024〕1号"),
        policy_row("未知类别", **{"类别": "不存在的类别"}),
        policy_row("坏日期", **{"生效日期": "2024-13-45"}),
        policy_row("倒置日期", **{"生效日期": "2024-06-01", "失效日期": "2024-05-01"}),
    ]
    # when
    token, page = preview(client, rows)
    # then every bad row is shown with its reason, by column
    errors = {row.line: " ".join(row.errors) for row in page.context["report"].rows if row.errors}
    assert set(errors) == {3, 4, 5}
    assert errors[3].startswith("类别") and "不存在的类别" in errors[3]
    assert errors[4].startswith("生效日期")
    assert errors[5].startswith("失效日期")
    assert reverse("import-confirm", args=[token]) not in page.content.decode()
    # and confirming anyway saves nothing
    client.post(reverse("import-confirm", args=[token]))
    assert Policy.objects.count() == 0


def test_a_good_policy_file_is_imported_with_history_and_matched_by_document_number(client, taskforce_user):
    # given an existing policy with a document number
    existing = make_policy(title="旧标题", doc_number="甲〔2024〕1号", no_application=False)
    as_user(client, taskforce_user)
    rows = [
        policy_row("新标题", "甲〔2024〕1号"),
        policy_row("没有文号的政策", **{"类别": "innovation", "状态": "草稿", "直达快享": "是"}),
    ]
    # when
    token, page = preview(client, rows)
    assert [r.action for r in page.context["report"].rows] == ["update", "new"]
    client.post(reverse("import-confirm", args=[token]))
    # then
    existing.refresh_from_db()
    assert (existing.title, existing.no_application) == ("新标题", True)
    new = Policy.objects.get(title="没有文号的政策")
    assert (new.category.code, new.status, new.direct_delivery) == ("innovation", PolicyStatus.DRAFT, True)
    assert existing.history.latest("history_date").history_user == taskforce_user
    assert new.history.get().history_user == taskforce_user
    # and a second import of a row without a document number finds it by its title
    token, page = preview(client, [policy_row("没有文号的政策", **{"摘要": "改过"})])
    assert [r.action for r in page.context["report"].rows] == ["update"]


def test_an_imported_published_policy_is_stamped_and_a_past_one_expires(client, taskforce_user):
    as_user(client, taskforce_user)
    token, _page = preview(client, [policy_row("现行"), policy_row("旧的", **{"生效日期": "2020-01-01",
                                                                              "失效日期": "2020-12-31"})])
    client.post(reverse("import-confirm", args=[token]))
    current, old = Policy.objects.get(title="现行"), Policy.objects.get(title="旧的")
    assert current.status == PolicyStatus.PUBLISHED and current.published_at is not None
    assert old.status == PolicyStatus.EXPIRED


def test_the_policy_template_downloads_and_its_example_row_imports(client, taskforce_user):
    as_user(client, taskforce_user)
    response = client.get(reverse("import-template", args=["policies"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [cell.value for cell in workbook.active[1]]
    assert headers == POLICY_HEADERS
    output = io.BytesIO()
    workbook.save(output)
    upload = SimpleUploadedFile("模板.xlsx", output.getvalue(), content_type=imports.XLSX_CONTENT_TYPE)
    token = client.post(reverse("import-start"), {"kind": "policies", "file": upload})["Location"].rstrip("/")
    page = client.get(reverse("import-preview", args=[token.split("/")[-1]]))
    assert not page.context["report"].has_errors


def test_source_documents_download_for_readers_and_drafts_stay_hidden(client):
    from django.core.files.base import ContentFile

    from policies.models import PolicyAttachment, PolicyCategory
    from tests import factories

    # given a published and a draft policy, each with its source document
    category = PolicyCategory.objects.get(code="finance")
    published = Policy.objects.create(title="贷款贴息", category=category, status=PolicyStatus.PUBLISHED)
    draft = Policy.objects.create(title="草拟措施", category=category, status=PolicyStatus.DRAFT)
    files = {}
    for policy in (published, draft):
        attachment = PolicyAttachment(policy=policy, name="原文.pdf", size=9, content_type="application/pdf")
        attachment.file.save("原文.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
        files[policy.pk] = attachment
    # when a cadre asks for them
    client.force_login(factories.make_pairing_with_login().cadre.user)
    # then the published policy's document downloads and the draft's is not found
    response = client.get(reverse("policy-attachment", args=[files[published.pk].pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("policy-attachment", args=[files[draft.pk].pk])).status_code == 404
    client.logout()
    assert client.get(reverse("policy-attachment", args=[files[published.pk].pk])).status_code == 302

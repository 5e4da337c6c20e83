"""The policies REST API: the catalogue and who writes it, eligibility both ways, and deliveries."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml
from django.utils import translation

from liaison.models import Assignment, Role
from liaison.selectors import today
from policies import eligibility
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories
from tests.api_support import client_for, ids, results

pytestmark = pytest.mark.django_db

API = "/api/v1"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _language_restored():
    """Requests asking for English leave it active in the thread; put back what was active before."""
    language = translation.get_language()
    yield
    translation.activate(language)


def category(code: str = "innovation") -> PolicyCategory:
    return PolicyCategory.objects.get(code=code)


def make_policy(*, groups: list[dict] | None = None, **kwargs) -> Policy:
    """A published policy in force, with the given rule groups (dicts of RuleGroup fields)."""
    i = next(_serial)
    kwargs.setdefault("title", f"《西岗区促进高新技术企业发展若干措施》第{i}条")
    kwargs.setdefault("doc_number", "西政发〔2025〕12号")
    kwargs.setdefault("category", category())
    kwargs.setdefault("status", PolicyStatus.PUBLISHED)
    kwargs.setdefault("effective_from", date(2025, 1, 1))
    policy = Policy.objects.create(**kwargs)
    for group in groups or []:
        group = dict(group)
        streets = group.pop("streets", [])
        rule = RuleGroup.objects.create(policy=policy, **group)
        rule.streets.set(streets)
    return policy


@pytest.fixture
def high_tech_policy(db) -> Policy:
    return make_policy(groups=[{"name": "高新技术企业", "high_tech": True}], no_application=True)


@pytest.fixture
def high_tech_pairing(pairing):
    """`pairing`, whose enterprise is a high-tech manufacturer with 80 employees."""
    enterprise = pairing.enterprise
    enterprise.high_tech, enterprise.employees = True, 80
    enterprise.save()
    return pairing


@pytest.fixture
def other_high_tech_pairing(other_pairing):
    enterprise = other_pairing.enterprise
    enterprise.high_tech = True
    enterprise.save()
    return other_pairing


def policy_payload(**overrides) -> dict:
    payload = {
        "title": "《西岗区促进高新技术企业发展若干措施》第一条：高新技术企业认定奖励",
        "doc_number": "西政发〔2025〕12号",
        "issuer": "大连市西岗区人民政府",
        "category": category().pk,
        "summary": "对首次通过认定的高新技术企业给予一次性奖励。",
        "eligibility_text": "注册地在西岗区、首次通过高新技术企业认定的企业。",
        "benefit": "一次性奖励20万元。",
        "how_to_apply": "免申即享，无需申请。",
        "contact": "区科技和工业信息化局 0411-83631234",
        "effective_from": "2025-01-01",
        "effective_to": str(today() + timedelta(days=365)),
        "status": "published",
        "no_application": True,
        "tags": ["高新技术企业", "奖励"],
        "rule_groups": [
            {"name": "高新技术企业", "high_tech": True},
            {"name": "规上软件企业", "above_scale": True, "industry_divisions": ["65"], "employees_min": 50},
        ],
    }
    payload.update(overrides)
    return payload


# --- Who writes the catalogue, who reads drafts -----------------------------------------------


def test_a_cadre_cannot_create_a_policy(pairing):
    # given a cadre
    client = client_for(pairing.cadre.user)
    # when they try to add a policy
    response = client.post(f"{API}/policies/", policy_payload(), format="json")
    # then they are refused, and nothing is saved
    assert response.status_code == 403
    assert not Policy.objects.exists()


def test_drafts_are_invisible_to_cadres_and_leaders_but_not_to_the_task_force(pairing, leader_user, taskforce_user):
    # given a draft and a published policy
    draft = make_policy(status=PolicyStatus.DRAFT)
    published = make_policy()
    cadre, leader, taskforce = (client_for(u) for u in (pairing.cadre.user, leader_user, taskforce_user))
    # when each lists the catalogue and opens the draft
    # then the cadre and the leader see only the published one, and the draft is a 404 to them
    assert ids(cadre.get(f"{API}/policies/")) == {published.pk}
    assert ids(leader.get(f"{API}/policies/")) == {published.pk}
    assert cadre.get(f"{API}/policies/{draft.pk}/").status_code == 404
    assert cadre.get(f"{API}/policies/{draft.pk}/eligible-enterprises/").status_code == 404
    # and the task force sees both
    assert ids(taskforce.get(f"{API}/policies/")) == {draft.pk, published.pk}
    assert taskforce.get(f"{API}/policies/{draft.pk}/").status_code == 200


def test_policies_are_never_deleted(taskforce_user, high_tech_policy):
    # when task-force staff try to delete a policy
    response = client_for(taskforce_user).delete(f"{API}/policies/{high_tech_policy.pk}/")
    # then the method is not offered
    assert response.status_code == 405
    assert Policy.objects.filter(pk=high_tech_policy.pk).exists()


# --- Writing a policy with its rules, all or nothing ------------------------------------------


def test_the_task_force_creates_a_policy_with_its_rule_groups(taskforce_user):
    # given a street, and a policy with three ways of qualifying
    street = factories.make_street(name="八一路街道")
    groups = [*policy_payload()["rule_groups"], {"name": "东关街商户", "streets": [street.pk],
                                                   "industry_sections": ["F", "H"]}]
    # when task-force staff create it
    response = client_for(taskforce_user).post(f"{API}/policies/", policy_payload(rule_groups=groups), format="json")
    # then the policy and its groups are saved, published now, and shown in full
    assert response.status_code == 201, response.content
    body = response.json()
    policy = Policy.objects.get(pk=body["id"])
    assert policy.published_at is not None
    assert policy.tags == "高新技术企业,奖励" and body["tags"] == ["高新技术企业", "奖励"]
    assert [g["name"] for g in body["rule_groups"]] == ["高新技术企业", "规上软件企业", "东关街商户"]
    software = body["rule_groups"][1]
    assert software["industry_divisions"] == ["65"] and software["employees_min"] == 50
    assert body["rule_groups"][2]["streets"] == [street.pk]
    assert body["rule_groups"][2]["street_names"] == ["八一路街道"]
    assert policy.rule_groups.count() == 3
    # with the public page and its QR code, both reachable without signing in
    assert body["public_url"].endswith(f"/p/{policy.pk}/")
    assert body["qr_url"].endswith(f"/p/{policy.pk}/qr.svg")
    assert body["can_edit"] is True


def test_a_bad_rule_group_saves_nothing_and_is_named_by_its_place(taskforce_user):
    # given a policy whose second group asks for at least 500 and at most 50 employees
    groups = [{"name": "高新技术企业", "high_tech": True}, {"name": "倒置", "employees_min": 500, "employees_max": 50}]
    # when task-force staff create it
    response = client_for(taskforce_user).post(f"{API}/policies/", policy_payload(rule_groups=groups), format="json")
    # then it is refused, the second group's message says why, and neither the policy nor a group is saved
    assert response.status_code == 400
    errors = response.json()["rule_groups"]
    assert set(errors) == {"1"} and "employees_max" in errors["1"]
    assert not Policy.objects.exists()
    assert not RuleGroup.objects.exists()


def test_an_unknown_industry_section_is_refused_before_anything_is_saved(taskforce_user):
    # when a group names a section GB/T 4754 does not have
    payload = policy_payload(rule_groups=[{"industry_sections": ["Z"]}])
    response = client_for(taskforce_user).post(f"{API}/policies/", payload, format="json")
    # then the answer points at it, and nothing is saved
    assert response.status_code == 400
    assert "industry_sections" in response.json()["rule_groups"]["0"]
    assert not Policy.objects.exists()


def test_changing_the_groups_updates_adds_and_deletes_in_one_go(taskforce_user):
    # given a policy with two groups
    policy = make_policy(groups=[{"name": "甲", "high_tech": True}, {"name": "乙", "above_scale": True}])
    first, second = policy.rule_groups.order_by("id")
    client = client_for(taskforce_user)
    # when task-force staff keep the first (changed), drop the second and add a third
    groups = [{"id": first.pk, "employees_min": 50}, {"name": "丙", "revenue_min": "2000"}]
    response = client.patch(f"{API}/policies/{policy.pk}/", {"title": "新标题", "rule_groups": groups}, format="json")
    # then the policy has exactly those groups
    assert response.status_code == 200, response.content
    groups = list(policy.rule_groups.order_by("id"))
    assert [g.pk for g in groups][0] == first.pk and not RuleGroup.objects.filter(pk=second.pk).exists()
    assert groups[0].high_tech is True and groups[0].employees_min == 50
    assert groups[1].name == "丙" and groups[1].revenue_min == Decimal("2000")
    assert Policy.objects.get(pk=policy.pk).title == "新标题"


def test_a_failed_change_leaves_the_policy_and_its_groups_as_they_were(taskforce_user):
    # given a policy with one group
    policy = make_policy(title="原标题", groups=[{"name": "甲", "high_tech": True}])
    before = list(policy.rule_groups.values_list("pk", "name", "high_tech"))
    # when a change renames it, drops the group and adds an invalid one
    response = client_for(taskforce_user).patch(
        f"{API}/policies/{policy.pk}/",
        {"title": "新标题", "rule_groups": [{"name": "乙", "founded_year_min": 2020, "founded_year_max": 2010}]},
        format="json",
    )
    # then nothing changed
    assert response.status_code == 400
    assert Policy.objects.get(pk=policy.pk).title == "原标题"
    assert list(policy.rule_groups.values_list("pk", "name", "high_tech")) == before


def test_a_group_of_another_policy_cannot_be_changed_through_this_one(taskforce_user):
    # given two policies
    mine = make_policy(groups=[{"name": "甲", "high_tech": True}])
    theirs = make_policy(groups=[{"name": "乙", "high_tech": True}])
    group = theirs.rule_groups.get()
    # when a change of the first names the other's group
    response = client_for(taskforce_user).patch(
        f"{API}/policies/{mine.pk}/", {"rule_groups": [{"id": group.pk, "high_tech": False}]}, format="json"
    )
    # then it is refused, and the other's group is untouched
    assert response.status_code == 400
    assert "id" in response.json()["rule_groups"]["0"]
    assert RuleGroup.objects.get(pk=group.pk).high_tech is True


# --- Listing and filtering --------------------------------------------------------------------


def test_the_list_filters_by_words_category_status_flags_and_expiry(taskforce_user):
    # given policies of several kinds
    tech = make_policy(title="高新技术企业认定奖励", tags="高企,奖励", no_application=True)
    loan = make_policy(title="首贷贴息", category=category("finance"), doc_number="西政办发〔2024〕17号",
                       direct_delivery=True)
    ended = make_policy(title="消费券", category=category("market"), effective_to=today() - timedelta(days=1))
    stale = make_policy(title="旧措施", status=PolicyStatus.EXPIRED)
    draft = make_policy(title="征求意见稿", status=PolicyStatus.DRAFT)
    client = client_for(taskforce_user)

    def found(query: str) -> set[int]:
        response = client.get(f"{API}/policies/?{query}")
        assert response.status_code == 200, response.content
        return ids(response)

    # when the task force filters the list, then each filter keeps what it says
    assert found("q=高企") == {tech.pk}
    assert found("q=西政办发") == {loan.pk}
    assert found(f"category={category('finance').pk}") == {loan.pk}
    assert found("status=draft") == {draft.pk}
    assert found("no_application=true") == {tech.pk}
    assert found("direct_delivery=true") == {loan.pk}
    assert found("expired=true") == {ended.pk, stale.pk}
    assert found("expired=false") == {tech.pk, loan.pk, draft.pk}
    # and a policy past its end date says it is expired whatever its status
    row = next(r for r in results(client.get(f"{API}/policies/?q=消费券")))
    assert row["is_expired"] is True and row["status"] == "published"


def test_the_seven_categories_are_listed(pairing):
    # when anyone signed in lists the categories
    response = client_for(pairing.cadre.user).get(f"{API}/policy-categories/")
    # then the handbook's seven come back in order
    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == [
        "finance", "innovation", "talent", "industry", "market", "employment", "services"
    ]


# --- Eligibility --------------------------------------------------------------------------------


def test_eligible_enterprises_are_those_the_eligibility_engine_finds(taskforce_user, high_tech_pairing,
                                                                      other_high_tech_pairing):
    # given a policy for high-tech enterprises with 50 employees or more, or software firms
    policy = make_policy(groups=[{"high_tech": True, "employees_min": 50}, {"industry_divisions": ["65"]}])
    factories.make_enterprise(industry_section="I", industry_division="65")
    factories.make_enterprise(high_tech=True, employees=10)
    # when the task force asks who qualifies
    response = client_for(taskforce_user).get(f"{API}/policies/{policy.pk}/eligible-enterprises/")
    # then the answer is exactly the engine's, with each enterprise's cadre
    assert response.status_code == 200
    assert ids(response) == set(eligibility.eligible_enterprises(policy).values_list("pk", flat=True))
    assert len(ids(response)) == 2
    row = next(r for r in results(response) if r["id"] == high_tech_pairing.enterprise_id)
    assert row["cadre"] == high_tech_pairing.cadre_id and row["cadre_name"] == high_tech_pairing.cadre.name


def test_cadres_and_unit_handlers_see_only_eligible_enterprises_in_their_scope(
    high_tech_pairing, other_high_tech_pairing, unit_handler, high_tech_policy
):
    # given two eligible enterprises served by cadres of different units
    url = f"{API}/policies/{high_tech_policy.pk}/eligible-enterprises/"
    # when the first cadre, their unit's handler and the other cadre ask
    # then each sees only the enterprise in their scope
    assert ids(client_for(high_tech_pairing.cadre.user).get(url)) == {high_tech_pairing.enterprise_id}
    assert ids(client_for(unit_handler).get(url)) == {high_tech_pairing.enterprise_id}
    assert ids(client_for(other_high_tech_pairing.cadre.user).get(url)) == {other_high_tech_pairing.enterprise_id}


def test_an_enterprise_gets_the_policies_in_force_it_qualifies_for_with_the_reasons(high_tech_pairing):
    # given policies it qualifies for, one it does not, one expired and one draft
    tech = make_policy(groups=[{"name": "高新技术企业", "high_tech": True}], benefit="奖励20万元")
    either = make_policy(groups=[{"name": "软件企业", "industry_divisions": ["65"]},
                                 {"name": "规上工业", "above_scale": True, "industry_sections": ["C"]}])
    make_policy(groups=[{"employees_min": 500}])
    make_policy(groups=[{"high_tech": True}], effective_to=today() - timedelta(days=1))
    make_policy(groups=[{"high_tech": True}], status=PolicyStatus.DRAFT)
    make_policy()  # no rules: nobody qualifies
    # when the enterprise's cadre asks what it can have
    enterprise = high_tech_pairing.enterprise
    response = client_for(high_tech_pairing.cadre.user).get(f"{API}/enterprises/{enterprise.pk}/eligible-policies/")
    # then the two it qualifies for come back, each with its groups and conditions
    assert response.status_code == 200, response.content
    body = {row["id"]: row for row in response.json()}
    assert set(body) == {tech.pk, either.pk}
    assert body[tech.pk]["benefit"] == "奖励20万元"
    [group] = body[tech.pk]["explanation"]
    assert group["held"] is True
    assert group["conditions"] == [{"label": "High-tech enterprise", "required": "Yes", "actual": "Yes",
                                    "outcome": "pass"}]
    software, industrial = body[either.pk]["explanation"]
    assert software["held"] is False and software["conditions"][0]["outcome"] == "fail"
    assert industrial["held"] is True and [c["outcome"] for c in industrial["conditions"]] == ["pass", "pass"]


def test_a_cadre_cannot_see_the_eligible_policies_of_another_cadres_enterprise(high_tech_pairing,
                                                                                 other_high_tech_pairing):
    # given a policy the other cadre's enterprise qualifies for
    make_policy(groups=[{"high_tech": True}])
    # when the first cadre asks for that enterprise's policies
    url = f"{API}/enterprises/{other_high_tech_pairing.enterprise_id}/eligible-policies/"
    response = client_for(high_tech_pairing.cadre.user).get(url)
    # then it does not exist for them
    assert response.status_code == 404


def test_explain_gives_the_verdict_for_one_pair_in_scope(high_tech_pairing, other_high_tech_pairing,
                                                          leader_user):
    # given a policy for high-tech enterprises with 50 employees or more
    policy = make_policy(groups=[{"name": "高企", "high_tech": True, "employees_min": 50}])
    other = other_high_tech_pairing.enterprise  # employees not recorded
    # when a leader asks about the other enterprise, and a cadre about their own and the other
    leader = client_for(leader_user).get(f"{API}/policies/{policy.pk}/explain/{other.pk}/")
    own = client_for(high_tech_pairing.cadre.user).get(
        f"{API}/policies/{policy.pk}/explain/{high_tech_pairing.enterprise_id}/"
    )
    foreign = client_for(high_tech_pairing.cadre.user).get(f"{API}/policies/{policy.pk}/explain/{other.pk}/")
    # then the missing headcount decides against the other, the cadre's own qualifies, the foreign one is a 404
    assert leader.status_code == 200
    verdict = leader.json()
    assert verdict["eligible"] is False and verdict["has_rules"] is True
    assert [c["outcome"] for c in verdict["groups"][0]["conditions"]] == ["pass", "missing"]
    assert own.json()["eligible"] is True
    assert foreign.status_code == 404


# --- Deliveries ---------------------------------------------------------------------------------


def test_generating_deliveries_twice_adds_nothing_the_second_time(taskforce_user, high_tech_pairing,
                                                                   other_high_tech_pairing, high_tech_policy):
    # given two eligible enterprises, and one more without a cadre
    factories.make_enterprise(high_tech=True)
    client = client_for(taskforce_user)
    url = f"{API}/policies/{high_tech_policy.pk}/generate-deliveries/"
    # when the task force generates the beneficiary list twice
    first = client.post(url)
    second = client.post(url)
    # then the first run adds three deliveries and the second none
    assert first.status_code == 200, first.content
    assert first.json() == {"eligible": 3, "created": 3, "already": 0, "without_cadre": 1}
    assert second.json() == {"eligible": 3, "created": 0, "already": 3, "without_cadre": 0}
    assert Delivery.objects.filter(policy=high_tech_policy).count() == 3
    assert Delivery.objects.get(enterprise=high_tech_pairing.enterprise).cadre == high_tech_pairing.cadre


def test_only_the_task_force_generates_and_only_for_no_application_policies(taskforce_user, high_tech_pairing):
    # given a no-application policy and an ordinary one
    free = make_policy(groups=[{"high_tech": True}], direct_delivery=True)
    ordinary = make_policy(groups=[{"high_tech": True}])
    # when a cadre generates, and the task force generates the ordinary one
    by_cadre = client_for(high_tech_pairing.cadre.user).post(f"{API}/policies/{free.pk}/generate-deliveries/")
    ordinary_run = client_for(taskforce_user).post(f"{API}/policies/{ordinary.pk}/generate-deliveries/")
    # then the cadre is refused, and the ordinary policy has no beneficiary list to make
    assert by_cadre.status_code == 403
    assert ordinary_run.status_code == 400
    assert not Delivery.objects.exists()


@pytest.fixture
def deliveries(high_tech_pairing, other_high_tech_pairing, high_tech_policy):
    """One pending delivery for each of the two cadres' enterprises."""
    return {
        pairing.cadre_id: Delivery.objects.create(policy=high_tech_policy, enterprise=pairing.enterprise,
                                                  cadre=pairing.cadre)
        for pairing in (high_tech_pairing, other_high_tech_pairing)
    }


def test_a_cadre_reports_their_own_delivery_delivered(high_tech_pairing, deliveries):
    # given the cadre's pending delivery
    delivery = deliveries[high_tech_pairing.cadre_id]
    # when they report it delivered
    response = client_for(high_tech_pairing.cadre.user).patch(
        f"{API}/deliveries/{delivery.pk}/", {"status": "delivered", "note": "奖励资金已到账"}, format="json"
    )
    # then it is delivered, with the note
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delivered" and response.json()["can_update"] is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.note) == (DeliveryStatus.DELIVERED, "奖励资金已到账")


def test_another_cadre_can_neither_see_nor_update_the_delivery(other_high_tech_pairing, high_tech_pairing,
                                                               deliveries):
    # given the first cadre's delivery
    delivery = deliveries[high_tech_pairing.cadre_id]
    other = client_for(other_high_tech_pairing.cadre.user)
    # when another cadre tries to read or report it, by PATCH or by POST
    read = other.get(f"{API}/deliveries/{delivery.pk}/")
    patched = other.patch(f"{API}/deliveries/{delivery.pk}/", {"status": "delivered"}, format="json")
    posted = other.post(f"{API}/deliveries/{delivery.pk}/progress/", {"status": "delivered"}, format="json")
    # then it does not exist for them, and stays pending
    assert (read.status_code, patched.status_code, posted.status_code) == (404, 404, 404)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_leaders_and_unit_handlers_see_deliveries_but_the_service_refuses_their_reports(
    leader_user, unit_handler, high_tech_pairing, deliveries
):
    # given the cadre's delivery, in the handler's unit
    delivery = deliveries[high_tech_pairing.cadre_id]
    # when a leader and the unit handler list deliveries and try to report one
    leader, handler = client_for(leader_user), client_for(unit_handler)
    # then the leader sees both, the handler their unit's, and neither may report
    assert ids(leader.get(f"{API}/deliveries/")) == {d.pk for d in deliveries.values()}
    assert ids(handler.get(f"{API}/deliveries/")) == {delivery.pk}
    assert leader.patch(f"{API}/deliveries/{delivery.pk}/", {"status": "informed"}, format="json").status_code == 403
    assert handler.post(f"{API}/deliveries/{delivery.pk}/progress/", {"status": "informed"},
                        format="json").status_code == 403


def test_declining_without_a_reason_is_refused_and_cadres_list_only_their_own(high_tech_pairing, deliveries):
    # given the cadre's delivery
    client = client_for(high_tech_pairing.cadre.user)
    delivery = deliveries[high_tech_pairing.cadre_id]
    # when they report it declined without saying why
    response = client.post(f"{API}/deliveries/{delivery.pk}/progress/", {"status": "declined"}, format="json")
    # then the service asks for the reason
    assert response.status_code == 400
    # and their list holds their own delivery only, filterable by status
    assert ids(client.get(f"{API}/deliveries/")) == {delivery.pk}
    assert ids(client.get(f"{API}/deliveries/?status=pending&policy={delivery.policy_id}")) == {delivery.pk}
    assert ids(client.get(f"{API}/deliveries/?status=delivered")) == set()


def test_a_login_without_a_cadre_sees_no_delivery_not_even_an_unassigned_one(high_tech_policy, deliveries,
                                                                             taskforce_user):
    # given a delivery to an enterprise nobody serves yet, and a cadre login with no cadre record
    unpaired = Delivery.objects.create(policy=high_tech_policy, enterprise=factories.make_enterprise(high_tech=True))
    stranger = factories.make_user(role=Role.CADRE)
    # when that login and the task force list deliveries
    # then the login sees none, and the task force sees the unassigned one with the rest
    assert ids(client_for(stranger).get(f"{API}/deliveries/")) == set()
    everything = ids(client_for(taskforce_user).get(f"{API}/deliveries/"))
    assert everything == {unpaired.pk, *(d.pk for d in deliveries.values())}


def test_the_task_force_filters_deliveries_by_cadre_and_enterprise(taskforce_user, high_tech_pairing, deliveries):
    # when the task force filters by the cadre, then by the enterprise
    client = client_for(taskforce_user)
    by_cadre = client.get(f"{API}/deliveries/?cadre={high_tech_pairing.cadre_id}")
    by_enterprise = client.get(f"{API}/deliveries/?enterprise={high_tech_pairing.enterprise_id}")
    # then each keeps the one delivery
    assert ids(by_cadre) == ids(by_enterprise) == {deliveries[high_tech_pairing.cadre_id].pk}


# --- Query counts and the schema ----------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 60])
def test_the_policy_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` policies in several categories, each with two rule groups
    categories = list(PolicyCategory.objects.all())
    policies = Policy.objects.bulk_create(
        [Policy(title=f"措施{i}", category=categories[i % len(categories)], status=PolicyStatus.PUBLISHED,
                tags="甲,乙") for i in range(rows)]
    )
    RuleGroup.objects.bulk_create([RuleGroup(policy=p, high_tech=True) for p in policies for _ in range(2)])
    client = client_for(taskforce_user)
    # when the task force lists them all
    # then: count, page
    with django_assert_max_num_queries(2):
        response = client.get(f"{API}/policies/?page_size=500")
    assert response.status_code == 200
    assert len(results(response)) == rows
    assert {row["rule_group_count"] for row in results(response)} == {2}


@pytest.mark.parametrize("rows", [5, 60])
def test_the_delivery_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` deliveries of one policy, each to a paired enterprise
    policy = make_policy(no_application=True)
    pairings = [factories.make_pairing_with_login() for _ in range(rows)]
    Delivery.objects.bulk_create([Delivery(policy=policy, enterprise=a.enterprise, cadre=a.cadre) for a in pairings])
    client = client_for(taskforce_user)
    # when the task force lists them all
    # then: count, page
    with django_assert_max_num_queries(2):
        response = client.get(f"{API}/deliveries/?page_size=500")
    assert len(results(response)) == rows


def test_eligible_policies_take_a_fixed_number_of_queries(high_tech_pairing, django_assert_max_num_queries):
    # given 30 policies the enterprise qualifies for, some naming its street
    street = factories.make_street()
    enterprise = high_tech_pairing.enterprise
    enterprise.street = street
    enterprise.save()
    for i in range(30):
        make_policy(groups=[{"high_tech": True, "streets": [street] if i % 2 else []}, {"above_scale": True}])
    client = client_for(high_tech_pairing.cadre.user)
    # when the cadre asks: enterprise with its street, policies, groups, streets (and the cadre behind the user)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/enterprises/{enterprise.pk}/eligible-policies/")
    assert len(response.json()) == 30


def test_the_schema_documents_every_policies_endpoint(client, admin_user_):
    client.force_login(admin_user_)  # the schema needs a sign-in
    # when the OpenAPI schema is read
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    # then the catalogue, eligibility and delivery endpoints are in it, and policies cannot be deleted
    for path in (
        "/api/v1/policies/", "/api/v1/policies/{id}/", "/api/v1/policies/{id}/eligible-enterprises/",
        "/api/v1/policies/{id}/explain/{enterprise_id}/", "/api/v1/policies/{id}/generate-deliveries/",
        "/api/v1/enterprises/{id}/eligible-policies/", "/api/v1/deliveries/", "/api/v1/deliveries/{id}/",
        "/api/v1/deliveries/{id}/progress/", "/api/v1/policy-categories/",
    ):
        assert path in paths, path
    assert "delete" not in paths["/api/v1/policies/{id}/"]
    assert set(paths["/api/v1/deliveries/{id}/"]) == {"get", "patch"}
    listed = paths["/api/v1/policies/{id}/eligible-enterprises/"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["$ref"].endswith("/PaginatedEligibleEnterpriseList")


def test_a_pairing_that_ended_still_counts_for_the_cadres_scope(pairing, high_tech_policy):
    # given a cadre whose pairing with a high-tech enterprise ended
    pairing.enterprise.high_tech = True
    pairing.enterprise.save()
    Assignment.objects.filter(pk=pairing.pk).update(ended_on=date(2024, 6, 1), end_reason="干部岗位调整")
    # when the cadre asks who qualifies
    response = client_for(pairing.cadre.user).get(f"{API}/policies/{high_tech_policy.pk}/eligible-enterprises/")
    # then the enterprise they served is shown, as everywhere else in the API, but with no current cadre
    assert ids(response) == {pairing.enterprise_id}
    assert results(response)[0]["cadre"] is None

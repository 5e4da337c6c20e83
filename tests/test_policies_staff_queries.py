"""The policy pages run a bounded number of queries, whether the catalogue holds 5 measures or 60."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories

pytestmark = pytest.mark.django_db


def build_catalogue(count: int, *, street) -> list[Policy]:
    """`count` published policies across the categories, each with two rule groups (one naming a street)."""
    categories = list(PolicyCategory.objects.all())
    policies = Policy.objects.bulk_create(
        Policy(
            title=f"政策{i}",
            doc_number=f"大政发〔2024〕{i}号",
            category=categories[i % len(categories)],
            status=PolicyStatus.PUBLISHED,
            no_application=i % 2 == 0,
            direct_delivery=i % 3 == 0,
            tags="工业, 稳增长",
            summary="对符合条件的企业给予支持。",
            effective_to=date(2099, 12, 31),
        )
        for i in range(count)
    )
    groups = RuleGroup.objects.bulk_create(
        RuleGroup(policy=p, above_scale=True, employees_min=10, revenue_min=Decimal("100"), industry_sections=["C"])
        for p in policies
    )
    street_groups = RuleGroup.objects.bulk_create(RuleGroup(policy=p, high_tech=True) for p in policies)
    RuleGroup.streets.through.objects.bulk_create(
        RuleGroup.streets.through(rulegroup_id=g.pk, unit_id=street.pk) for g in street_groups
    )
    assert len(groups) == count
    return policies


@pytest.fixture
def street(db):
    return factories.make_street(name="星海街道")


@pytest.fixture
def cadre_pairing(street):
    pairing = factories.make_pairing_with_login()
    enterprise = pairing.enterprise
    enterprise.employees, enterprise.annual_revenue, enterprise.street = 120, Decimal("5000"), street
    enterprise.save()
    return pairing


@pytest.mark.parametrize("count", [5, 60])
def test_the_policy_list_runs_a_bounded_number_of_queries(client, taskforce_user, street, django_assert_max_num_queries,
                                                          count):
    build_catalogue(count, street=street)
    client.force_login(taskforce_user)
    for params in ({}, {"q": "政策", "no_application": "true"}, {"sort": "recent"}):
        with django_assert_max_num_queries(8):
            response = client.get(reverse("policy-list"), params)
        assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_the_policy_detail_runs_a_bounded_number_of_queries(client, taskforce_user, street, cadre_pairing,
                                                            django_assert_max_num_queries, count):
    # given a policy with `count` rule groups and deliveries, edited `count` times
    policy = build_catalogue(count, street=street)[0]
    RuleGroup.objects.bulk_create(RuleGroup(policy=policy, employees_max=i + 1) for i in range(count))
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"企业{i}", credit_code=make_credit_code(800000 + i), industry_section="C")
        for i in range(count)
    )
    Delivery.objects.bulk_create(Delivery(policy=policy, enterprise=e) for e in enterprises)
    for i in range(count):
        policy.summary = f"第{i}次修改"
        policy._history_user = taskforce_user
        policy.save()
    for user in (taskforce_user, cadre_pairing.cadre.user):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("policy-detail", args=[policy.pk]))
        assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 200])
def test_the_eligible_page_runs_a_bounded_number_of_queries(client, leader_user, street, django_assert_max_num_queries,
                                                            count):
    # given `count` eligible enterprises, each paired
    policy = build_catalogue(1, street=street)[0]
    unit = factories.make_unit()
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"企业{i}", credit_code=make_credit_code(900000 + i), industry_section="C", above_scale=True,
                   employees=50, annual_revenue=Decimal("1000"), street=street)
        for i in range(count)
    )
    cadres = Cadre.objects.bulk_create(Cadre(name=f"干部{i}", unit=unit) for i in range(count))
    Assignment.objects.bulk_create(
        Assignment(cadre=c, enterprise=e, started_on=date(2024, 1, 1)) for c, e in zip(cadres, enterprises, strict=True)
    )
    client.force_login(leader_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("policy-eligible", args=[policy.pk]))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [5, 60])
def test_the_cadre_home_with_policies_and_deliveries_runs_a_bounded_number_of_queries(
    client, street, cadre_pairing, django_assert_max_num_queries, count
):
    # given `count` policies the enterprise is eligible for, each with a delivery to bring
    policies = build_catalogue(count, street=street)
    Delivery.objects.bulk_create(
        Delivery(policy=p, enterprise=cadre_pairing.enterprise, cadre=cadre_pairing.cadre,
                 status=DeliveryStatus.PENDING if i % 3 else DeliveryStatus.DELIVERED)
        for i, p in enumerate(policies)
    )
    client.force_login(cadre_pairing.cadre.user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"))
    body = response.content.decode()
    assert body.count("data-eligible-policy=") == count
    assert body.count('data-delivery="') == count


@pytest.mark.parametrize("count", [5, 60])
def test_the_enterprise_page_with_eligible_policies_runs_a_bounded_number_of_queries(
    client, taskforce_user, street, cadre_pairing, django_assert_max_num_queries, count
):
    build_catalogue(count, street=street)
    for user in (taskforce_user, cadre_pairing.cadre.user):
        client.force_login(user)
        # (22: the enterprise pages' panel reads the contacts, their access log and who may issue a card)
        with django_assert_max_num_queries(22):
            response = client.get(reverse("enterprise-detail", args=[cadre_pairing.enterprise.pk]))
        assert response.content.decode().count("data-eligible-policy=") == count


@pytest.mark.parametrize("count", [5, 60])
def test_the_explanation_and_deliveries_pages_run_a_bounded_number_of_queries(
    client, taskforce_user, street, cadre_pairing, django_assert_max_num_queries, count
):
    policy = build_catalogue(1, street=street)[0]
    RuleGroup.objects.bulk_create(RuleGroup(policy=policy, employees_max=i + 1) for i in range(count))
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"企业{i}", credit_code=make_credit_code(700000 + i), industry_section="C")
        for i in range(count)
    )
    Delivery.objects.bulk_create(Delivery(policy=policy, enterprise=e, cadre=cadre_pairing.cadre) for e in enterprises)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("policy-explain", args=[policy.pk, cadre_pairing.enterprise.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("policy-deliveries", args=[policy.pk])).status_code == 200

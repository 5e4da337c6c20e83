"""The pages and endpoints of policy push read a fixed number of queries, whatever the number of pushes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from outreach import services
from outreach.models import PolicyPush
from policies import services as policy_services
from policies.models import Policy, PolicyCategory, PolicyStatus
from tests import factories

pytestmark = pytest.mark.django_db

# The most queries each may take; the same at both sizes.
LIMITS = {"outreach": 7, "outreach-policy": 14, "outreach-unit": 11, "outreach-mine": 8,
          "api:outreach-policy-funnel": 12, "api:outreach-unit-funnel": 9, "api:outreach-push-list": 5}


def _world(size: int, taskforce) -> dict:
    unit = factories.make_unit()
    cadre = factories.make_cadre(unit=unit)
    for i in range(size):
        factories.make_assignment(cadre=cadre if i == 0 else factories.make_cadre(unit=unit),
                                  enterprise=factories.make_enterprise(high_tech=True))
    category = PolicyCategory.objects.order_by("order").first()
    policies = []
    for i in range(max(size // 4, 1)):
        policy = Policy(category=category, title=f"政策{i}", status=PolicyStatus.PUBLISHED, no_application=i % 2 == 0)
        policy_services.policy_save_with_rule_groups(policy=policy, rule_groups=[{"high_tech": True}],
                                                     acting_user=taskforce)
        policies.append(policy)
    services.policy_push_run(day=date.today())
    for push in PolicyPush.objects.all()[: size // 2]:
        services.push_mark_told(push_id=push.pk, acting_user=taskforce)
    return {"unit": unit, "cadre": cadre, "policy": policies[0]}


def _requests(world, users):
    return [
        ("outreach", users["tf"], reverse("outreach")),
        ("outreach-policy", users["tf"], reverse("outreach-policy", args=[world["policy"].pk])),
        ("outreach-unit", users["tf"], reverse("outreach-unit", args=[world["unit"].pk])),
        ("outreach-mine", world["cadre"].user, reverse("outreach-mine")),
        ("api:outreach-policy-funnel", users["tf"], reverse("api:outreach-policy-funnel", args=[world["policy"].pk])),
        ("api:outreach-unit-funnel", users["tf"], reverse("api:outreach-unit-funnel", args=[world["unit"].pk])),
        ("api:outreach-push-list", world["cadre"].user, reverse("api:outreach-push-list")),
    ]


@pytest.mark.parametrize("size", [4, 24])
def test_push_pages_and_endpoints_take_a_bounded_number_of_queries(size, client, taskforce_user,
                                                                   django_assert_max_num_queries):
    world = _world(size, taskforce_user)
    for name, user, url in _requests(world, {"tf": taskforce_user}):
        client.force_login(user)
        client.get(url)  # warm: sessions, the calendar
        with django_assert_max_num_queries(LIMITS[name]):
            response = client.get(url)
        assert response.status_code == 200, name

"""Policy push: a policy change pushes the newly eligible enterprises once, cadres hear once per batch,
the funnel counts what happened, and untold pushes reach the weekly dispatch."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from liaison.models import Notification
from outreach import selectors, services
from outreach.models import PolicyPush, PushRequest, ToldVia
from policies import services as policy_services
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _policy(taskforce, *, groups, **kwargs) -> Policy:
    kwargs.setdefault("title", "高新技术企业认定奖励")
    kwargs.setdefault("status", PolicyStatus.PUBLISHED)
    policy = Policy(category=PolicyCategory.objects.order_by("order").first(), **kwargs)
    policy_services.policy_save_with_rule_groups(policy=policy, rule_groups=groups, acting_user=taskforce)
    return policy


@pytest.fixture
def small_world(db, taskforce_user):
    """Two units; four paired enterprises (three high-tech, one of them in unit B) and one unpaired."""
    unit_a, unit_b = factories.make_unit(name="甲局"), factories.make_unit(name="乙局")
    pairings = [
        factories.make_assignment(cadre=factories.make_cadre(unit=unit_a),
                                  enterprise=factories.make_enterprise(high_tech=True, employees=50)),
        factories.make_assignment(cadre=factories.make_cadre(unit=unit_a),
                                  enterprise=factories.make_enterprise(high_tech=True, employees=500)),
        factories.make_assignment(cadre=factories.make_cadre(unit=unit_b),
                                  enterprise=factories.make_enterprise(high_tech=True, employees=80)),
        factories.make_assignment(cadre=factories.make_cadre(unit=unit_b),
                                  enterprise=factories.make_enterprise(high_tech=False, employees=90)),
    ]
    unpaired = factories.make_enterprise(high_tech=True, employees=60)
    return {"a": unit_a, "b": unit_b, "pairings": pairings, "unpaired": unpaired, "tf": taskforce_user}


def test_publishing_a_policy_asks_for_a_push_and_the_job_pushes_each_newly_eligible_enterprise_once(
    small_world, django_capture_on_commit_callbacks
):
    # given a published policy for high-tech enterprises (three paired, one unpaired)
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    # then the job ran after the commit: three pushes (the unpaired one has no cadre to push to)
    assert not PushRequest.objects.exists()
    pushes = PolicyPush.objects.filter(policy=policy)
    assert sorted(p.enterprise_id for p in pushes) == sorted(
        p.enterprise_id for p in small_world["pairings"][:3])
    assert {p.unit_id for p in pushes} == {small_world["a"].pk, small_world["b"].pk}
    # and each cadre was told once, with the push's notification key
    notes = Notification.objects.filter(kind="policy.push")
    assert notes.count() == 3
    assert {p.notification_key for p in pushes} == {notes.first().dedupe_key}
    # when the job runs again
    result = services.policy_push_run(day=date.today())
    # then nothing more is pushed or sent
    assert result["pushed"] == 0 and result["notifications"] == 0
    assert PolicyPush.objects.count() == 3 and Notification.objects.filter(kind="policy.push").count() == 3


def test_a_second_rules_change_pushes_only_the_newly_eligible(small_world, django_capture_on_commit_callbacks):
    # given a policy pushed to enterprises of at most 100 employees that are high-tech
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True, "employees_max": 100}])
    assert PolicyPush.objects.filter(policy=policy).count() == 2
    group = policy.rule_groups.get()
    # when the rules widen to every enterprise of at most 1,000 employees
    with django_capture_on_commit_callbacks(execute=True):
        policy_services.policy_save_with_rule_groups(
            policy=policy, rule_groups=[{"id": group.pk, "high_tech": None, "employees_max": 1000}],
            acting_user=small_world["tf"])
    # then only the two newly eligible are pushed, and only their cadres hear of it
    assert PolicyPush.objects.filter(policy=policy).count() == 4
    assert Notification.objects.filter(kind="policy.push").count() == 4
    # and narrowing the rules again pushes nothing and keeps what was pushed
    with django_capture_on_commit_callbacks(execute=True):
        policy_services.policy_save_with_rule_groups(
            policy=policy, rule_groups=[{"id": group.pk, "high_tech": True, "employees_max": 10}],
            acting_user=small_world["tf"])
    assert PolicyPush.objects.filter(policy=policy).count() == 4


def test_a_draft_policy_pushes_nothing(small_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _policy(small_world["tf"], groups=[{"high_tech": True}], status=PolicyStatus.DRAFT)
    assert not PolicyPush.objects.exists()
    assert not PushRequest.objects.exists()


def test_a_push_killed_before_its_notifications_is_notified_by_the_next_run(small_world):
    # given pushes written but the worker killed before notifying (no notification key yet)
    policy = _policy(small_world["tf"], groups=[{"high_tech": True}])  # on_commit not run: no job
    assert services.policy_push(policy_id=policy.pk) == 3
    assert not Notification.objects.filter(kind="policy.push").exists()
    # when the job runs
    result = services.policy_push_run(day=date.today())
    # then the pushes are not written again, and the cadres are told now, once each
    assert result["pushed"] == 0 and result["notifications"] == 3
    assert services.pushes_notify() == 0


def test_one_notification_per_cadre_lists_every_policy_of_the_run(small_world):
    first = _policy(small_world["tf"], groups=[{"high_tech": True}], title="政策一")
    second = _policy(small_world["tf"], groups=[{"high_tech": True}], title="政策二")
    services.policy_push_run(day=date.today())
    cadre_user = small_world["pairings"][0].cadre.user
    notes = Notification.objects.filter(user=cadre_user, kind="policy.push")
    assert notes.count() == 1
    assert first.title in notes.get().body and second.title in notes.get().body


def test_funnel_counts_match_a_hand_count(small_world, clock, django_capture_on_commit_callbacks):
    # given a no-application policy pushed on Monday 2026-06-01 to three paired enterprises
    clock.set(date(2026, 6, 1))
    tf = small_world["tf"]
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(tf, groups=[{"high_tech": True}], no_application=True)
    p1, p2, p3 = (PolicyPush.objects.get(policy=policy, enterprise=pa.enterprise)
                  for pa in small_world["pairings"][:3])
    # cadre 1 reads on Wednesday and tells on Friday; its delivery is delivered the next Tuesday
    clock.set(date(2026, 6, 3))
    services.pushes_mark_read(cadre=p1.cadre)
    clock.set(date(2026, 6, 5))
    services.push_mark_told(push_id=p1.pk, acting_user=p1.cadre.user)
    clock.set(date(2026, 6, 9))
    Delivery.objects.create(policy=policy, enterprise=p1.enterprise, cadre=p1.cadre, status=DeliveryStatus.DELIVERED)
    # cadre 2 reads on Tuesday; cadre 3 does nothing
    clock.set(date(2026, 6, 2))
    services.pushes_mark_read(cadre=p2.cadre)
    clock.set(date(2026, 6, 10))
    # when the funnel is read
    funnel = selectors.policy_funnel(policy=policy)
    total = funnel["total"]
    # then: 4 eligible (one unpaired), 3 pushed, 2 read, 1 told, 1 delivered
    assert (total.eligible, total.pushed, total.read, total.told, total.done) == (4, 3, 2, 1, 1)
    assert funnel["without_cadre"] == 1
    # medians in working days: read after 2 and 1 → 1.5; told 2 days after reading; delivered 2 after telling
    assert total.days == {"read": 1.5, "told": 2, "done": 2}
    by_unit = {row["unit_id"]: row["funnel"] for row in funnel["units"]}
    a, b = by_unit[small_world["a"].pk], by_unit[small_world["b"].pk]
    assert (a.eligible, a.pushed, a.read, a.told, a.done) == (2, 2, 2, 1, 1)
    assert (b.eligible, b.pushed, b.read, b.told, b.done) == (1, 1, 0, 0, 0)
    unit = selectors.unit_funnel(unit=small_world["b"])
    assert [(r["policy"].pk, r["funnel"].pushed, r["funnel"].told) for r in unit["policies"]] == [(policy.pk, 1, 0)]


def test_a_visit_that_explains_the_policy_tells_the_enterprise(small_world, django_capture_on_commit_callbacks):
    from liaison.events import visit_policies_recorded

    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    pairing = small_world["pairings"][0]
    visit = factories.make_visit(assignment=pairing, date=date.today())
    visit.policies_explained.add(policy)
    visit_policies_recorded.send(sender=None, visit=visit, acting_user=pairing.cadre.user)
    push = PolicyPush.objects.get(policy=policy, enterprise=pairing.enterprise)
    assert push.told_via == ToldVia.VISIT and push.read_at is not None


def test_a_cadre_marks_only_their_own_push_told(small_world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    mine, theirs = (PolicyPush.objects.get(policy=policy, enterprise=pa.enterprise)
                    for pa in small_world["pairings"][:2])
    client.force_login(mine.cadre.user)
    response = client.get(reverse("outreach-mine"))
    assert response.status_code == 200 and policy.title in response.content.decode()
    assert PolicyPush.objects.get(pk=mine.pk).read_at is not None
    assert client.post(reverse("outreach-push-told", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("outreach-push-told", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.told_via == ToldVia.BUTTON and mine.told_by == mine.cadre.user


def test_untold_pushes_past_the_allowed_working_days_are_listed_by_unit(small_world, clock, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.POLICY_PUSH_TELL_WITHIN_WORKDAYS = 5
    # pushed on Monday 2026-06-01: five working days are 2..5 and 8 June
    clock.set(date(2026, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    told = PolicyPush.objects.get(policy=policy, enterprise=small_world["pairings"][0].enterprise)
    services.push_mark_told(push_id=told.pk, acting_user=small_world["tf"])
    assert selectors.untold_pushes_by_unit(date(2026, 6, 8)) == {}
    found = selectors.untold_pushes_by_unit(date(2026, 6, 9))
    assert found == {
        small_world["a"].pk: [{"policy_id": policy.pk, "title": policy.title, "enterprises": 1,
                               "pushed_on": "2026-06-01"}],
        small_world["b"].pk: [{"policy_id": policy.pk, "title": policy.title, "enterprises": 1,
                               "pushed_on": "2026-06-01"}],
    }


def test_the_enterprise_page_shows_its_pushed_policies_and_opening_them_tells_it(
    small_world, django_capture_on_commit_callbacks
):
    from portal.models import EnterpriseNotice
    from tests.test_portal import issue, signed_in_client

    # given a policy pushed to the enterprise, with a notice on its page
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    pairing = small_world["pairings"][0]
    push = PolicyPush.objects.get(policy=policy, enterprise=pairing.enterprise)
    assert EnterpriseNotice.objects.filter(enterprise=pairing.enterprise, key=f"policy-push:{push.pk}").count() == 1
    contact, _code = issue(pairing)
    client = signed_in_client(contact)
    # when the contact opens their policies
    response = client.get(reverse("portal-policies"))
    # then the pushed policy is marked, and the push counts as told (by the enterprise page)
    assert response.status_code == 200 and 'data-pushed="' in response.content.decode()
    push.refresh_from_db()
    assert push.told_via == ToldVia.PORTAL and push.told_by is None
    other = PolicyPush.objects.get(policy=policy, enterprise=small_world["pairings"][1].enterprise)
    assert other.told_at is None


def test_the_weekly_dispatch_sheet_of_the_cadres_unit_lists_the_policy_left_untold(
    small_world, clock, settings, client, django_capture_on_commit_callbacks
):
    from reports import services as report_services
    from reports.models import Dispatch

    settings.POLICY_PUSH_TELL_WITHIN_WORKDAYS = 5
    # given a policy pushed on Monday 2026-06-01, told in unit A, untold in unit B
    clock.set(date(2026, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    for push in PolicyPush.objects.filter(policy=policy, unit=small_world["a"]):
        services.push_mark_told(push_id=push.pk, acting_user=small_world["tf"])
    # when the dispatch of the week of 2026-06-15 runs
    clock.set(date(2026, 6, 15))
    report_services.weekly_dispatch_run(week_start=date(2026, 6, 15))
    # then unit B's sheet lists the policy with its one enterprise, and unit A's does not
    sheet_b = Dispatch.objects.get(unit=small_world["b"], week_start=date(2026, 6, 15))
    assert sheet_b.data["untold_policies"] == [
        {"policy_id": policy.pk, "title": policy.title, "enterprises": 1, "pushed_on": "2026-06-01"}]
    assert Dispatch.objects.get(unit=small_world["a"], week_start=date(2026, 6, 15)).data["untold_policies"] == []
    # and the page shows it
    client.force_login(small_world["tf"])
    page = client.get(reverse("dispatch-week", args=["2026-06-15"])).content.decode()
    assert f'data-untold-policy="{policy.pk}"' in page


def test_a_push_stamped_by_a_node_whose_clock_runs_ahead_is_still_read_and_told(
    small_world, django_capture_on_commit_callbacks
):
    """Read and told are never before pushed (a table constraint): a push stamped a few seconds in the
    future by another node is read, told and applied at its own time, by every way of marking it."""
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        policy = _policy(small_world["tf"], groups=[{"high_tech": True}])
    ahead = timezone.now() + timedelta(seconds=30)
    PolicyPush.objects.filter(policy=policy).update(pushed_at=ahead)
    first, second, third = (PolicyPush.objects.get(policy=policy, enterprise=pa.enterprise)
                            for pa in small_world["pairings"][:3])
    services.pushes_mark_read(cadre=first.cadre)
    services.pushes_mark_told_by_enterprise(enterprise_id=first.enterprise_id)
    services.push_mark_told(push_id=second.pk, acting_user=small_world["tf"])
    services.push_mark_applied(push_id=third.pk, acting_user=small_world["tf"])
    for push in PolicyPush.objects.filter(pk__in=[first.pk, second.pk, third.pk]):
        assert push.read_at >= push.pushed_at and push.told_at >= push.pushed_at

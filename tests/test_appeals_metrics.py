"""Closure rate, on-time rate, satisfaction and handling time on a fixture computed by hand."""

from datetime import date

import pytest

from appeals import selectors, services
from appeals.models import AppealCategory, Feedback
from liaison.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture
def june(clock):
    """Six appeals raised in June 2026 (1 June is a Monday; no holiday before the 19th) and one in May.

    unit 1 (cadre 1): A closed on time, B closed after a late step, D withdrawn, E out of scope.
    unit 2 (cadre 2): C reopened after unsatisfied feedback, F resolved after a 3-working-day pause.
    """
    unit1, unit2 = factories.make_unit(name="一局"), factories.make_unit(name="二局")
    p1 = factories.make_assignment(cadre=factories.make_cadre(unit=unit1))
    p2 = factories.make_assignment(cadre=factories.make_cadre(unit=unit2))
    handler1 = factories.make_unit_handler(unit1)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    c1, c2 = p1.cadre.user, p2.cadre.user
    policy = AppealCategory.objects.get(code="policy")

    clock.set(date(2026, 5, 20))
    old = factories.make_appeal(pairing=p1, title="五月的诉求")
    services.appeal_resolve(appeal=old, acting_user=c1, resolution="已办结")

    clock.set(date(2026, 6, 1))
    a = factories.make_appeal(pairing=p1, title="A")
    b = factories.make_appeal(pairing=p1, title="B")  # deadline: 5 working days on, 8 June
    clock.set(date(2026, 6, 2))
    c = factories.make_appeal(pairing=p2, title="C", category=policy)
    d = factories.make_appeal(pairing=p1, title="D")
    clock.set(date(2026, 6, 3))
    e = services.appeal_raise(acting_user=taskforce, enterprise=p1.enterprise, category=policy, title="E",
                              description="热线", source="hotline")
    f = factories.make_appeal(pairing=p2, title="F")
    services.appeal_resolve(appeal=a, acting_user=c1, resolution="已解决")  # 2 working days
    services.appeal_feedback(appeal=a, acting_user=c1, verdict=Feedback.SATISFIED)
    services.appeal_withdraw(appeal=d, acting_user=c1, reason="企业撤回")
    services.appeal_mark_out_of_scope(appeal=e, acting_user=taskforce, explanation="属法院审理事项")
    clock.set(date(2026, 6, 4))
    services.appeal_resolve(appeal=c, acting_user=c2, resolution="已答复")
    services.appeal_feedback(appeal=c, acting_user=c2, verdict=Feedback.UNSATISFIED, comment="未解决")
    services.appeal_suspend(appeal=f, acting_user=c2, reason="等企业材料")
    clock.set(date(2026, 6, 9))
    services.appeal_resume(appeal=f, acting_user=c2)  # paused 5, 8, 9 June: 3 working days
    clock.set(date(2026, 6, 10))
    services.appeal_escalate(appeal=b, acting_user=c1, reason="需单位协调")  # two days late
    services.appeal_resolve(appeal=f, acting_user=c2, resolution="已办结")  # 4..10 June = 5, less 3 paused
    clock.set(date(2026, 6, 12))
    services.appeal_resolve(appeal=b, acting_user=handler1, resolution="已协调")  # 2..12 June = 9 working days
    services.appeal_feedback(appeal=b, acting_user=c1, verdict=Feedback.BASICALLY)
    return {"unit1": unit1, "unit2": unit2, "policy": policy, "handler1": handler1}


def test_campaign_figures_for_june_match_the_hand_count(june):
    m = selectors.appeal_metrics(*JUNE)
    # six raised in June; the withdrawn and the out-of-scope one are not counted
    assert (m.total, m.withdrawn, m.out_of_scope, m.counted) == (6, 1, 1, 4)
    # A, B and F are resolved; C was reopened and is open again
    assert m.resolved == 3 and m.closure_rate == pytest.approx(3 / 4)
    # B finished a step late
    assert m.on_time == 2 and m.on_time_rate == pytest.approx(2 / 3)
    # A satisfied, B basically satisfied, C unsatisfied (its latest verdict); F has none yet
    assert (m.with_feedback, m.satisfied) == (3, 2) and m.satisfaction == pytest.approx(2 / 3)
    # handling time: A 2, B 9, F 2 working days
    assert m.avg_handling_workdays == pytest.approx((2 + 9 + 2) / 3)
    assert m.open == 1


def test_figures_by_unit_and_for_one_category(june):
    rows = {label: metrics for _key, label, metrics in selectors.appeal_metrics_by("unit", *JUNE)}
    assert rows["一局"].counted == 2 and rows["一局"].closure_rate == 1
    assert rows["二局"].counted == 2 and rows["二局"].closure_rate == pytest.approx(1 / 2)
    policy = selectors.appeal_metrics(*JUNE, category=june["policy"])
    assert (policy.total, policy.out_of_scope, policy.resolved) == (2, 1, 0)
    assert policy.closure_rate == 0.0


def test_figures_for_a_handling_unit(june):
    m = selectors.appeal_metrics(*JUNE, handler_unit=june["unit1"])
    assert (m.total, m.resolved, m.avg_handling_workdays) == (1, 1, 9.0)


def test_an_empty_period_has_no_rates_rather_than_zero():
    m = selectors.appeal_metrics(date(2020, 1, 1), date(2020, 1, 31))
    assert m.total == 0 and m.closure_rate is None and m.satisfaction is None and m.on_time_rate is None

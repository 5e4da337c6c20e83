"""Two people acting on one appeal at once: one wins, the other is told it already changed."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from appeals import services
from appeals.models import Appeal, AppealEvent
from appeals.services import ConcurrentChange
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the loser's error is the point of the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def appeal_at_unit(clock):
    clock.set(date(2026, 6, 3))
    unit = factories.make_unit()
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    handlers = [factories.make_unit_handler(unit), factories.make_unit_handler(unit)]
    appeal = factories.make_appeal(pairing=pairing)
    services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="上报")
    appeal.refresh_from_db()
    return appeal, handlers


def test_two_handlers_resolving_at_once_make_one_event(appeal_at_unit):
    # given two handlers of the unit looking at the same version
    appeal, (first, second) = appeal_at_unit
    seen = appeal.version
    # when both resolve it at the same moment
    results = race(
        lambda: services.appeal_resolve(appeal=appeal.pk, acting_user=first, resolution="甲办结",
                                        expected_version=seen),
        lambda: services.appeal_resolve(appeal=appeal.pk, acting_user=second, resolution="乙办结",
                                        expected_version=seen),
    )
    # then exactly one wins and the other is told the appeal already changed
    winners = [r for r in results if isinstance(r, Appeal)]
    losers = [r for r in results if isinstance(r, ConcurrentChange)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert AppealEvent.objects.filter(appeal=appeal, kind="resolved").count() == 1
    appeal.refresh_from_db()
    assert appeal.version == seen + 1
    assert list(appeal.events.values_list("seq", flat=True)) == list(range(1, appeal.version + 1))


def test_conflicting_moves_without_a_version_are_serialised_by_the_row_lock(appeal_at_unit):
    # given one handler escalates while the other returns the appeal, neither naming a version
    appeal, (first, second) = appeal_at_unit
    results = race(
        lambda: services.appeal_escalate(appeal=appeal.pk, acting_user=first, reason="上报专班"),
        lambda: services.appeal_return(appeal=appeal.pk, acting_user=second, reason="退回干部"),
    )
    # then one move wins; the other, run after it on the new state, is no longer theirs to make
    # (the appeal is now with the task force, or back with the cadre)
    winners = [r for r in results if isinstance(r, Appeal)]
    refused = [r for r in results if isinstance(r, PermissionDenied)]
    assert len(winners) == 1 and len(refused) == 1, results
    appeal.refresh_from_db()
    assert list(appeal.events.values_list("seq", flat=True)) == [1, 2, 3]

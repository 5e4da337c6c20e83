"""Jobs run by a real Celery worker on Redis, reading the same test database."""

import time
from datetime import date

import pytest

from appeals import services
from liaison.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)



def wait_for(check, *, seconds: float = 40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_a_real_worker_notifies_the_new_handler_after_the_commit(worker, clock):
    # given an appeal with its cadre and the unit's handler
    clock.set(date(2026, 6, 3))
    unit = factories.make_unit()
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    handler = factories.make_unit_handler(unit)
    appeal = factories.make_appeal(pairing=pairing)
    # when the cadre escalates it (the task is queued on commit, and the worker picks it up)
    services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="需要单位协调")
    # then the worker, a separate process, writes the unit handler's notification
    arrived = wait_for(lambda: Notification.objects.filter(user=handler, kind="appeal.escalated").exists())
    if not arrived:
        worker.terminate()
        output = worker.stdout.read().decode(errors="replace")[-3000:]
        pytest.fail(f"no notification from the worker; its output:\n{output}")
    assert Notification.objects.filter(user=handler).count() == 1

"""The hotline against real PostgreSQL, Redis and a real Celery worker: the same work order posted at
once gives one appeal; status changes reach a real local HTTP receiver that fails first and then
recovers, exactly once each and in order; an unreachable receiver is given up with an alert; changes a
lost message left behind are sent by the sweep."""

from __future__ import annotations

import time
from unittest import mock

import pytest

from appeals import services as appeal_services
from appeals.models import Appeal
from hotline import tasks
from hotline.models import Callback, CallbackAttempt, CallbackState, WorkOrder
from liaison.models import Notification, Role
from tests import factories
from tests.hotline_support import Receiver, api_for, make_client, order, verifies
from tests.test_appeals_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/hotline/work-orders/"
FAST = {"HOTLINE_CALLBACK_RETRY_SECONDS": "0.3", "HOTLINE_CALLBACK_MAX_BACKOFF_SECONDS": "1"}


def wait_for(check, worker, *, seconds: float = 60, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    worker.terminate()
    output = worker.stdout.read().decode(errors="replace")[-3000:]
    pytest.fail(f"{what}: not reached in {seconds} s; the worker's output:\n{output}")


def test_the_same_work_order_posted_at_once_gives_one_appeal():
    # given a paired enterprise and eight requests carrying the same work order
    client, key = make_client()
    pairing = factories.make_pairing_with_login()
    body = order(pairing.enterprise, external_id="GD-RACE-1")
    # when they arrive at the same moment, each on its own connection
    results = race(*[lambda: api_for(key).post(URL, body, format="json") for _ in range(8)])
    # then one created it, the others were given the same appeal
    codes = sorted(r.status_code for r in results)
    assert codes == [200] * 7 + [201], results
    assert len({r.json()["appeal_id"] for r in results}) == 1
    assert Appeal.objects.count() == 1 and WorkOrder.objects.count() == 1
    assert Appeal.objects.get().events.count() == 1


def test_changes_reach_a_receiver_that_fails_first_exactly_once_each_and_in_order(start_worker):
    # given a worker with short backoffs, and a receiver that refuses its first three requests
    worker = start_worker(**FAST)
    client, key = make_client()
    pairing = factories.make_pairing_with_login()
    handler = factories.make_unit_handler(pairing.cadre.unit)
    with Receiver(fail_first=3) as receiver:
        appeal_id = api_for(key).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                      format="json").json()["appeal_id"]
        # when the appeal moves three times in a row (escalated, returned, resolved)
        appeal_services.appeal_escalate(appeal=appeal_id, acting_user=pairing.cadre.user, reason="需单位协调")
        appeal_services.appeal_return(appeal=appeal_id, acting_user=handler, reason="请干部继续跟进")
        appeal_services.appeal_resolve(appeal=appeal_id, acting_user=pairing.cadre.user, resolution="已协调解决")
        wait_for(lambda: len(receiver.delivered()) >= 3, worker, what="three deliveries")
        time.sleep(1.5)  # any duplicate would arrive by now
    # then each change arrived once, in the order made, after the refusals; every request signed
    delivered = receiver.delivered()
    assert [(b["seq"], b["status"], b["tier"]) for b in delivered] == [
        (2, "handling", 2), (3, "handling", 1), (4, "resolved", 1)]
    assert len({b["delivery_id"] for b in delivered}) == 3
    assert [r["code"] for r in receiver.received[:3]] == [503, 503, 503]
    assert all(verifies(client.signing_secret, r) for r in receiver.received)
    # the first change was not overtaken: nothing later was sent before it was delivered
    seqs_sent = [int(r["headers"]["X-Hotline-Delivery"].split("-")[1]) for r in receiver.received]
    assert seqs_sent == sorted(seqs_sent)
    assert list(Callback.objects.order_by("seq").values_list("state", "attempts")) == [
        (CallbackState.DELIVERED, 4), (CallbackState.DELIVERED, 1), (CallbackState.DELIVERED, 1)]
    assert CallbackAttempt.objects.filter(ok=False).count() == 3


def test_an_unreachable_receiver_is_given_up_after_the_configured_time_with_an_alert(start_worker):
    # given a worker that gives up six seconds after a change, and a receiver that never accepts
    worker = start_worker(HOTLINE_CALLBACK_GIVE_UP_HOURS=str(6 / 3600), **FAST)
    taskforce = factories.make_user(role=Role.TASKFORCE)
    pairing = factories.make_pairing_with_login()
    with Receiver(always_fail=True) as receiver:
        _client, key = make_client()
        appeal_id = api_for(key).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                      format="json").json()["appeal_id"]
        # when the appeal is escalated
        appeal_services.appeal_escalate(appeal=appeal_id, acting_user=pairing.cadre.user, reason="上报")
        # then the worker retries, then gives up and task-force staff are told
        wait_for(lambda: Callback.objects.filter(state=CallbackState.GAVE_UP).exists(), worker, what="give-up")
    callback = Callback.objects.get()
    assert callback.attempts >= 2 and len(receiver.received) == callback.attempts
    alert = Notification.objects.get(user=taskforce, kind="hotline.callback_gave_up")
    assert "GD20260603001" in alert.title


def test_changes_left_behind_by_a_lost_message_are_sent_by_the_sweep(start_worker):
    # given two changes whose messages were lost (queued to no one, as when Redis dropped them)
    client, key = make_client()
    pairing = factories.make_pairing_with_login()
    with Receiver() as receiver:
        appeal_id = api_for(key).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                      format="json").json()["appeal_id"]
        with mock.patch.object(tasks.hotline_callback_send, "delay"):
            appeal_services.appeal_escalate(appeal=appeal_id, acting_user=pairing.cadre.user, reason="上报")
            appeal_services.appeal_withdraw(appeal=appeal_id, acting_user=pairing.cadre.user, reason="企业已自行解决")
        assert Callback.objects.filter(state=CallbackState.PENDING).count() == 2 and receiver.received == []
        # when beat's sweep runs on a worker
        worker = start_worker(**FAST)
        tasks.hotline_callback_sweep.delay()
        wait_for(lambda: len(receiver.delivered()) >= 2, worker, what="the sweep's deliveries")
    # then both went out, in order
    assert [b["status"] for b in receiver.delivered()] == ["handling", "withdrawn"]


def test_a_worker_killed_while_posting_leaves_the_change_to_be_sent_again(start_worker):
    # given a receiver that takes its time over the first request, and a worker sending to it
    _client, key = make_client()
    pairing = factories.make_pairing_with_login()
    with Receiver(delay_first=6) as receiver:
        appeal_id = api_for(key).post(URL, order(pairing.enterprise, callback_url=receiver.url),
                                      format="json").json()["appeal_id"]
        first = start_worker(**FAST)
        appeal_services.appeal_escalate(appeal=appeal_id, acting_user=pairing.cadre.user, reason="上报")
        wait_for(lambda: receiver.arrivals >= 1, first, what="the first request")
        # when the worker is killed in the middle of the POST (its transaction dies with it)
        first.kill()
        first.wait(timeout=20)
        callback = Callback.objects.get()
        assert (callback.state, callback.attempts) == (CallbackState.PENDING, 0)
        # then a new worker's sweep sends the change again, and it is recorded delivered once
        second = start_worker(queue=first.queue, **FAST)
        tasks.hotline_callback_sweep.delay()
        wait_for(lambda: Callback.objects.filter(state=CallbackState.DELIVERED).exists(), second, what="delivery")
        time.sleep(6)  # the first request's late answer comes back to no one
    callback.refresh_from_db()
    assert callback.attempts == 1 and callback.attempt_log.count() == 1
    # the receiver may have seen the change twice: both carry the same delivery id, to be taken once
    assert {r["headers"]["X-Hotline-Delivery"] for r in receiver.received} == {f"{callback.work_order_id}-2"}

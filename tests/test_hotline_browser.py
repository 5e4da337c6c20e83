"""The hotline's staff pages in a real browser, on a phone and at a desk: create a client (its key shown
once), the work orders, a work order's delivery log, and the appeal page saying it came from 12345."""

import pytest

from appeals import services as appeal_services
from hotline import services
from liaison.models import Role
from tests import factories
from tests.hotline_support import Receiver, make_client, order
from tests.test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    with page.expect_navigation():
        page.click("button[type=submit]")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", ["phone_page", "desktop_page"])
def test_task_force_manages_the_hotline_on_a_phone_and_at_a_desk(live_server, request, device):
    # given task-force staff, and a work order whose change the hotline's address refused
    page = request.getfixturevalue(device)
    factories.make_user(role=Role.TASKFORCE, username="tf-hotline")
    client, _key = make_client("市12345政务服务便民热线")
    pairing = factories.make_pairing_with_login()
    pairing.enterprise.name = "大连海韵精密机械有限公司"
    pairing.enterprise.save()
    with Receiver(always_fail=True) as receiver:
        body = {k: v for k, v in order(pairing.enterprise, callback_url=receiver.url).items() if k != "received_at"}
        work_order = services.work_order_receive(client=client, **body).work_order
        appeal_services.appeal_escalate(appeal=work_order.appeal_id, acting_user=pairing.cadre.user,
                                        reason="需单位协调")
    # when they open the hotline page and create a client
    _login(page, live_server.url, "tf-hotline")
    page.goto(f"{live_server.url}/hotline/")
    page.fill("#client-name", "区政务服务热线分中心")
    with page.expect_navigation():
        page.click("#hotline-client-form button[type=submit]")
    # then the key is shown once, the work order is listed, and the page fits the screen
    assert page.locator("#hotline-new-key").is_visible()
    assert len(page.input_value("#hotline-key")) > 30
    assert page.locator("[data-work-order='GD20260603001']").count() == 1
    assert _fits(page)
    shot(page, f"hotline-home-{device}")
    # and the work order's page shows the refused attempt
    page.click("[data-work-order='GD20260603001'] a >> nth=0")
    page.wait_for_selector("#callback-log")
    assert page.locator("[data-callback='2'][data-state='pending']").count() == 1
    assert "HTTP 503" in page.inner_text("#callback-log")
    assert _fits(page)
    shot(page, f"hotline-work-order-{device}")
    # and the appeal says it came from 12345
    page.goto(f"{live_server.url}/appeals/{work_order.appeal_id}/")
    assert "GD20260603001" in page.inner_text("#appeal-hotline")
    assert _fits(page)
    shot(page, f"hotline-appeal-{device}")

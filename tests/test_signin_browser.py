"""Sign-in security in a real browser: the lock-out message and the unlock, the forced password change,
the tokens page and the audit log."""

import pytest
from django.conf import settings

from accounts import services
from liaison.models import Role
from tests import factories
from tests.test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Hai-yun-2026-river"


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_a_locked_out_cadre_reads_why_and_gets_in_after_the_task_force_unlocks(live_server, phone_page, browser):
    # given a cadre who mistypes their password too often
    cadre = factories.make_user(role=Role.CADRE)
    staff = factories.make_user(role=Role.TASKFORCE, username="tf-unlock")
    page = phone_page
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(page, live_server.url, cadre.username, "wrong")
        assert "用户名或密码错误" in page.content()
    sign_in(page, live_server.url, cadre.username, "wrong")
    # when they then type the right one
    sign_in(page, live_server.url, cadre.username, "pass-1234")
    # then they read, in Chinese, that the sign-in is locked, for how long, and whom to ask
    message = page.locator("#locked-out").inner_text()
    shot(page, "signin-locked-out")
    assert "锁定" in message and f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟" in message and "专班" in message
    # when task-force staff unlock them from the locked sign-ins page
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    sign_in(desk, live_server.url, staff.username, "pass-1234")
    desk.wait_for_url(f"{live_server.url}/")
    desk.click("#nav-account")
    desk.click("#nav-lockouts")
    row = desk.locator(f'tr[data-lock="{cadre.username}"]')
    assert "已锁定" in row.inner_text()
    shot(desk, "signin-lockouts")
    row.locator("button[type=submit]").click()
    desk.wait_for_selector(".alert-success")
    context.close()
    # then the cadre gets in
    sign_in(page, live_server.url, cadre.username, "pass-1234")
    page.wait_for_url(f"{live_server.url}/")


def test_a_demo_user_must_choose_their_own_password_at_first_sign_in(live_server, desktop_page):
    # given a user with the demo's shared password
    user = factories.make_user(role=Role.LEADER, password="demo12345")
    services.password_change_require(users=[user])
    page = desktop_page
    # when they sign in
    sign_in(page, live_server.url, user.username, "demo12345")
    # then they land on the change page with the reason, and cannot go elsewhere first
    page.wait_for_url(f"{live_server.url}/accounts/password_change/")
    assert page.locator("#must-change").is_visible()
    shot(page, "signin-must-change")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_url(f"{live_server.url}/accounts/password_change/")
    # when they try the old password as the new one, then a good one
    page.fill("#id_old_password", "demo12345")
    page.fill("#id_new_password1", "demo12345")
    page.fill("#id_new_password2", "demo12345")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "不能与旧密码相同" in page.content()
    page.fill("#id_old_password", "demo12345")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    # then the change is confirmed and the portal opens
    page.wait_for_url(f"{live_server.url}/accounts/password_change/done/")
    assert "密码已修改" in page.locator("#password-changed").inner_text()
    shot(page, "signin-password-changed")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_an_administrator_reads_the_audit_log_filtered_by_kind(live_server, desktop_page):
    # given a failed sign-in, and an administrator
    cadre = factories.make_user(role=Role.CADRE)
    admin = factories.make_user(role=Role.ADMIN, username="auditor", is_staff=True, is_superuser=True)
    page = desktop_page
    sign_in(page, live_server.url, cadre.username, "wrong")
    # when the administrator opens the audit log from their menu and filters failed sign-ins
    sign_in(page, live_server.url, admin.username, "pass-1234")
    page.wait_for_url(f"{live_server.url}/")
    page.click("#nav-account")
    page.click("#nav-audit")
    page.select_option("#id_kind", "login_failed")
    page.click("main form button[type=submit]")
    # then only the failed sign-in is listed, with the user name typed
    rows = page.locator("#audit-events tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and cadre.username in rows.first.inner_text() and "登录失败" in rows.first.inner_text()
    shot(page, "audit-log")

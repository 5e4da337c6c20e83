"""The policy catalogue in a real browser: a cadre delivers a no-application benefit from a phone;
task-force staff work the catalogue on a desktop."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from liaison.models import Role
from policies import services
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, so people can look at what users see."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def category(code: str) -> PolicyCategory:
    # Transactional tests truncate the seeded categories; conftest puts them back, this is a fallback.
    found, _created = PolicyCategory.objects.get_or_create(code=code, defaults={"name": code, "order": 0})
    return found


def no_application_policy(**kwargs) -> Policy:
    policy = Policy.objects.create(
        title=kwargs.pop("title", "规上工业企业稳增长奖励"),
        doc_number="大政发〔2024〕12号",
        issuer="区人民政府",
        category=category("finance"),
        status=PolicyStatus.PUBLISHED,
        no_application=True,
        summary="对年度产值增长的规上工业企业给予奖励，无需申报，直接兑现。",
        benefit="按产值增量给予最高50万元奖励。",
        eligibility_text="规上工业企业，从业人员10人以上。",
        tags="工业, 稳增长",
        **kwargs,
    )
    RuleGroup.objects.create(policy=policy, name="规上制造业", above_scale=True, industry_sections=["C"],
                             employees_min=10)
    return policy


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_cadre_on_a_phone_delivers_a_no_application_benefit_from_the_home_page(live_server, phone_page):
    # given a cadre paired with a manufacturer, and a no-application policy whose list has been generated
    pairing = factories.make_pairing_with_login()
    enterprise = pairing.enterprise
    enterprise.name, enterprise.employees, enterprise.annual_revenue = "大连海韵精密机械有限公司", 180, Decimal("8600")
    enterprise.save()
    policy = no_application_policy()
    Policy.objects.create(title="高新技术企业认定奖励", category=category("innovation"), status=PolicyStatus.PUBLISHED)
    services.delivery_generate(policy=policy, acting_user=factories.make_user(role=Role.TASKFORCE))
    delivery = Delivery.objects.get()
    page = phone_page
    # when the cadre logs in on a phone
    log_in(page, live_server, pairing.cadre.user.username)
    # then the home page shows the benefit to deliver to their enterprise
    row = page.locator(f"#delivery-{delivery.pk}")
    assert row.get_attribute("data-status") == "pending"
    assert "规上工业企业稳增长奖励" in row.inner_text() and "大连海韵精密机械有限公司" in row.inner_text()
    assert page.locator(f'#eligible-policies [data-eligible-policy="{policy.pk}"]').is_visible()
    shot(page, "policies-phone-home-before")
    # and the explanation opens from it, condition by condition
    page.click(f'#eligible-policies [data-eligible-policy="{policy.pk}"] a')
    page.wait_for_selector("#verdict[data-eligible='1']")
    assert page.locator('[data-outcome="pass"]').count() == 3
    shot(page, "policies-phone-explain")
    page.go_back()
    # when they mark it delivered
    page.click(f"#delivery-{delivery.pk} [data-action=delivered]")
    # then the row turns to done in place
    page.wait_for_selector(f"#delivery-{delivery.pk}[data-status=delivered]")
    shot(page, "policies-phone-home-after")
    # and after a reload the home page still shows it done, with nothing left open
    page.reload()
    assert page.locator(f"#delivery-{delivery.pk}").get_attribute("data-status") == "delivered"
    assert page.locator("#my-deliveries [data-open]").get_attribute("data-open") == "0"
    assert page.locator(f"#delivery-{delivery.pk} [data-action]").count() == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.history.latest("history_date").history_user == pairing.cadre.user


def test_task_force_staff_work_the_catalogue_on_a_desktop(live_server, desktop_page, phone_page):
    # given
    staff = factories.make_user(role=Role.TASKFORCE, username="zhuanban")
    street = factories.make_street(name="星海街道")
    for i in range(3):
        pairing = factories.make_pairing_with_login()
        enterprise = pairing.enterprise
        enterprise.employees, enterprise.street = 50 + i, street
        enterprise.save()
    policy = no_application_policy(effective_to=None)
    Policy.objects.create(title="创业担保贷款贴息", category=category("finance"), status=PolicyStatus.PUBLISHED,
                          direct_delivery=True, tags="创业, 贷款")
    Policy.objects.create(title="人才公寓（起草中）", category=category("talent"), status=PolicyStatus.DRAFT)
    page = desktop_page
    log_in(page, live_server, staff.username)
    # the catalogue, grouped by category, with drafts for the task force
    page.click("#nav-policies")
    page.wait_for_selector("#new-policy")
    assert page.locator("[data-category]").count() == 2
    assert page.locator('[data-badge="draft"]').count() == 1
    shot(page, "policies-desktop-list")
    # a search narrows it
    page.fill("input[name=q]", "贴息")
    page.press("input[name=q]", "Enter")
    page.wait_for_function("() => document.querySelectorAll('[data-policy]').length === 1")
    # the detail page and the beneficiary list
    page.goto(f"{live_server.url}/policies/{policy.pk}/")
    assert "规上制造业" in page.locator("#rules").inner_text()
    shot(page, "policies-desktop-detail")
    page.click("#generate-form button")
    page.wait_for_selector("#delivery-counts")
    assert page.locator('[data-count="pending"]').inner_text().strip() == "3"
    shot(page, "policies-desktop-deliveries")
    page.goto(f"{live_server.url}/policies/{policy.pk}/eligible/")
    assert page.locator("#eligible-table tbody tr[data-enterprise]").count() == 3
    shot(page, "policies-desktop-eligible")
    page.goto(f"{live_server.url}/policies/{policy.pk}/edit/")
    page.click("#add-group")
    assert page.locator("[data-group-form]").count() == 3
    shot(page, "policies-desktop-edit")
    # the edit form also fits a phone, and so does an explanation with data missing
    log_in(phone_page, live_server, staff.username)
    unknown = factories.make_enterprise(name="数据不全的企业", employees=None, above_scale=True)
    phone_page.goto(f"{live_server.url}/policies/{policy.pk}/explain/{unknown.pk}/")
    assert phone_page.locator("#missing-data").is_visible()
    assert phone_page.locator('[data-outcome="missing"]').count() == 1
    shot(phone_page, "policies-phone-explain-missing")
    phone_page.goto(f"{live_server.url}/policies/{policy.pk}/edit/")
    shot(phone_page, "policies-phone-edit")
    phone_page.goto(f"{live_server.url}/policies/")
    shot(phone_page, "policies-phone-list")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

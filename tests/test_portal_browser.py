"""The enterprise's contact on a phone (390 px): signs in with the link of the card their cadre printed,
sees the cadre, raises a problem, and — once the cadre resolved it — gives a verdict; the cadre's card
page at a desk (1366 px) and on a phone."""

import re

import pytest

from appeals import services as appeal_services
from appeals.models import Appeal, AppealCategory, Source, Status, Tier
from policies.models import Policy, PolicyCategory, PolicyStatus, RuleGroup
from portal import services
from portal.models import AccessKind, ContactAccess
from tests import factories
from tests.test_appeals_browser import log_in, shot
from workdays.services import calendar_cache_clear

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def contact_world(db):
    calendar_cache_clear()
    unit = factories.make_unit(name="区科工局")
    cadre = factories.make_cadre(unit=unit, name="张海涛", phone="0411-88886666", position="副局长")
    pairing = factories.make_assignment(cadre=cadre)
    enterprise = pairing.enterprise
    enterprise.name = "大连海韵精密机械有限公司"
    enterprise.save()
    category = PolicyCategory.objects.order_by("order", "id").first() or PolicyCategory.objects.create(
        code="portal-test", name="产业发展")
    policy = Policy.objects.create(title="规上工业企业稳增长奖励", category=category, status=PolicyStatus.PUBLISHED,
                                   no_application=True, summary="对产值增长的规上工业企业给予奖励。")
    RuleGroup.objects.create(policy=policy, above_scale=True)
    return {"pairing": pairing, "cadre": cadre, "enterprise": enterprise, "policy": policy}


def test_a_contact_signs_in_by_link_raises_a_problem_and_gives_a_verdict(
    contact_world, live_server, phone_page, desktop_page, settings
):
    # given a card the cadre issued, printed at a desk
    settings.POLICY_QR_BASE_URL = live_server.url
    w = contact_world
    base = live_server.url
    desk = desktop_page
    log_in(desk, base, w["cadre"].user)
    desk.goto(f"{base}/enterprises/{w['enterprise'].pk}/")
    desk.click("#issue-card")
    desk.fill("#id_name", "王经理")
    desk.fill("#id_phone", "13800000000")
    desk.click("#issue-form button[type=submit]")
    desk.wait_for_selector("#contact-card")
    assert "张海涛" in desk.inner_text("#card-cadre") and "0411-88886666" in desk.inner_text("#card-cadre-phone")
    assert desk.inner_text("#card-enterprise") == "大连海韵精密机械有限公司"
    assert re.fullmatch(r"\w{4}-\w{4}", desk.inner_text("#card-code"))
    shot(desk, "portal-01-desk-card")
    link = desk.text_content("#card-link").strip()
    assert link.startswith(f"{base}/e/s/")

    # when the contact opens the card's link on a phone
    phone = phone_page
    phone.goto(link)
    phone.wait_for_selector("#my-cadre")
    # then the page shows their cadre, unit and phone, and the link is gone from the address bar
    assert phone.url == f"{base}/e/"
    assert phone.inner_text("#cadre-name") == "张海涛"
    assert "区科工局" in phone.inner_text("#cadre-unit")
    assert phone.locator("#cadre-phone").get_attribute("href") == "tel:0411-88886666"
    shot(phone, "portal-02-phone-home")
    # and nothing is wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # when they raise a problem
    phone.click("#raise-appeal")
    phone.select_option("#id_category", str(AppealCategory.objects.get(code="financing").pk))
    phone.fill("#id_title", "扩产急需流动资金贷款")
    phone.fill("#id_description", "二季度订单增加，扩产需要流动资金贷款500万元，银行授信不足。")
    shot(phone, "portal-03-phone-raise")
    phone.click("#appeal-form button[type=submit]")
    phone.wait_for_selector("#timeline")
    # then it is with their cadre at the individual tier, from the enterprise itself
    appeal = Appeal.objects.get()
    assert (appeal.source, appeal.tier, appeal.handler_cadre) == (Source.ENTERPRISE, Tier.INDIVIDUAL, w["cadre"])
    assert phone.inner_text("#appeal-handler") == "张海涛"
    shot(phone, "portal-04-phone-appeal")

    # when the cadre resolves it (through the service)
    appeal_services.appeal_resolve(appeal=appeal, acting_user=w["cadre"].user,
                                   resolution="已协调区农商行授信500万元，本周放款。")
    phone.goto(f"{base}/e/")
    assert "待您评价" in phone.inner_text(f'[data-appeal="{appeal.pk}"]')
    phone.click(f'[data-appeal="{appeal.pk}"] a')
    phone.wait_for_selector("#verdict-form")
    assert "已协调区农商行授信500万元" in phone.inner_text("#appeal-resolution")
    shot(phone, "portal-05-phone-verdict")
    # and the contact answers satisfied
    phone.click('#verdict-form button[data-verdict="satisfied"]')
    phone.wait_for_selector("#given-verdict")
    # then the appeal is closed with the contact's verdict
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.feedback == "satisfied"
    assert [li.get_attribute("data-kind") for li in phone.query_selector_all("#timeline li")] == [
        "raised", "resolved", "feedback"]
    shot(phone, "portal-06-phone-closed")

    # the policies they are eligible for, with why
    phone.click("#nav-policies")
    phone.wait_for_selector(f'[data-policy="{w["policy"].pk}"]')
    phone.click(f'[data-policy="{w["policy"].pk}"] summary')
    shot(phone, "portal-07-phone-policies")
    # and the page at a desk's width
    services.enterprise_notice_add(enterprise=w["enterprise"], title="新政策：规上工业企业稳增长奖励",
                                   body="贵企业符合条件，服务干部将与您联系。", kind="policy_push", key="t:1")
    desk_contact = desk.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        wide = desk_contact.new_page()
        wide.goto(link)
        wide.wait_for_selector("#notices")
        shot(wide, "portal-08-desk-home")
    finally:
        desk_contact.close()

    # every step is in the access log the cadre reads on the enterprise's page
    kinds = set(ContactAccess.objects.values_list("kind", flat=True))
    assert {AccessKind.ISSUED, AccessKind.SIGN_IN, AccessKind.VIEW, AccessKind.APPEAL_RAISED,
            AccessKind.VERDICT} <= kinds
    desk.goto(f"{base}/enterprises/{w['enterprise'].pk}/")
    desk.click("#contact-access-log summary")
    assert desk.locator('#contact-access-log [data-access="verdict"]').count() == 1
    shot(desk, "portal-09-desk-enterprise-contacts")

    # when the cadre revokes the card, the contact's next page sends them to the sign-in
    desk.click("[data-revoke]")
    desk.wait_for_selector("#contacts .badge.text-bg-secondary")
    phone.goto(f"{base}/e/")
    assert phone.url.startswith(f"{base}/e/login/")
    shot(phone, "portal-10-phone-login")


def test_the_card_prints_on_a_phone_too(contact_world, live_server, phone_page, settings):
    settings.POLICY_QR_BASE_URL = "https://qy.example.gov.cn"
    w = contact_world
    phone = phone_page
    log_in(phone, live_server.url, w["cadre"].user)
    phone.goto(f"{live_server.url}/enterprises/{w['enterprise'].pk}/contacts/new/")
    phone.fill("#id_name", "王经理")
    phone.click("#issue-form button[type=submit]")
    phone.wait_for_selector("#contact-card")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "portal-11-phone-card")

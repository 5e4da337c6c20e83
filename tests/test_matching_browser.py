"""Precise matching in a real browser: staff propose pairings for a street, read one pair's score by
factor, and accept them all; the pages also fit a phone."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from liaison.models import Assignment, Category, Rank
from matching.models import Proposal
from tests import factories
from tests.pickers_support import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def small_district():
    street = factories.make_street(name="人民广场街道")
    other = factories.make_street(name="北京街道")
    industry = factories.make_unit(name="区科技和工业信息化局")
    commerce = factories.make_unit(name="区商务局")
    people = [
        ("王建国", industry, Rank.DIVISION, Category.INDUSTRY),
        ("李晓梅", commerce, Rank.SECTION, Category.COMMERCE),
        ("张伟", street, Rank.SECTION, Category.ADMINISTRATION),
        ("刘洋", industry, Rank.SECTION, Category.INDUSTRY),
    ]
    for name, unit, rank, category in people:
        factories.make_cadre(name=name, unit=unit, rank=rank, category=category)
    companies = [
        ("大连海韵精密机械有限公司", "C", "34", street, 8200, 160),
        ("大连港湾商贸有限公司", "F", "51", street, 26000, 90),
        ("大连云帆软件科技有限公司", "I", "65", street, 4100, 60),
        ("大连北方物流有限公司", "G", "54", other, 9000, 120),
    ]
    for name, section, division, where, revenue, employees in companies:
        factories.make_enterprise(
            name=name,
            industry_section=section,
            industry_division=division,
            street=where,
            annual_revenue=Decimal(revenue),
            employees=employees,
        )
    return street


def log_in(page, url, user):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_staff_propose_for_a_street_read_a_breakdown_and_accept_all(live_server, browser, taskforce_user):
    # given a small district with free cadres and unpaired enterprises on two streets
    street = small_district()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, taskforce_user)
    # when staff open precise matching from the menu and propose for one street
    page.click("#nav-pairing")
    page.click("#nav-matching")
    page.check("input[name=scope][value=street]")
    pick(page, "id_street", "人民", "人民广场街道")
    shot(page, "desktop-index")
    page.click("#propose")
    page.wait_for_selector("#pairs")
    proposal = Proposal.objects.get()
    assert proposal.pairs.count() == 3
    # and open the first pair's score by factor
    first = page.locator("[data-pair]").first
    first.locator("summary").click()
    points = [float(t.split("/")[0]) for t in first.locator("[data-points]").all_inner_texts()]
    score = float(first.locator("[data-score]").inner_text())
    assert len(points) == 5 and round(sum(points), 2) == score
    shot(page, "desktop-proposal")
    # and accept all of them
    page.click("#accept-all")
    page.wait_for_selector(".alert-success")
    # then the three pairings exist and the page says they are accepted
    assert Assignment.objects.active().count() == 3
    assert page.locator("[data-pair] .badge.text-bg-success").count() == 3
    assert set(Assignment.objects.values_list("enterprise__street", flat=True)) == {street.pk}
    shot(page, "desktop-accepted")
    page.goto(f"{live_server.url}/matching/settings/")
    shot(page, "desktop-settings")
    page.goto(f"{live_server.url}/matching/blocked/")
    shot(page, "desktop-blocked")
    context.close()


def test_the_matching_pages_fit_a_phone(live_server, phone_page, taskforce_user):
    # given a proposal and an enterprise whose cadre has left
    small_district()
    from liaison import services as roster
    from matching import services

    gone = factories.make_assignment()
    gone.cadre.active = False
    roster.cadre_save(cadre=gone.cadre, acting_user=taskforce_user)
    proposal = services.proposal_create(acting_user=taskforce_user)
    page = phone_page
    log_in(page, live_server.url, taskforce_user)
    # when each page is opened on a phone, then nothing is wider than the screen
    for name, path in [
        ("phone-index", "/matching/"),
        ("phone-proposal", f"/matching/proposals/{proposal.pk}/"),
        ("phone-settings", "/matching/settings/"),
        ("phone-blocked", "/matching/blocked/"),
        ("phone-replacement", f"/enterprises/{gone.enterprise_id}/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        if name == "phone-proposal":
            page.locator("[data-pair] summary").first.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 391, (name, width)
        shot(page, name)
    assert page.locator("#replacement [data-candidate]").count() >= 1

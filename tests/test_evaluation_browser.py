"""Browser journeys: a leader sorts a year's evaluation and downloads it; the new pages at phone and desktop width."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from evaluations import services
from tests.test_dashboard import campaign, month  # noqa: F401  (fixtures)
from tests.test_evaluation import district  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_leader_sorts_the_evaluation_by_score_and_downloads_the_excel(
    live_server,
    desktop_page,
    district,  # noqa: F811
    leader_user,
    tmp_path,
):
    # given 2024 evaluated
    services.annual_evaluation_run(year=2024)
    page = desktop_page
    # when a leader opens the year's evaluation
    log_in(page, live_server.url, leader_user.username, "/evaluations/")
    page.click("#evaluation-list a")
    page.wait_for_selector("#scores")
    # and sorts by score (best first on the first click)
    page.click("a[data-sort-key=score]")
    page.wait_for_selector("#scores[data-sort='-score']")
    names = page.locator("#scores tbody th").all_inner_texts()
    assert names == ["甲", "丙", "乙", "丁"]
    # a second click reverses it
    page.click("a[data-sort-key=score]")
    page.wait_for_selector("#scores[data-sort='score']")
    assert page.locator("#scores tbody th").all_inner_texts() == ["丁", "乙", "丙", "甲"]
    page.click("a[data-sort-key=score]")
    page.wait_for_selector("#scores[data-sort='-score']")
    # then the Excel download has the rows in the same order
    with page.expect_download() as info:
        page.click("#export-xlsx")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name.endswith(".xlsx")
    rows = list(load_workbook(target)["干部"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in rows] == ["甲", "丙", "乙", "丁"]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_evaluation_pages_fit_phone_and_desktop(live_server, browser, district, taskforce_user, width):  # noqa: F811
    services.annual_evaluation_run(year=2024)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, taskforce_user.username, "/evaluations/")
        shot(page, f"evaluations-index-{width}")
        assert fits_the_screen(page)
        page.goto(f"{live_server.url}/evaluations/2024/?sort=-score")
        shot(page, f"evaluations-year-{width}")
        assert fits_the_screen(page)
        page.goto(f"{live_server.url}/evaluations/2024/?view=units")
        shot(page, f"evaluations-units-{width}")
        page.goto(f"{live_server.url}/evaluations/weights/")
        page.fill("#id_contact", "50")
        page.click("#weights-form button[type=submit]")
        page.wait_for_selector("#weights-errors")
        shot(page, f"evaluations-weights-error-{width}")
        assert fits_the_screen(page)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_dashboard_fits_phone_and_desktop(live_server, browser, campaign, leader_user, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, leader_user.username, "/dashboard/")
        page.wait_for_selector("#headline")
        shot(page, f"dashboard-{width}")
        assert fits_the_screen(page)
        assert page.locator("[data-figure=cadres_paired]").inner_text() == "3"
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_my_month_fits_phone_and_desktop(live_server, browser, month, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, month["cadre"].user.username, "/me/month/")
        page.wait_for_selector("#my-enterprises")
        shot(page, f"my-month-{width}")
        assert fits_the_screen(page)
        assert page.locator("#my-interviews").is_visible()
    finally:
        context.close()

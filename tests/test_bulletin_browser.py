"""The monthly bulletin in a real browser: a leader opens the latest bulletin, sees the charts and
downloads the PDF; the pages at phone and desktop widths."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest

from liaison.models import Role
from reports import bulletins
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
UNITS = ["区发展和改革局", "区工业和信息化局", "区商务局", "区科技局", "区财政局", "春柳街道", "泉水街道", "香炉礁街道"]


def shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def may_and_june(clock):
    """Eight units of three cadres; units contact more or less of their enterprises in May and June, and
    raise appeals some of which are resolved; both months published, June corrected once."""
    taskforce = factories.make_user(role=Role.TASKFORCE)
    clock.set(date(2026, 5, 4))
    pairings = []
    for index, name in enumerate(UNITS):
        unit = factories.make_unit(name=name)
        for j in range(3):
            pairing = factories.make_assignment(
                cadre=factories.make_cadre(unit=unit, name=f"{'王李张刘陈杨赵黄'[index]}{'一二三'[j]}"),
                enterprise=factories.make_enterprise(name=f"{name[:2]}第{j + 1}精密制造有限公司"),
            )
            pairings.append((index, j, pairing))
    for index, j, pairing in pairings:
        if (index + j) % 3:
            factories.make_visit(assignment=pairing, date=date(2026, 5, 12))
        if j <= index % 3 or index == 0:
            factories.make_visit(assignment=pairing, date=date(2026, 6, 9))
    clock.set(date(2026, 6, 2))
    for index, j, pairing in pairings:
        if j == 0:
            appeal = factories.make_appeal(pairing=pairing, title=f"用工需求{index}")
            if index % 2:
                from appeals import services

                services.appeal_resolve(appeal=appeal, acting_user=pairing.cadre.user, resolution="已协调")
    clock.set(date(2026, 7, 1), hour=9)
    bulletins.bulletin_publish(month=date(2026, 5, 1), acting_user=taskforce)
    bulletins.bulletin_publish(month=date(2026, 6, 1), acting_user=taskforce)
    bulletins.bulletin_reissue(month=date(2026, 6, 1), reason="泉水街道补录走访记录", acting_user=taskforce)
    return taskforce


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_leader_opens_the_latest_bulletin_sees_the_charts_and_downloads_the_pdf(
    live_server, desktop_page, may_and_june, leader_user
):
    from pypdf import PdfReader

    page = desktop_page
    page.set_viewport_size({"width": 1280, "height": 900})
    # given a leader signed in
    _login(page, live_server, leader_user.username)
    # when they open the bulletin list from the menu, then the latest bulletin
    page.click("#nav-oversight")
    page.click("#nav-bulletin")
    page.wait_for_url(f"{live_server.url}/bulletins/")
    shot(page, "list-desktop")
    page.locator('#bulletin-list [data-month="2026-06"] a.fw-semibold').click()
    page.wait_for_url(f"{live_server.url}/bulletins/2026-06/")
    # then both charts are drawn as visible SVG, with their bars and points
    assert page.locator("#chart-units svg").is_visible()
    assert page.locator("#chart-trend svg").is_visible()
    assert page.locator("#chart-units svg rect").count() >= len(UNITS)
    assert page.locator("#chart-trend svg circle").count() >= 2
    assert "泉水街道补录走访记录" in page.locator("#bulletin-versions").inner_text()
    shot(page, "detail-desktop")
    # and the PDF downloads, with the units' names in Chinese
    with page.expect_download() as download_info:
        page.click("#bulletin-pdf")
    download = download_info.value
    content = Path(download.path()).read_bytes()
    if SHOTS:
        download.save_as(str(SHOTS / "bulletin.pdf"))
    assert content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "区发展和改革局" in text and "香炉礁街道" in text
    # an older version shows its banner
    page.goto(f"{live_server.url}/bulletins/2026-06/?v=1")
    assert page.locator("#superseded-banner").is_visible()


def test_the_bulletin_pages_fit_a_phone(live_server, phone_page, may_and_june):
    page = phone_page
    _login(page, live_server, may_and_june.username)
    page.goto(f"{live_server.url}/bulletins/")
    assert page.locator("#bulletin-publish").is_visible()
    shot(page, "list-phone")
    page.goto(f"{live_server.url}/bulletins/2026-06/")
    assert page.locator("#chart-units svg").is_visible()
    # nothing but the tables' own scrolling areas is wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    box = page.locator("#chart-units svg").bounding_box()
    assert box["width"] <= 390
    shot(page, "detail-phone")


@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_says_the_documents_are_being_made_and_shows_them_when_ready(
    live_server, browser, clock, leader_user, monkeypatch, width
):
    # given June published, its PDF and workbook not rendered yet (their job not started)
    monkeypatch.setattr(bulletins, "bulletin_documents_start", lambda **kwargs: None)
    clock.set(date(2026, 6, 3))
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=factories.make_unit(name="区商务局")))
    factories.make_visit(assignment=pairing, date=date(2026, 6, 3))
    clock.set(date(2026, 7, 1), hour=9)
    bulletins.bulletin_publish(month=date(2026, 6, 1))
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        _login(page, live_server, leader_user.username)
        # when the leader opens the bulletin
        page.goto(f"{live_server.url}/bulletins/2026-06/")
        # then it says the documents are being made, and the download buttons are disabled
        assert "正在生成 PDF 和 Excel" in page.locator("#documents-status").inner_text()
        assert page.locator("button#bulletin-pdf").is_disabled()
        assert page.locator("button#bulletin-xlsx").is_disabled()
        shot(page, f"documents-pending-{width}")
        # when the job renders them, then the page shows the downloads by itself (no reload)
        bulletins.bulletin_documents_run(month=date(2026, 6, 1))
        page.wait_for_selector("a#bulletin-pdf", timeout=15_000)
        assert page.locator("#bulletin-documents").get_attribute("data-state") == "ready"
        assert page.url == f"{live_server.url}/bulletins/2026-06/"
        shot(page, f"documents-ready-{width}")
        with page.expect_download() as download_info:
            page.click("a#bulletin-pdf")
        assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    finally:
        context.close()

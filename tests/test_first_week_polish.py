"""Small things a first week of real use asks for: a date range a person can fill in, menu buttons
that say what they are."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_visit_ledger_filters_by_a_date_range_of_two_labelled_date_pickers(client, taskforce_user):
    # given visits on 3 and 20 November
    pairing = factories.make_assignment(started_on=date(2026, 1, 1))
    early = factories.make_visit(assignment=pairing, date=date(2026, 11, 3))
    late = factories.make_visit(assignment=pairing, date=date(2026, 11, 20))
    client.force_login(taskforce_user)
    # when task-force staff open the ledger from 10 to 30 November
    response = client.get(reverse("visit-list"), {"date_after": "2026-11-10", "date_before": "2026-11-30"})
    html = response.content.decode()
    # then the range is two date pickers, "从 … 至 …", that keep the chosen dates
    assert '<input type="date" name="date_after" value="2026-11-10"' in html
    assert '<input type="date" name="date_before" value="2026-11-30"' in html
    assert '<span class="input-group-text">从</span>' in html and '<span class="input-group-text">至</span>' in html
    assert "走访日期" in html
    # and only the visit in the range is listed
    assert list(response.context["page"]) == [late] and early not in response.context["page"]


def test_the_appeal_filter_raised_range_uses_the_same_date_pickers(client, taskforce_user):
    client.force_login(taskforce_user)
    html = client.get(reverse("appeal-list"), {"tab": "all"}).content.decode()
    assert '<input type="date" name="raised_after"' in html and '<input type="date" name="raised_before"' in html


def test_the_menu_buttons_say_what_they_are(client, taskforce_user):
    client.force_login(taskforce_user)
    html = client.get(reverse("home")).content.decode()
    assert '<i class="bi bi-bell"></i> 通知' in html
    assert '<i class="bi bi-person-badge"></i> 代理人' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_form_being_sent_disables_its_button_and_says_it_is_working(live_server, phone_page):
    # given a signed-in cadre on the password change page, the server slow to answer
    factories.make_user(username="slow-cadre")
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "slow-cadre")
    page.fill("#id_password", "pass-1234")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/accounts/password_change/")
    page.fill("#id_old_password", "wrong-password")
    page.fill("#id_new_password1", "Hai-yun-2026-river")
    page.fill("#id_new_password2", "Hai-yun-2026-river")
    # (the sending itself is held back at the window, after the page's own listeners have seen it, so
    # that the page can be looked at while "the server is working")
    page.evaluate("() => window.addEventListener('submit', (event) => event.preventDefault())")
    # when they send the form and the answer has not come yet
    button = page.locator("main form[method=post] button[type=submit]").first
    idle = button.inner_text()
    button.click()
    page.wait_for_function("() => document.querySelector('main form[method=post] button[type=submit]').disabled")
    # then the button is disabled and says it is working, so nobody sends it twice
    assert "处理中" in button.inner_text()
    assert button.get_attribute("aria-busy") == "true"
    # and coming back to the page from the history gives the button back as it was
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert button.is_enabled() and button.inner_text() == idle


def test_the_public_catalogue_links_the_handbook_which_anyone_may_download(client):
    html = client.get(reverse("policy-catalogue-public")).content.decode()
    assert f'href="{reverse("policy-handbook-pdf")}" id="handbook-link"' in html and "下载政策掌中宝（PDF）" in html
    # a visitor without a sign-in gets the PDF (or, before one is drawn, the page saying it is being made)
    assert client.get(reverse("policy-handbook-pdf")).status_code == 200

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

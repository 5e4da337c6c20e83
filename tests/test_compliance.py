"""Monthly contact: a pairing is compliant for a month when a visit under it falls in that month."""

from datetime import date

import pytest
from django.utils import timezone

from liaison import selectors
from liaison.selectors import ContactStatus
from tests import factories

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


def test_unit_rate_counts_pairings_with_a_visit_in_the_month():
    # given a unit with three pairings: one visited in March twice, one in February only, one never
    unit = factories.make_unit(name="区科工局")
    visited = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    february_only = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    factories.make_visit(assignment=visited, date=date(2024, 3, 1))
    factories.make_visit(assignment=visited, date=date(2024, 3, 31))
    factories.make_visit(assignment=february_only, date=date(2024, 2, 29))
    # and another unit fully contacted
    other = factories.make_assignment(cadre=factories.make_cadre(unit=factories.make_unit(name="白云街道")))
    factories.make_visit(assignment=other, date=date(2024, 3, 15))
    # when March is measured
    rows = {row.unit_name: row for row in selectors.unit_compliance(MARCH)}
    # then
    assert (rows["区科工局"].due, rows["区科工局"].contacted) == (3, 1)
    assert rows["区科工局"].rate == pytest.approx(1 / 3)
    assert rows["白云街道"].rate == 1
    overall = selectors.overall_compliance(MARCH)
    assert (overall.due, overall.contacted) == (4, 2)


def test_a_pairing_counts_for_a_month_only_if_in_force_at_its_end():
    # given a cadre re-paired on 20 March: the old pairing ended, the new one started
    cadre = factories.make_cadre()
    old = factories.make_assignment(cadre=cadre, started_on=date(2024, 1, 1), ended_on=date(2024, 3, 20))
    new = factories.make_assignment(cadre=cadre, started_on=date(2024, 3, 20))
    factories.make_visit(assignment=old, date=date(2024, 3, 5))
    # and a pairing that starts only in April
    factories.make_assignment(started_on=date(2024, 4, 2))
    # when March is measured
    due = {p.pk: p.contacted for p in selectors.monthly_contact(MARCH)}
    # then only the new pairing is due, and a visit under the old one does not count for it
    assert due == {new.pk: False}


def test_status_distinguishes_not_yet_from_missed():
    this_month = timezone.localdate().replace(day=1)
    assert selectors.contact_status_of(False, this_month) == ContactStatus.PENDING
    assert selectors.contact_status_of(False, MARCH) == ContactStatus.MISSED
    assert selectors.contact_status_of(True, MARCH) == ContactStatus.CONTACTED


def test_month_bounds_handle_leap_february():
    assert selectors.month_bounds(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert selectors.month_bounds(date(2023, 12, 31)) == (date(2023, 12, 1), date(2023, 12, 31))

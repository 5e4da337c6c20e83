"""Job results a person can read: Chinese labels, links to what a run produced, the demo's outputs as runs,
and a period with no data refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from evaluations.models import Evaluation
from evaluations.services import annual_evaluation_run
from tests import factories

pytestmark = pytest.mark.django_db


def test_evaluating_a_year_with_no_pairings_or_visits_is_refused_and_saves_nothing(clock):
    # given a pairing that began after the year
    clock.set(date(2026, 6, 3))
    factories.make_assignment(started_on=date(2026, 2, 1))
    # when / then
    with pytest.raises(ValidationError) as refused:
        annual_evaluation_run(year=2025)
    assert "2025" in refused.value.messages[0]
    assert not Evaluation.objects.exists()

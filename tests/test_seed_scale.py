"""The larger demo (demo.scale): districts of the demo district, each with its own names, logins and
credit codes, whose appeals obey the services as the district's do."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from appeals.models import Appeal, AppealEvent
from demo import scale
from enterprises.models import Enterprise
from enterprises.validators import credit_code_error
from liaison.models import Assignment, Cadre, Unit, UnitKind, User, Visit
from tests.test_seed_demo import FIXED_NOW, _replay, _shape


@pytest.fixture(scope="module")
def two_districts(django_db_setup, django_db_blocker):
    """Two districts of a city, built once for the module."""
    with (
        mock.patch("django.utils.timezone.now", return_value=FIXED_NOW),
        translation.override(settings.LANGUAGE_CODE),
        mock.patch.dict(scale.SCALES, {"test": (1, 2)}),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        result = scale.build_scale(scale="test", today=FIXED_NOW.astimezone(FIXED_NOW.tzinfo).date())
        yield result
        transaction.set_rollback(True)


def test_each_district_has_its_own_units_logins_and_credit_codes(two_districts, db):
    districts = scale.districts("test")
    assert [d.unit_prefix for d in districts] == ["大连市中山区", "大连市西岗区"]
    for district in districts:
        units = Unit.objects.filter(name__startswith=district.unit_prefix)
        assert units.filter(kind=UnitKind.SERVICE_GROUP).count() == 8
        assert units.get(kind=UnitKind.TASKFORCE).parent.name == "大连市营商环境工作专班"
        assert User.objects.filter(username__startswith=district.username_prefix).count() > 400
        codes = Enterprise.objects.filter(street__name__startswith=district.unit_prefix).values_list(
            "credit_code", flat=True
        )
        assert codes and all(code[2:8] == district.division and credit_code_error(code) is None for code in codes)
    # every active cadre has one active pairing, in its own district
    active = Assignment.objects.active().select_related("cadre__unit", "enterprise__street")
    assert all(a.cadre.unit.name[:5] == a.enterprise.street.name[:5] for a in active)
    assert two_districts.created["pairings"] == Assignment.objects.count()


def test_a_year_of_visits_and_about_two_appeals_a_pairing(two_districts, db):
    months = {v.replace(day=1) for v in Visit.objects.values_list("date", flat=True)}
    assert len(months) == 12
    pairings = Assignment.objects.active().count()
    assert 1.2 * pairings < Appeal.objects.count() < 2.5 * pairings
    states = Counter(Appeal.objects.values_list("status", flat=True))
    assert {"handling", "suspended", "resolved", "closed", "withdrawn", "out_of_scope"} <= set(states)
    assert AppealEvent.objects.count() == two_districts.created["appeal events"]


def test_the_districts_appeals_are_what_the_services_record(two_districts, db):
    appeal_fields = [f.attname for f in Appeal._meta.concrete_fields if f.attname != "id"]
    examples = {}
    for appeal in Appeal.objects.order_by("pk"):
        examples.setdefault(_shape(appeal), appeal)
    assert len(examples) >= 30
    with mock.patch("django.utils.timezone.now", return_value=FIXED_NOW), translation.override(settings.LANGUAGE_CODE):
        for appeal in list(examples.values())[:40]:
            again = _replay(appeal)
            assert {f: getattr(again, f) for f in appeal_fields} == {f: getattr(appeal, f) for f in appeal_fields}
    # and the leaders named in supervision notices are their district's own
    for appeal in Appeal.objects.filter(supervising_leader__isnull=False).select_related(
        "supervising_leader__unit", "enterprise__street"
    ):
        assert appeal.supervising_leader.unit.name[:5] == appeal.enterprise.street.name[:5]
    assert Cadre.objects.filter(rank="district").count() > 0

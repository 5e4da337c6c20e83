"""FastRenderer writes the forms of the pages exactly as Django's template renderer does."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from appeals.forms import ACTION_FORMS, BulkAssignForm, action_form
from appeals.models import Appeal, AppealCategory, Status, Tier
from appeals.selectors import AppealFilter, appeal_list
from enterprises.models import Enterprise
from liaison.filters import EnterpriseFilter
from liaison.models import Role
from liaison.renderers import FastRenderer
from liaison.web.common import style_form
from tests import factories

pytestmark = pytest.mark.django_db


def _both(form: forms.BaseForm) -> tuple[str, str]:
    """Every field of `form` rendered by FastRenderer and by Django's own."""
    rendered = []
    for renderer in (FastRenderer(), DjangoTemplates()):
        form.renderer = renderer
        rendered.append("\n".join(str(form[name]) for name in form.fields))
    return rendered[0], rendered[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": '<b>"公司"</b> & co', "industry_section": "C", "above_scale": "true", "status": "operating",
         "paired": "false", "ownership": "private"},
        {"industry_section": "nonsense", "high_tech": "maybe"},
    ],
)
def test_the_enterprise_filter_renders_as_django_renders_it(data, language):
    factories.make_street(name="滨海街道")
    with translation.override(language):
        form = style_form(EnterpriseFilter(data, queryset=Enterprise.objects.all()).form)
        form.is_valid()
        fast, django = _both(form)
    assert fast == django and "<select" in fast and "<option" in fast


@pytest.mark.parametrize(
    "data",
    [None, {"q": "融资 & <贷款>", "status": ["handling", "suspended"], "tier": "3", "overdue": "true",
            "raised_after": "2026-01-01", "raised_before": "2026-02-01", "urgency": "urgent"}],
)
def test_the_appeal_filter_and_bulk_form_render_as_django_renders_them(data, taskforce_user):
    form = style_form(AppealFilter(data, queryset=appeal_list(viewer=taskforce_user)).form)
    form.is_valid()
    fast, django = _both(form)
    assert fast == django and 'multiple' in fast
    bulk = BulkAssignForm({"appeals": ["1"], "workdays": "x", "comment": 'a"b'}, auto_id="bulk_%s")
    bulk.is_valid()
    fast, django = _both(bulk)
    assert fast == django


@pytest.mark.parametrize(("tier", "status", "press_level"), [
    (Tier.INDIVIDUAL, Status.HANDLING, 0),
    (Tier.UNIT, Status.SUSPENDED, 1),
    (Tier.TASKFORCE, Status.HANDLING, 1),
    (Tier.TASKFORCE, Status.RESOLVED, 2),
])
def test_every_action_form_renders_as_django_renders_it(tier, status, press_level, clock):
    clock.set(date(2026, 6, 3))
    pairing = factories.make_pairing_with_login()
    factories.make_service_group()
    factories.make_cadre(rank="district", user=factories.make_user(role=Role.LEADER))
    appeal = Appeal(
        pk=1, enterprise=pairing.enterprise, cadre=pairing.cadre, raised_by=pairing.cadre.user, tier=tier,
        status=status, press_level=press_level, version=3, deadline=date(2026, 6, 10),
        category=AppealCategory.objects.first(), handler_cadre=pairing.cadre if tier == Tier.INDIVIDUAL else None,
        handler_unit=pairing.cadre.unit if tier == Tier.UNIT else None,
    )
    for name in ACTION_FORMS:
        for data in (None, {"version": "3", "reason": "<x>", "workdays": "0", "verdict": "satisfied"}):
            form = action_form(name, appeal=appeal, data=data)
            if data is not None:
                form.is_valid()
            fast, django = _both(form)
            assert fast == django, name

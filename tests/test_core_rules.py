"""Database constraints and the services that keep the roster and visits right."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import translation

from liaison import services
from liaison.models import Assignment, Visit, VisitAttachment
from liaison.selectors import today
from tests import factories
from tests.api_support import PNG_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English; the Chinese ones are checked on the pages."""
    with translation.override("en"):
        yield


PNG = PNG_BYTES  # a real image: attachments are decoded and written again
PDF = b"%PDF-1.4\n%fake but well-formed header\n"


# --- Database constraints ---------------------------------------------------------------------


def test_database_refuses_a_second_active_pairing_for_a_cadre():
    # given a cadre with an active pairing
    pairing = factories.make_assignment()
    # when a second active pairing is written around the services
    # then PostgreSQL refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            cadre=pairing.cadre, enterprise=factories.make_enterprise(), started_on=date(2024, 2, 1)
        )


def test_database_refuses_a_second_active_pairing_for_an_enterprise():
    pairing = factories.make_assignment()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            cadre=factories.make_cadre(), enterprise=pairing.enterprise, started_on=date(2024, 2, 1)
        )


def test_database_allows_many_ended_pairings_for_the_same_enterprise():
    enterprise = factories.make_enterprise()
    for month in (1, 2, 3):
        factories.make_assignment(
            enterprise=enterprise, started_on=date(2023, month, 1), ended_on=date(2023, month, 20)
        )
    factories.make_assignment(enterprise=enterprise, started_on=date(2024, 1, 1))
    assert enterprise.assignments.count() == 4


def test_database_refuses_a_pairing_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_assignment(started_on=date(2024, 5, 1), ended_on=date(2024, 4, 30))


def test_database_refuses_a_malformed_credit_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_enterprise(credit_code="91440300I92203821O")


def test_database_refuses_a_duplicate_credit_code():
    enterprise = factories.make_enterprise()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_enterprise(credit_code=enterprise.credit_code)


# --- Pairing services -------------------------------------------------------------------------


def test_repairing_ends_both_old_pairings_and_keeps_their_history(taskforce_user):
    # given cadre A with enterprise X and cadre B with enterprise Y
    a_x = factories.make_assignment(started_on=date(2024, 1, 1))
    b_y = factories.make_assignment(started_on=date(2024, 1, 1))
    # when A is re-paired with Y
    new = services.assignment_pair(
        cadre=a_x.cadre, enterprise=b_y.enterprise, acting_user=taskforce_user, reason="岗位调整"
    )
    # then both old pairings are ended with the reason, and the new one is the only active one for each side
    a_x.refresh_from_db()
    b_y.refresh_from_db()
    assert a_x.ended_on == today() and "岗位调整" in a_x.end_reason
    assert b_y.ended_on == today()
    assert list(Assignment.objects.active().filter(cadre=a_x.cadre)) == [new]
    assert list(Assignment.objects.active().filter(enterprise=b_y.enterprise)) == [new]
    # and the change history names who did it
    assert new.history.first().history_user == taskforce_user
    assert a_x.history.first().history_user == taskforce_user


def test_repairing_without_a_reason_is_refused_and_changes_nothing(taskforce_user):
    pairing = factories.make_assignment()
    with pytest.raises(ValidationError, match="reason"):
        services.assignment_pair(
            cadre=factories.make_cadre(), enterprise=pairing.enterprise, acting_user=taskforce_user
        )
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    assert Assignment.objects.count() == 1


def test_pairing_an_inactive_cadre_is_refused(taskforce_user):
    cadre = factories.make_cadre(active=False)
    with pytest.raises(ValidationError, match="not active"):
        services.assignment_pair(cadre=cadre, enterprise=factories.make_enterprise(), acting_user=taskforce_user)


def test_pairing_a_closed_enterprise_is_refused(taskforce_user):
    enterprise = factories.make_enterprise(status="closed")
    with pytest.raises(ValidationError, match="closed"):
        services.assignment_pair(cadre=factories.make_cadre(), enterprise=enterprise, acting_user=taskforce_user)


def test_only_taskforce_staff_may_pair(leader_user, pairing):
    with pytest.raises(PermissionDenied):
        services.assignment_pair(
            cadre=factories.make_cadre(), enterprise=factories.make_enterprise(), acting_user=leader_user
        )
    with pytest.raises(PermissionDenied):
        services.assignment_pair(
            cadre=factories.make_cadre(), enterprise=factories.make_enterprise(), acting_user=pairing.cadre.user
        )


def test_ending_a_pairing_needs_a_reason_and_records_it(taskforce_user, pairing):
    with pytest.raises(ValidationError):
        services.assignment_end(assignment=pairing, acting_user=taskforce_user, reason=" ")
    services.assignment_end(assignment=pairing, acting_user=taskforce_user, reason="企业迁出本区")
    pairing.refresh_from_db()
    assert pairing.ended_on == today() and pairing.end_reason == "企业迁出本区"


# --- Visit services ---------------------------------------------------------------------------


def _visit_kwargs(**overrides):
    values = {"date": today(), "method": "on_site", "summary": "走访了解生产经营"}
    values.update(overrides)
    return values


def test_a_cadre_logs_a_visit_to_their_own_enterprise_with_attachments(pairing):
    files = [SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("纪要.pdf", PDF)]
    visit = services.visit_create(
        acting_user=pairing.cadre.user, enterprise=pairing.enterprise, files=files, **_visit_kwargs()
    )
    assert visit.assignment == pairing and visit.cadre == pairing.cadre
    assert sorted(a.content_type for a in visit.attachments.all()) == ["application/pdf", "image/png"]


def test_a_visit_to_another_cadres_enterprise_is_refused(pairing, other_pairing):
    with pytest.raises(PermissionDenied):
        services.visit_create(acting_user=pairing.cadre.user, enterprise=other_pairing.enterprise, **_visit_kwargs())
    assert not Visit.objects.exists()


def test_a_visit_dated_in_the_future_is_refused(pairing):
    with pytest.raises(ValidationError, match="future"):
        services.visit_create(
            acting_user=pairing.cadre.user,
            enterprise=pairing.enterprise,
            **_visit_kwargs(date=today() + timedelta(days=1)),
        )


def test_a_visit_before_the_pairing_started_is_refused(pairing):
    with pytest.raises(ValidationError, match="started"):
        services.visit_create(
            acting_user=pairing.cadre.user,
            enterprise=pairing.enterprise,
            **_visit_kwargs(date=pairing.started_on - timedelta(days=1)),
        )


def test_a_visit_after_the_pairing_ended_is_refused(pairing, taskforce_user):
    services.assignment_end(assignment=pairing, acting_user=taskforce_user, reason="调整")
    with pytest.raises(PermissionDenied):
        services.visit_create(acting_user=pairing.cadre.user, enterprise=pairing.enterprise, **_visit_kwargs())


@override_settings(VISIT_ATTACHMENT_MAX_BYTES=1000)
def test_an_attachment_over_the_limit_refuses_the_whole_visit(pairing):
    files = [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("big.pdf", PDF + b"x" * 2000)]
    with pytest.raises(ValidationError, match="limit"):
        services.visit_create(
            acting_user=pairing.cadre.user, enterprise=pairing.enterprise, files=files, **_visit_kwargs()
        )
    # nothing half-saved
    assert not Visit.objects.exists() and not VisitAttachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "not an accepted file type"),
        ("fake.pdf", b"GIF89a....", "does not look like"),
        ("empty.png", b"", "empty"),
    ],
)
def test_an_attachment_of_the_wrong_kind_is_refused(pairing, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.visit_create(
            acting_user=pairing.cadre.user,
            enterprise=pairing.enterprise,
            files=[SimpleUploadedFile(name, content)],
            **_visit_kwargs(),
        )
    assert not Visit.objects.exists()


@override_settings(VISIT_ATTACHMENT_MAX_FILES=2)
def test_too_many_attachments_are_refused(pairing):
    files = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(3)]
    with pytest.raises(ValidationError, match="at most 2"):
        services.visit_create(
            acting_user=pairing.cadre.user, enterprise=pairing.enterprise, files=files, **_visit_kwargs()
        )


def test_only_the_visiting_cadre_may_correct_a_visit(pairing, taskforce_user):
    visit = services.visit_create(acting_user=pairing.cadre.user, enterprise=pairing.enterprise, **_visit_kwargs())
    with pytest.raises(PermissionDenied):
        services.visit_update(visit=visit, acting_user=taskforce_user, summary="改写")
    services.visit_update(visit=visit, acting_user=pairing.cadre.user, summary="补充：企业有融资需求")
    visit.refresh_from_db()
    assert visit.summary == "补充：企业有融资需求"
    assert visit.history.count() == 2


def test_an_inactive_cadre_cannot_log_visits(pairing):
    pairing.cadre.active = False
    pairing.cadre.save()
    with pytest.raises(PermissionDenied):
        services.visit_create(acting_user=pairing.cadre.user, enterprise=pairing.enterprise, **_visit_kwargs())


def test_a_unit_cannot_become_its_own_ancestor(taskforce_user):
    # given task force > working group > sub-group
    top = factories.make_unit(name="专班")
    middle = factories.make_unit(name="工作组", parent=top)
    bottom = factories.make_unit(name="小组", parent=middle)
    # when the top is moved under the bottom
    top.parent = bottom
    # then it is refused and nothing changes
    with pytest.raises(ValidationError, match="inside itself"):
        services.unit_save(unit=top, acting_user=taskforce_user)
    top.refresh_from_db()
    assert top.parent is None

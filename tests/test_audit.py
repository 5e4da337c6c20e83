"""The audit log: sign-ins, failures, lock-outs, unlocks, passwords, tokens, exports and admin actions,
with who, when, from where and what; kept at least 180 days; read by administrators only."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services as account_services
from audit import services
from audit.models import AuditEvent, Kind
from audit.tasks import audit_purge
from liaison.models import Role, Unit
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"
NEW_PASSWORD = "Hai-yun-2026-river"


def browser(address: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="zh-hans")


def signed_in(user, address: str = "10.0.0.9") -> Client:
    client = browser(address)
    client.force_login(user)
    return client


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


@pytest.fixture
def cadre(db):
    return factories.make_user(role=Role.CADRE)


# --- What is recorded ----------------------------------------------------------------------------


def test_a_sign_in_and_a_failed_one_are_recorded_with_who_when_and_where(cadre):
    # when a cadre fails once, then signs in, from 10.1.2.3
    client = browser("10.1.2.3")
    client.post("/accounts/login/", {"username": cadre.username, "password": "wrong"})
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # then both are in the log, in order, with the address and the user name typed
    failed, login = AuditEvent.objects.order_by("id")
    assert (failed.kind, failed.username, failed.user, failed.address) == (
        Kind.LOGIN_FAILED, cadre.username, None, "10.1.2.3",
    )
    assert (login.kind, login.user, login.address, login.path) == (Kind.LOGIN, cadre, "10.1.2.3", "/accounts/login/")
    assert timezone.now() - login.at < timedelta(minutes=1)


def test_a_lock_out_and_the_unlock_are_recorded(cadre, taskforce_user):
    # given a cadre locked out
    client = browser("10.1.2.4")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": cadre.username, "password": "wrong"})
    # when task-force staff unlock them
    signed_in(taskforce_user).post("/accounts/lockouts/", {"username": cadre.username})
    # then the lock-out and the unlock (by whom, of whom) are in the log
    locked = AuditEvent.objects.get(kind=Kind.LOCKED_OUT)
    unlocked = AuditEvent.objects.get(kind=Kind.UNLOCKED)
    assert locked.username == cadre.username and locked.address == "10.1.2.4"
    assert unlocked.user == taskforce_user and unlocked.summary == cadre.username
    assert unlocked.detail["attempts_cleared"] >= 1


def test_password_changes_by_the_user_and_by_staff_are_recorded(cadre, admin_user_):
    # when the cadre changes their password, then an administrator sets it
    signed_in(cadre).post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    signed_in(admin_user_).post(
        f"/admin/liaison/user/{cadre.pk}/password/",
        {"password1": PASSWORD + "-x9", "password2": PASSWORD + "-x9", "usable_password": "true"},
    )
    # then both are recorded, the second as the administrator's act on the cadre
    mine = AuditEvent.objects.get(kind=Kind.PASSWORD_CHANGED)
    staff = AuditEvent.objects.get(kind=Kind.PASSWORD_SET)
    assert mine.user == cadre
    assert staff.user == admin_user_ and staff.summary == cadre.username
    assert staff.detail["target_user_id"] == cadre.pk


def test_token_creation_and_revocation_are_recorded(cadre):
    # when a token is obtained and revoked over the API
    client = client_for(None)
    key = client.post("/api/v1/auth/token/", {"username": cadre.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.delete("/api/v1/auth/token/")
    # then both rows name the user and the token's first characters, never the key
    created = AuditEvent.objects.get(kind=Kind.TOKEN_CREATED)
    revoked = AuditEvent.objects.get(kind=Kind.TOKEN_REVOKED)
    assert created.user == cadre and created.summary == f"{key[:8]}…"
    assert revoked.user == cadre and revoked.detail["reason"] == "user"
    assert key not in str(created.detail) + str(revoked.detail)


@pytest.mark.parametrize(
    ("path", "ledger"),
    [
        ("/data/export/roster.xlsx", "roster"),
        ("/data/export/visits.xlsx", "visits"),
        ("/api/v1/exports/roster.xlsx", "roster"),
        ("/api/v1/exports/visits.xlsx", "visits"),
    ],
)
def test_every_ledger_export_is_recorded_with_its_filters(taskforce_user, path, ledger):
    factories.make_visit()
    # when task-force staff export a ledger with a filter
    response = signed_in(taskforce_user).get(path, {"q": "企业"})
    # then the export is recorded with who and which filter
    assert response.status_code == 200
    event = AuditEvent.objects.get(kind=Kind.EXPORT)
    assert event.user == taskforce_user and event.summary == ledger
    assert event.detail["params"] == {"q": "企业"}


def test_the_appeal_export_is_recorded(taskforce_user):
    response = signed_in(taskforce_user).get("/appeals/export.xlsx")
    assert response.status_code == 200
    assert AuditEvent.objects.get(kind=Kind.EXPORT).summary == "appeals"


def test_a_refused_export_is_not_recorded_as_one(cadre):
    response = signed_in(cadre).get("/data/export/roster.xlsx")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=Kind.EXPORT).exists()


def test_admin_changes_and_bulk_log_entries_are_recorded(admin_user_):
    unit = factories.make_unit(name="发改局")
    # when an administrator renames a unit in the admin
    response = signed_in(admin_user_, "10.3.3.3").post(
        f"/admin/liaison/unit/{unit.pk}/change/", {"name": "发展和改革局", "kind": unit.kind, "function": ""}
    )
    # and two log entries are written at once (as the admin's bulk actions do)
    others = Unit.objects.filter(pk__in=[factories.make_unit().pk, factories.make_unit().pk])
    LogEntry.objects.log_actions(admin_user_.pk, others, CHANGE, "bulk")
    # then each is in the audit log with the model and the object
    assert response.status_code == 302
    rows = AuditEvent.objects.filter(kind=Kind.ADMIN).order_by("id")
    assert rows.count() == 3
    first = rows[0]
    assert first.user == admin_user_ and first.address == "10.3.3.3"
    assert first.detail["model"] == "liaison.unit" and first.detail["action"] == "change"
    assert "发展和改革局" in first.summary


# --- Reading it ----------------------------------------------------------------------------------


def test_only_administrators_read_the_audit_page_and_api(cadre, taskforce_user, leader_user, admin_user_):
    services.audit_record(kind=Kind.LOGIN, user=cadre)
    # when each role opens the page and the API
    for user in (cadre, taskforce_user, leader_user):
        assert signed_in(user).get("/audit/").status_code == 403
        assert signed_in(user).get("/audit/export.xlsx").status_code == 403
        assert client_for(user).get("/api/v1/audit/").status_code == 403
    assert browser().get("/audit/").status_code == 302
    assert client_for(None).get("/api/v1/audit/").status_code in (401, 403)
    # then only the administrator reads it
    page = signed_in(admin_user_).get("/audit/")
    assert page.status_code == 200 and "审计日志" in page.content.decode()
    assert client_for(admin_user_).get("/api/v1/audit/").status_code == 200


def test_the_page_and_the_api_filter_by_user_kind_and_dates(cadre, admin_user_):
    # given events of two users, kinds and days
    other = factories.make_user()
    services.audit_record(kind=Kind.LOGIN, user=cadre)
    services.audit_record(kind=Kind.LOGIN_FAILED, username=cadre.username)
    services.audit_record(kind=Kind.LOGIN, user=other)
    week_ago = timezone.localdate() - timedelta(days=7)
    a_week_ago = timezone.now() - timedelta(days=7)
    AuditEvent.objects.create(kind=Kind.LOGIN, user=cadre, username=cadre.username, at=a_week_ago)
    client = signed_in(admin_user_)
    api = client_for(admin_user_)
    # when filtered
    by_user_kind = api.get("/api/v1/audit/", {"user": cadre.username, "kind": "login"}).json()
    by_date = api.get("/api/v1/audit/", {"date_before": str(week_ago), "kind": "login"}).json()
    page = client.get("/audit/", {"user": cadre.username, "kind": "login_failed"}).content.decode()
    # then only the matching rows
    assert by_user_kind["count"] == 2
    assert by_date["count"] == 1
    assert page.count('data-kind="login_failed"') == 1 and 'data-kind="login"' not in page


def test_the_audit_export_is_an_excel_workbook_of_the_filtered_rows_and_is_audited(cadre, admin_user_):
    services.audit_record(kind=Kind.LOGIN, user=cadre)
    services.audit_record(kind=Kind.LOGIN_FAILED, username="nobody")
    # when the administrator exports failed sign-ins
    response = signed_in(admin_user_).get("/audit/export.xlsx", {"kind": "login_failed"})
    # then the workbook holds the header and that row, and the export itself is logged
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "类型", "用户")
    assert len(rows) == 2 and rows[1][1] == "登录失败" and rows[1][2] == "nobody"
    assert AuditEvent.objects.filter(kind=Kind.EXPORT, summary="audit", user=admin_user_).exists()


@pytest.mark.parametrize("count", [5, 60])
def test_the_audit_page_takes_the_same_queries_for_few_and_many_rows(admin_user_, count, django_assert_max_num_queries):
    AuditEvent.objects.bulk_create([AuditEvent(kind=Kind.LOGIN, username=f"u{i}") for i in range(count)])
    client = signed_in(admin_user_)
    with django_assert_max_num_queries(6):
        response = client.get("/audit/")
    assert response.status_code == 200


# --- Retention -----------------------------------------------------------------------------------


def test_the_purge_deletes_only_rows_older_than_the_retention(settings):
    # given rows of 200 and 10 days ago, and a retention of 180 days
    settings.AUDIT_RETENTION_DAYS = 180
    old = AuditEvent.objects.create(kind=Kind.LOGIN, username="old", at=timezone.now() - timedelta(days=200))
    young = AuditEvent.objects.create(kind=Kind.LOGIN, username="young", at=timezone.now() - timedelta(days=10))
    # when the nightly job runs
    deleted = audit_purge.delay().get()
    # then only the old row is gone
    assert deleted == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [young.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_the_retention_is_never_under_180_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    assert services.retention_days() == 180
    with pytest.raises(ValueError):
        services.audit_purge(days=30)


def test_the_database_refuses_to_delete_a_young_row_or_change_any(cadre):
    row = services.audit_record(kind=Kind.LOGIN, user=cadre)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(summary="edited")
    assert AuditEvent.objects.get(pk=row.pk).summary == ""


def test_a_deleted_user_leaves_their_rows_with_the_user_name():
    user = factories.make_user(username="leaver")
    services.audit_record(kind=Kind.LOGIN, user=user)
    user.delete()
    row = AuditEvent.objects.get()
    assert row.user is None and row.username == "leaver"


def test_must_change_users_still_get_audited_sign_ins():
    user = factories.make_user()
    account_services.password_change_require(users=[user])
    browser().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert kinds() == [Kind.LOGIN]


def test_every_ledger_export_view_is_audited():
    """A new export view (a name with export, xlsx or pdf in */views.py) must carry @audited_export."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found, missing = set(), []
    for path in [*root.glob("*/views.py"), root / "liaison" / "data_views.py"]:
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"((?:^@.*\n)+)def (\w*(?:export|xlsx|pdf)\w*)\(request", source, re.M):
            found.add(match.group(2))
            if "@audited_export" not in match.group(1):
                missing.append(f"{path.parent.name}.{match.group(2)}")
    assert missing == []
    assert {"export_roster", "export_visits", "appeal_export", "bulletin_xlsx", "evaluation_export_view"} <= found


def test_sign_out_and_tokens_dying_with_a_deactivated_account_are_recorded(cadre, admin_user_):
    # given a signed-in cadre with a token
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    account_services.token_create(user=cadre)
    # when they sign out, and their account is deactivated
    client.post("/accounts/logout/")
    cadre.is_active = False
    cadre.save()
    # then the sign-out and the token's death are in the log, in order
    assert kinds() == [Kind.LOGIN, Kind.TOKEN_CREATED, Kind.LOGOUT, Kind.TOKEN_REVOKED]
    assert AuditEvent.objects.get(kind=Kind.TOKEN_REVOKED).detail["reason"] == "deactivated"


def test_an_administrator_reads_one_event_over_the_api(cadre, admin_user_):
    event = services.audit_record(kind=Kind.LOGIN, user=cadre, summary="x")
    body = client_for(admin_user_).get(f"/api/v1/audit/{event.pk}/").json()
    assert body["kind"] == "login" and body["username"] == cadre.username and body["user"] == cadre.pk
    assert client_for(cadre).get(f"/api/v1/audit/{event.pk}/").status_code == 403


def test_staff_revoke_tokens_from_the_admin(cadre, admin_user_):
    from accounts.models import ApiToken

    token, _key = account_services.token_create(user=cadre)
    response = signed_in(admin_user_).post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk], "index": 0}
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    assert token.revoked_at is not None and token.revoke_reason == "staff"
    revoked = AuditEvent.objects.get(kind=Kind.TOKEN_REVOKED)
    assert revoked.user == admin_user_ and revoked.detail["owner_id"] == cadre.pk

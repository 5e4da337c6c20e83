"""The audit log listens: Django's sign-in signals, axes' lock-outs, accounts' token and password signals,
liaison's export signal, and the admin's log entries. Nothing it listens to imports it."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from audit.models import Kind
from audit.services import audit_build, audit_record, audit_record_many


def _on_login(sender, request, user, **kwargs):
    audit_record(kind=Kind.LOGIN, user=user, request=request)


def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=Kind.LOGOUT, user=user, request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "") or ""
    audit_record(kind=Kind.LOGIN_FAILED, username=str(username), request=request)


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_record(
        kind=Kind.LOCKED_OUT,
        username=username or "",
        request=request,
        summary=f"{username or ''} {ip_address or ''}".strip(),
        detail={"ip_address": ip_address},
    )


def _on_lockout_reset(sender, username="", ip_address="", count=0, acting_user=None, request=None, **kwargs):
    audit_record(
        kind=Kind.UNLOCKED,
        user=acting_user,
        request=request,
        summary=username or ip_address,
        detail={"username": username, "ip_address": ip_address, "attempts_cleared": count},
    )


def _on_password_changed(sender, user, acting_user=None, request=None, **kwargs):
    if acting_user is None or acting_user.pk == user.pk:
        audit_record(kind=Kind.PASSWORD_CHANGED, user=user, request=request, summary=user.get_username())
    else:
        audit_record(
            kind=Kind.PASSWORD_SET,
            user=acting_user,
            request=request,
            summary=user.get_username(),
            detail={"target_user_id": user.pk},
        )


def _on_token_created(sender, token, acting_user=None, request=None, **kwargs):
    audit_record(
        kind=Kind.TOKEN_CREATED,
        user=token.user,
        request=request,
        summary=f"{token.prefix}…",
        detail={"token_id": token.pk, "expires_at": token.expires_at.isoformat(), "client": token.client},
    )


def _on_token_revoked(sender, token, acting_user=None, reason="", request=None, **kwargs):
    audit_record(
        kind=Kind.TOKEN_REVOKED,
        user=acting_user or token.user,
        request=request,
        summary=f"{token.prefix}… ({token.user.get_username()})",
        detail={"token_id": token.pk, "owner_id": token.user_id, "reason": reason},
    )


def _on_export(sender, ledger, request, params=None, **kwargs):
    audit_record(kind=Kind.EXPORT, user=request.user, request=request, summary=ledger, detail={"params": params or {}})


def record_admin_entries(entries) -> None:
    """One audit row per admin log entry, written together: a bulk delete of N rows costs one insert."""
    from django.contrib.admin.models import ADDITION, CHANGE, DELETION
    from django.contrib.contenttypes.models import ContentType

    from liaison.models import User

    flags = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}
    users = {u.pk: u for u in User.objects.filter(pk__in={e.user_id for e in entries if e.user_id})}
    events = []
    for entry in entries:
        content_type = ContentType.objects.get_for_id(entry.content_type_id)
        action = flags.get(entry.action_flag, str(entry.action_flag))
        model = f"{content_type.app_label}.{content_type.model}"
        events.append(
            audit_build(
                kind=Kind.ADMIN,
                user=users.get(entry.user_id),
                summary=f"{action} {model} {entry.object_repr}",
                detail={
                    "action": action,
                    "model": model,
                    "object_id": entry.object_id,
                    "change_message": entry.get_change_message(),
                },
            )
        )
    audit_record_many(events)


def _wrap_admin_log() -> None:
    """The admin writes its log through LogEntryManager.log_actions, in bulk (no post_save) for deletions;
    wrap it once so every entry gets its audit row."""
    from django.contrib.admin.models import LogEntryManager

    original = LogEntryManager.log_actions
    if getattr(original, "_audited", False):
        return

    def log_actions(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        entries = [result] if kwargs.get("single_object") else list(result)
        record_admin_entries(entries)
        return result

    log_actions._audited = True
    LogEntryManager.log_actions = log_actions


def connect() -> None:
    from axes.signals import user_locked_out

    from accounts import signals as account_signals
    from liaison.auditing import ledger_exported

    user_logged_in.connect(_on_login, dispatch_uid="audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
    account_signals.lockout_reset.connect(_on_lockout_reset, dispatch_uid="audit_unlocked")
    account_signals.password_changed.connect(_on_password_changed, dispatch_uid="audit_password")
    account_signals.token_created.connect(_on_token_created, dispatch_uid="audit_token_created")
    account_signals.token_revoked.connect(_on_token_revoked, dispatch_uid="audit_token_revoked")
    ledger_exported.connect(_on_export, dispatch_uid="audit_export")
    _wrap_admin_log()

"""Lock-out after failed sign-ins (django-axes), per user name and per address, with separate limits.

Axes counts failures in AccessAttempt rows; this handler locks a user name after
LOGIN_FAILURE_LIMIT failures and an address after LOGIN_FAILURE_LIMIT_PER_ADDRESS (higher by
default: a whole office may sign in from one NAT address), and a success clears only that user's count.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind the proxy (BEHIND_PROXY) the last X-Forwarded-For entry, which the
    proxy itself appended; otherwise REMOTE_ADDR. Earlier entries are the client's to forge."""
    meta = getattr(request, "META", {})
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return meta.get("REMOTE_ADDR") or None


def _failures(**filters) -> int:
    qs = AccessAttempt.objects.filter(**filters)
    if settings.AXES_COOLOFF_TIME is not None:
        from django.utils import timezone

        qs = qs.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return qs.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Failures counted against the per-user limit; an address over its own limit counts as the full limit."""
        username = get_client_username(request, credentials)
        by_user = _failures(username=username) if username else 0
        address = getattr(request, "axes_ip_address", None)
        if address and _failures(ip_address=address) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(by_user, settings.AXES_FAILURE_LIMIT)
        return by_user

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in clears that user's failures, not those of everyone at the address."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_minutes() -> int | None:
    cool_off = settings.AXES_COOLOFF_TIME
    return None if cool_off is None else int(cool_off.total_seconds() // 60)


def lockout_message() -> str:
    minutes = lockout_minutes()
    if minutes is None:
        return _(
            "Too many failed sign-ins: this account or address is locked. "
            "Ask the task force or an administrator to unlock it."
        )
    return _(
        "Too many failed sign-ins: this account or address is locked for %(minutes)d minutes. "
        "To unlock it sooner, ask the task force or an administrator."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """Axes' answer to a locked-out sign-in: JSON for the API, the portal's page for browsers (429)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=status)
    minutes = lockout_minutes()
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response

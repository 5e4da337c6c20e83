"""Per-request sign-in security for the browser: an idle timeout that slides, and the forced password change."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.authentication import SESSION_FLAG

LAST_SEEN = "last_seen"
# The session's expiry is pushed forward at most this often: a session write per minute, not per request.
TOUCH_SECONDS = 60


class SessionIdleMiddleware:
    """Sessions end after SESSION_IDLE_MINUTES without a request (SESSION_COOKIE_AGE), the expiry sliding on
    activity. Saving the session moves its expiry and the cookie's; it is saved at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.session_key is not None
            and request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        ):
            now = int(time.time())
            last = session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_COOKIE_AGE:
                # The store would have let it expire already; this also covers a store that does not.
                session.flush()
            elif last is None or now - last >= TOUCH_SECONDS:
                session[LAST_SEEN] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A signed-in user who must change their password is sent to the change page from every page
    but the change page itself, sign-out, the language switch and static files. The API answers 403
    itself (accounts.authentication), so that token clients are refused too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_FLAG) and not self._allowed(request.path):
            if request.path.startswith("/api/"):
                return self.get_response(request)
            target = reverse("password_change")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed = (
            reverse("password_change"),
            reverse("password_change_done"),
            reverse("logout"),
            "/i18n/",
            "/" + settings.STATIC_URL.lstrip("/"),
        )
        return path.startswith(allowed)

"""Turn service-layer errors into API responses: Django's ValidationError becomes a 400 with
field messages, PermissionDenied a 403, exactly as the browser shows them. An appeal move its
state does not allow (appeals' TransitionError) or made on a stale version (ConcurrentChange) — any
`liaison.extensions.StateConflict` — is a 409 Conflict whose `code` says which.

Also the site's own error pages (400, 403, 404, 500 and the CSRF refusal): the portal's pages in the
reader's language with the reason the code gave, or JSON under /api/. DRF's own messages come in the
request's language from DRF's catalogue (zh_Hans by default, LANGUAGE_CODE)."""

import logging
import re

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, Resolver404, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from liaison.extensions import StateConflict


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This conflicts with the record's current state.")
    default_code = "conflict"


def _conflict(context, *, code: str, message: str, **extra):
    response = drf_exception_handler(Conflict(message, code), context)
    response.data.update(code=code, **extra)
    return response


def exception_handler(exc, context):
    # A state conflict may be a ValidationError (TransitionError): it must be told apart before the 400 branch.
    if isinstance(exc, StateConflict):
        return _conflict(context, code=exc.conflict_code, message=exc.conflict_message(), **exc.conflict_extra())
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


# --- The site's error pages ---------------------------------------------------------------------

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff]")
# Django's own texts for a missing object or route: English and about the code, not for the reader.
_STOCK_REASON = re.compile(r"^No .* matches the given query\.?$|^The current path, .*, didn.t match")

SERVER_ERROR = _("Something went wrong on the server. The error has been logged; please try again later, or tell "
                 "the task force what you were doing.")
CSRF_REASON = _("The form has expired or its origin could not be checked. Go back, reload the page and send it "
                "again.")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_reason(exception) -> str:
    """The reason the code raised, if it is one for the reader: a message string (not a route's or a query's
    stock text, nor the class name), in the page's language — an English message is left out of a Chinese page."""
    if exception is None or isinstance(exception, Resolver404):
        return ""
    args = getattr(exception, "args", ())
    reason = args[0] if args else ""
    if isinstance(reason, Promise):
        reason = str(reason)
    if not isinstance(reason, str):
        return ""
    reason = reason.strip()
    if not reason or _STOCK_REASON.search(reason):
        return ""
    if (get_language() or "").startswith("zh") and not _CJK.search(reason):
        return ""
    return reason


def _home() -> str:
    try:
        return reverse("home")
    except NoReverseMatch:
        return "/"


def _page(request, template: str, status_code: int, exception=None, reason: str = ""):
    reason = reason or error_reason(exception)
    return render(request, template, {"reason": reason, "home": _home()}, status=status_code)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.ParseError.default_detail), "code": "parse_error"}, status=400)
    return _page(request, "400.html", 400, exception)


def permission_denied(request, exception):
    """The site's 403: the portal's page with the code's reason (JSON under /api/)."""
    if _is_api(request):
        detail = error_reason(exception) or str(exceptions.PermissionDenied.default_detail)
        return JsonResponse({"detail": detail, "code": "permission_denied"}, status=403)
    return _page(request, "403.html", 403, exception)


def page_not_found(request, exception):
    """The site's 404: JSON under /api/ (an id the route does not take, such as `/api/v1/units/x/`),
    the portal's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail), "code": "not_found"}, status=404)
    return _page(request, "404.html", 404, exception)


def server_error(request):
    """The site's 500, drawn without the database, the session or context processors (any of them may be what
    failed): a standalone page in the request's language, or JSON under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": str(SERVER_ERROR), "code": "server_error"}, status=500)
    html = loader.get_template("500.html").render({"home": _home(), "message": SERVER_ERROR,
                                                  "language": get_language() or "zh-hans"})
    return HttpResponseServerError(html)


def csrf_failure(request, reason=""):
    """A refused form (CSRF): the portal's 403 saying what to do, not Django's technical page."""
    logger.warning("CSRF refused on %s: %s", request.path, reason)
    if _is_api(request):
        return JsonResponse({"detail": str(CSRF_REASON), "code": "csrf_failed"}, status=403)
    return _page(request, "403.html", 403, reason=str(CSRF_REASON))


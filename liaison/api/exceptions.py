"""Turn service-layer errors into API responses: Django's ValidationError becomes a 400 with
field messages, PermissionDenied a 403, exactly as the browser shows them. An appeal move its
state does not allow (appeals' TransitionError) or made on a stale version (ConcurrentChange) — any
`liaison.extensions.StateConflict` — is a 409 Conflict whose `code` says which."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
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


def page_not_found(request, exception):
    """The site's 404: JSON under /api/ (an id the route does not take, such as `/api/v1/units/x/`),
    the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)

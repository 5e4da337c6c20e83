"""Turn service-layer errors into API responses: Django's ValidationError becomes a 400 with
field messages, PermissionDenied a 403, exactly as the browser shows them."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
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

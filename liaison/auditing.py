"""A signal for whoever keeps an audit trail (the audit app): the apps send it and never import the listener."""

import functools

from django.dispatch import Signal

# Sent with ledger (a short name), request and params after a successful export download.
ledger_exported = Signal()


def audited_export(ledger: str):
    """Decorate an export view (function, or a class-based view's method) so that each download is recorded."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            request = args[0] if hasattr(args[0], "META") else args[1]
            # 200 only: a 202 "being made" page (a stored document not ready yet) exported nothing.
            if response.status_code == 200:
                params = {key: value for key, value in request.GET.items()}
                ledger_exported.send(view, ledger=ledger, request=getattr(request, "_request", request), params=params)
            return response

        return wrapper

    return decorate

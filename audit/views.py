from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import exports, selectors
from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.permissions import can_read_audit
from liaison.auditing import audited_export
from liaison.exports import file_response
from liaison.web.common import paginate, querystring_without_page, style_form


@login_required
@require_GET
def audit_list(request):
    """The audit log (administrators): filters by user, kind, dates and address."""
    if not can_read_audit(request.user):
        raise PermissionDenied(_("The audit log is for administrators only."))
    filterset = AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.all())
    page = paginate(request, filterset.qs, per_page=50)
    return render(
        request,
        "audit/list.html",
        {"filter": style_form(filterset.form), "page": page, "query": querystring_without_page(request)},
    )


@login_required
@require_GET
@audited_export("audit")
def audit_export(request):
    try:
        events = selectors.audit_event_list(viewer=request.user, filters=request.GET)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            _("The filter is not valid: %(errors)s") % {"errors": " ".join(exc.messages)},
            content_type="text/plain; charset=utf-8",
        )
    return file_response(exports.audit_export(events))

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.permissions import can_read_audit


def audit_event_list(*, viewer, filters=None) -> QuerySet[AuditEvent]:
    """Audit rows for an administrator, filtered by user name, kind, date range and address; newest first."""
    if not can_read_audit(viewer):
        raise PermissionDenied(_("The audit log is for administrators only."))
    filterset = AuditEventFilter(filters or {}, queryset=AuditEvent.objects.all())
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs

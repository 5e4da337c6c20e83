from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from audit.filters import AuditEventFilter
from audit.models import AuditEvent, Kind
from audit.permissions import can_read_audit


class IsAuditReader(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_read_audit(request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "kind", "user", "username", "address", "path", "summary", "detail"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary="The audit log (administrators)"))
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Sign-ins, lock-outs, password and token changes, exports and admin actions; administrators only."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, IsAuditReader]
    filterset_class = AuditEventFilter
    ordering_fields = ["at"]

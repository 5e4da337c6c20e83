"""Staff endpoints of the contact cards: `/api/v1/enterprise-contacts/` (list, issue), `{id}/revoke/` and
`{id}/reissue/`. Issuing answers the sign-in link and the code once; the portal keeps only the code's digest."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from enterprises.models import Enterprise
from liaison import selectors as liaison_selectors
from liaison.api.views import Pagination
from liaison.permissions import handled_unit_id
from portal import services
from portal.models import EnterpriseContact


class ContactSerializer(serializers.ModelSerializer):
    issued_by = serializers.CharField(source="issued_by.display_name", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.display_name", read_only=True, default=None, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = EnterpriseContact
        fields = ["id", "enterprise", "name", "phone", "issued_by", "issued_at", "expires_at", "revoked_at",
                  "revoked_by", "last_seen_at", "active"]
        read_only_fields = fields


class IssuedSerializer(ContactSerializer):
    link = serializers.CharField(read_only=True, help_text=_("The card's sign-in link (its QR code)."))
    code = serializers.CharField(read_only=True, help_text=_("The code to type at /e/login/; shown only now."))

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "link", "code"]
        read_only_fields = fields


MAX_ID = 2**63 - 1  # PostgreSQL's bigint: a larger id is refused as input, not a database error


class IssueInput(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    name = serializers.CharField(max_length=50)
    phone = serializers.RegexField(r"^[0-9+\-() ]{3,30}$", max_length=30, required=False, allow_blank=True)
    days = serializers.IntegerField(min_value=1, max_value=3660, required=False)


class ReissueInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=3660, required=False)


def contact_list(*, viewer) -> object:
    """Contacts of enterprises whose cards the viewer issues or reads (leaders and the task force: all)."""
    qs = EnterpriseContact.objects.select_related("issued_by", "revoked_by").order_by("-issued_at", "-id")
    if viewer.sees_everything:
        return qs
    paired = Q(enterprise__assignments__ended_on__isnull=True, enterprise__assignments__cadre__user=viewer)
    unit_id = handled_unit_id(viewer)
    if unit_id is not None:
        paired |= Q(enterprise__assignments__ended_on__isnull=True, enterprise__assignments__cadre__unit_id=unit_id)
    return qs.filter(paired).distinct()


def _issued(request, contact: EnterpriseContact, code: str) -> dict:
    data = IssuedSerializer(contact).data
    data["link"] = services.contact_link(contact, request)
    data["code"] = services.format_code(code)
    return data


NOT_YOURS = OpenApiResponse(
    description=_("Not the enterprise's paired cadre, their unit's handler nor task-force staff.")
)


class EnterpriseContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An enterprise's contacts: the people its cadre gave a service contact card (服务联系卡)."""

    serializer_class = ContactSerializer
    pagination_class = Pagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EnterpriseContact.objects.none()
        qs = contact_list(viewer=self.request.user)
        enterprise = self.request.query_params.get("enterprise", "")
        if enterprise:
            known = enterprise.isascii() and enterprise.isdigit() and int(enterprise) <= MAX_ID
            qs = qs.filter(enterprise_id=int(enterprise)) if known else qs.none()
        return qs

    @extend_schema(
        summary=_("List contact cards"),
        description=_("The contacts of the enterprises whose cards you issue (leaders and the task force: all), "
                      "newest first."),
        parameters=[OpenApiParameter("enterprise", OpenApiTypes.INT, description=_("Only this enterprise's."))],
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=_("Issue a contact card"),
        description=_("The enterprise's paired cadre, their unit's handler or task-force staff issue a card to a "
                      "person at the enterprise. The answer holds the sign-in link and the code, shown only now."),
        request=IssueInput,
        responses={201: IssuedSerializer, 400: OpenApiResponse(description=_("Invalid input.")), 403: NOT_YOURS,
                   404: OpenApiResponse(description=_("No such enterprise in your scope."))},
    )
    def create(self, request: Request) -> Response:
        data = IssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = get_object_or_404(liaison_selectors.enterprise_list(viewer=request.user),
                                       pk=values.pop("enterprise"))
        contact, code = services.contact_issue(enterprise=Enterprise.objects.get(pk=enterprise.pk),
                                               acting_user=request.user, request=request, **values)
        return Response(_issued(request, contact, code), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Issue a contact's card again"),
        description=_("A new link and code for the same person; the old ones stop working at once."),
        request=ReissueInput,
        responses={200: IssuedSerializer, 400: OpenApiResponse(description=_("Invalid input, or a revoked card.")),
                   403: NOT_YOURS, 404: OpenApiResponse(description=_("No such contact in your scope."))},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def reissue(self, request: Request, pk=None) -> Response:
        contact = self.get_object()
        data = ReissueInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact, code = services.contact_reissue(contact=contact, acting_user=request.user, request=request,
                                                 days=data.validated_data.get("days"))
        return Response(_issued(request, contact, code))

    @extend_schema(
        summary=_("Revoke a contact's card"),
        description=_("Its link, its code and every session it opened stop working at once."),
        request=None,
        responses={200: ContactSerializer, 403: NOT_YOURS,
                   404: OpenApiResponse(description=_("No such contact in your scope."))},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def revoke(self, request: Request, pk=None) -> Response:
        contact = services.contact_revoke(contact=self.get_object(), acting_user=request.user, request=request)
        return Response(ContactSerializer(contact).data)

"""API: obtain and revoke tokens, list one's tokens, change one's password."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.lockout import client_ip, lockout_message
from accounts.models import ApiToken, TokenState


class TokenSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=TokenState.choices, read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "prefix",
            "client",
            "address",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "state",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), ApiToken) and request.auth.pk == token.pk


class Credentials(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, write_only=True, style={"input_type": "password"})


class LockedOut(exceptions.Throttled):
    default_code = "locked_out"


class ObtainTokenView(APIView):
    """POST username and password for a token (it expires); DELETE revokes the token the call is signed with."""

    permission_classes = [AllowAny]
    password_change_exempt = True

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        summary=gettext_lazy("Obtain an API token"),
        request=Credentials,
        responses={
            200: inline_serializer(
                "TokenObtained", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            ),
            400: OpenApiResponse(description=gettext_lazy("Wrong user name or password.")),
            429: OpenApiResponse(
                description=gettext_lazy("Too many failed sign-ins: the user name or address is locked.")
            ),
        },
    )
    def post(self, request):
        data = Credentials(data=request.data)
        data.is_valid(raise_exception=True)
        http_request = request._request  # axes marks the Django request when it locks out
        user = authenticate(
            http_request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if getattr(http_request, "axes_locked_out", False):
            raise LockedOut(detail=lockout_message())  # AxesMiddleware answers with lockout_response
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with the user name and password given.")]}
            )
        client = request.headers.get("User-Agent", "")
        token, key = services.token_create(
            user=user, client=client, address=client_ip(http_request), request=http_request
        )
        return Response({"token": key, "expires_at": token.expires_at})

    @extend_schema(
        summary=gettext_lazy("Revoke the token this request is signed with"),
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(description=gettext_lazy("The request is not signed with a token.")),
        },
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError({"non_field_errors": [_("This request is not signed with a token.")]})
        services.token_revoke(token_id=request.auth.pk, acting_user=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The caller's tokens of the last 30 days, with their state."""

    password_change_exempt = True

    @extend_schema(summary=gettext_lazy("My API tokens"), responses=TokenSerializer(many=True))
    def get(self, request):
        tokens = services.token_list(user=request.user)
        return Response(TokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    password_change_exempt = True

    @extend_schema(
        summary=gettext_lazy("Revoke one of my API tokens"),
        request=None,
        responses={204: None, 404: OpenApiResponse(description=gettext_lazy("No such token of yours."))},
    )
    def delete(self, request, pk: int):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.token_revoke(token_id=token.pk, acting_user=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChange(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, write_only=True)
    new_password = serializers.CharField(trim_whitespace=False, write_only=True)


class PasswordChangeView(APIView):
    """Change one's password; every token of the user dies, so a new one must be obtained."""

    password_change_exempt = True

    @extend_schema(
        summary=gettext_lazy("Change my password"),
        request=PasswordChange,
        responses={204: None, 400: OpenApiResponse(description=gettext_lazy("Wrong old password, or a weak new one."))},
    )
    def post(self, request):
        data = PasswordChange(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        old, new = data.validated_data["old_password"], data.validated_data["new_password"]
        # Through authenticate(), so that guessing the old password counts towards the lock-out.
        if authenticate(request._request, username=user.get_username(), password=old) is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut(detail=lockout_message())
            raise exceptions.ValidationError({"old_password": [_("Your old password was entered incorrectly.")]})
        if old == new:
            raise exceptions.ValidationError({"new_password": [_("The new password must differ from the old one.")]})
        try:
            validate_password(new, user)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"new_password": list(exc.messages)}) from exc
        user.set_password(new)
        user.save(update_fields=["password"])
        services.password_changed_by_user(user=user, request=request._request)
        if hasattr(request._request, "session"):
            from django.contrib.auth import update_session_auth_hash

            from accounts.authentication import SESSION_FLAG

            if request.auth is None:  # signed in by session: keep it
                update_session_auth_hash(request._request, user)
            request._request.session.pop(SESSION_FLAG, None)
        return Response(status=status.HTTP_204_NO_CONTENT)

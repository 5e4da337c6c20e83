"""The hotline system's own credentials: `Authorization: Hotline <key>`, accepted only by the hotline's
views (a hotline key opens nothing else, and a staff token or session posts no work order)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from hotline.models import HotlineClient, key_digest

KEYWORD = "Hotline"


class HotlineClientUser:
    """Who `request.user` is on the hotline's views: the client, never a portal user."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = is_superuser = is_taskforce = False
    pk = id = None
    role = ""

    def __init__(self, client: HotlineClient):
        self.client = client

    def __str__(self) -> str:
        return f"hotline:{self.client.name}"

    def get_username(self) -> str:
        return str(self)

    def has_perm(self, *args, **kwargs) -> bool:
        return False


class HotlineClientAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the hotline key as “Authorization: Hotline <key>”."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid or inactive hotline key.")) from exc
        client = HotlineClient.objects.filter(digest=key_digest(key)).select_related("user").first()
        if client is None or not client.active:
            raise exceptions.AuthenticationFailed(_("Invalid or inactive hotline key."))
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            HotlineClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return HotlineClientUser(client), client

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsHotlineClient(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, HotlineClient)

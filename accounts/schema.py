"""drf-spectacular: the portal's session authentication documents like DRF's (cookie); the token one
already matches as a TokenAuthentication subclass."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

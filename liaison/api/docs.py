"""The API's schema and its two readers (Swagger UI, Redoc): behind a sign-in unless API_DOCS_PUBLIC."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class DocsPermission(BasePermission):
    """Signed-in callers (session or token) only, unless settings.API_DOCS_PUBLIC."""

    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class _DocsPageMixin:
    """A page for people: an anonymous visitor is sent to the sign-in page rather than given a 403."""

    permission_classes = [DocsPermission]

    def dispatch(self, request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsPermission]


class SwaggerView(_DocsPageMixin, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from a URL of its own (no inline script for the CSP)."""


class RedocView(_DocsPageMixin, SpectacularRedocView):
    """Redoc searches in a web worker it builds from a blob: URL; this page alone may start one. (Its
    "by Redocly" logo from cdn.redoc.ly stays blocked; Redoc hides the image when it fails to load.)"""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if settings.SECURE_CSP:
            response._csp_config = settings.SECURE_CSP | {"worker-src": ["'self'", "blob:"]}
        return response

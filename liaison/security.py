"""Response headers Django's own middleware does not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` from settings.PERMISSIONS_POLICY (feature -> allow-list), switching
    off the browser features no page uses (camera, microphone, geolocation …)."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}={allow}" for feature, allow in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response

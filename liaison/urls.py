from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from liaison.api.docs import RedocView, SchemaView, SwaggerView
from liaison.health import healthz

urlpatterns = [
    # One password change for everyone (it clears the must-change flag, kills tokens, is audited).
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("", include("audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("liaison.api.urls")),
    # Behind a sign-in unless API_DOCS_PUBLIC (liaison.api.docs).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="api-redoc"),
    # For the load balancer: no sign-in, exempt from the HTTPS redirect (liaison.health).
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (and an error page would set a cookie).
    path("favicon.ico", lambda request: RedirectView.as_view(url=static("img/favicon.svg"))(request)),
    path("data/", include("liaison.data_urls")),
    path("enterprises/", include("enterprises.urls")),
    path("", include("appeals.urls")),
    path("", include("policies.urls")),
    path("calendar/", include("workdays.urls")),
    path("", include("reports.urls")),
    path("", include("jobs.urls")),
    path("", include("meetings.urls")),
    path("", include("matching.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("", include("dashboard.urls")),
    path("", include("analysis.urls")),
    path("", include("hotline.urls")),
    path("", include("portal.urls")),
    path("", include("outreach.urls")),
    path("", include("liaison.web.urls")),
]

# JSON under /api/, the portal's own pages elsewhere (templates/400.html, 403.html, 404.html, 500.html).
handler400 = "liaison.api.exceptions.bad_request"
handler403 = "liaison.api.exceptions.permission_denied"
handler404 = "liaison.api.exceptions.page_not_found"
handler500 = "liaison.api.exceptions.server_error"

"""The portal's URLs plus /bench-floor/…: raw views giving the same rows as the pages and endpoints
measured, for bench/http.py to load side by side on the same server."""

from django.urls import include, path

from bench import floors

urlpatterns = [
    path("bench-floor/appeals/", floors.appeals),
    path("bench-floor/appeals/<int:pk>/", floors.appeal_detail),
    path("bench-floor/enterprises/", floors.enterprises),
    path("bench-floor/api/enterprises/", floors.api_enterprises),
    path("bench-floor/api/visits/", floors.api_visits),
    path("", include("liaison.urls")),
]

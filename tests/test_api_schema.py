"""The OpenAPI schema lists every endpoint, and its Swagger UI is served from this site alone."""

from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/me/",
    "/api/v1/units/",
    "/api/v1/units/{id}/",
    "/api/v1/cadres/",
    "/api/v1/cadres/{id}/",
    "/api/v1/enterprises/",
    "/api/v1/enterprises/{id}/",
    "/api/v1/assignments/",
    "/api/v1/assignments/{id}/",
    "/api/v1/assignments/{id}/end/",
    "/api/v1/visits/",
    "/api/v1/visits/{id}/",
    "/api/v1/visits/{id}/attachments/",
    "/api/v1/compliance/",
    "/api/v1/compliance/pairings/",
]

URL_RE = re.compile(r"""https?://[^\s"'<>)]+""")
ASSET_RE = re.compile(r"""(?:src|href)="([^"]+)\"""")


@pytest.fixture
def schema(client, admin_user_) -> dict:
    client.force_login(admin_user_)  # the schema needs a sign-in
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_lists_every_endpoint(schema):
    # then every path is documented
    missing = [path for path in PATHS if path not in schema["paths"]]
    assert missing == []


def test_schema_describes_the_shapes_the_auto_schema_cannot_guess(schema):
    # then actions and the compliance views carry their real request and response bodies
    paths = schema["paths"]

    def response_ref(path, method, code="200"):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"]

    assert response_ref("/api/v1/compliance/", "get").endswith("/Compliance")
    assert response_ref("/api/v1/compliance/pairings/", "get").endswith("/PaginatedPairingContactList")
    assert response_ref("/api/v1/me/", "get").endswith("/Me")
    assert response_ref("/api/v1/assignments/", "post", "201").endswith("/Assignment")
    assert response_ref("/api/v1/assignments/{id}/end/", "post").endswith("/Assignment")
    assert response_ref("/api/v1/visits/", "post", "201").endswith("/Visit")
    assert response_ref("/api/v1/visits/{id}/attachments/", "post", "201").endswith("/Visit")
    create = paths["/api/v1/visits/"]["post"]["requestBody"]["content"]
    assert create["multipart/form-data"]["schema"]["$ref"].endswith("/VisitCreateRequest")
    upload = paths["/api/v1/visits/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    month = [p["name"] for p in paths["/api/v1/compliance/"]["get"]["parameters"]]
    assert "month" in month
    assert "page" not in month
    visit_filters = {p["name"] for p in paths["/api/v1/visits/"]["get"]["parameters"]}
    assert {"cadre", "date_after", "date_before"} <= visit_filters
    enterprise_filters = {p["name"] for p in paths["/api/v1/enterprises/"]["get"]["parameters"]}
    assert {"above_scale", "industry"} <= enterprise_filters
    assert "delete" not in paths["/api/v1/visits/{id}/"]
    assert set(paths["/api/v1/assignments/{id}/"]) == {"get"}


def test_swagger_ui_refers_to_nothing_outside_the_site(client, admin_user_):
    # when the API docs page is read by a signed-in user
    client.force_login(admin_user_)
    response = client.get("/api/docs/")
    html = response.content.decode()
    # then it links no external address, and every asset it loads is served here
    assert response.status_code == 200
    external = [url for url in URL_RE.findall(html) if not url.startswith("http://testserver/")]
    assert external == []
    assets = ASSET_RE.findall(html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset

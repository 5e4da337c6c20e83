"""The portal's own error pages (403, 404, 500, a refused form) in Chinese, with the reason the code gave and a
way home, and the API's error bodies in Chinese (DRF's messages through its zh_Hans catalogue).

This module is also a URLconf (the site's, plus a view that fails) for the 500 tests: the handlers are the
site's, named here as Django looks them up on the root URLconf.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from liaison.api import exceptions as errors
from liaison.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _denied_in_english(request):
    raise PermissionDenied("Only staff may do this.")


def _missing_with_reason(request):
    raise Http404("这份通报已撤回。")


urlpatterns = [
    path("boom/", _boom),
    path("denied-english/", _denied_in_english),
    path("gone/", _missing_with_reason),
    path("", include("liaison.urls")),
]
handler400 = "liaison.api.exceptions.bad_request"
handler403 = "liaison.api.exceptions.permission_denied"
handler404 = "liaison.api.exceptions.page_not_found"
handler500 = "liaison.api.exceptions.server_error"

# Words that may stay in Latin letters on a Chinese page: the language switcher names English in English, and
# the menu offers "我的 API 令牌".
ALLOWED_LATIN = {"English", "API"}


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|select)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->|<[^>]+>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html).strip()


def english_words(html: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", visible_text(html))) - ALLOWED_LATIN


def assert_portal_page(response, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert heading in html and "返回首页" in html and f"错误代码 {status}" in html
    assert english_words(html) == set(), english_words(html)
    return html


def test_an_unknown_address_is_the_portals_404_in_chinese_with_a_way_home(client):
    response = client.get("/no-such-page/")
    html = assert_portal_page(response, 404, "页面不存在")
    assert 'href="/"' in html and 'id="error-login"' in html  # not signed in: a way to sign in too


def test_an_object_out_of_reach_is_a_404_without_djangos_english_query_text(client):
    client.force_login(factories.make_user(role=Role.TASKFORCE, username="专班王"))
    response = client.get(reverse("appeal-detail", args=[999999]))
    html = assert_portal_page(response, 404, "页面不存在")
    assert "matches the given query" not in html and 'id="error-reason"' not in html
    assert 'id="error-login"' not in html


@pytest.mark.urls("tests.test_error_pages")
def test_a_404_shows_the_chinese_reason_the_code_gave(client):
    html = assert_portal_page(client.get("/gone/"), 404, "页面不存在")
    assert "这份通报已撤回。" in html


def test_a_403_is_the_portals_page_with_the_reason_raised_in_the_code(client):
    # given a cadre, who may not edit the handbook
    client.force_login(factories.make_pairing_with_login().cadre.user)
    # when they open the handbook's editor
    response = client.get(reverse("policy-handbook"))
    # then the page says why, in Chinese, with the menu and a way home
    html = assert_portal_page(response, 403, "无权访问")
    assert '<div class="alert alert-warning text-start" role="alert" id="error-reason">' in html
    assert "只有专班人员可以编辑手册。" in html
    assert 'id="nav-appeals"' in html  # the portal's own layout, menu included


@pytest.mark.urls("tests.test_error_pages")
def test_an_english_reason_is_left_out_of_a_chinese_page_but_shown_on_an_english_one(client):
    html = assert_portal_page(client.get("/denied-english/"), 403, "无权访问")
    assert "Only staff" not in html
    english = client.get("/denied-english/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only staff may do this." in english and "Not allowed" in english


@pytest.mark.urls("tests.test_error_pages")
def test_a_server_error_is_a_chinese_page_with_a_way_home():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错" in html and "返回首页" in html and 'href="/"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert english_words(html) == set(), english_words(html)
    assert "Server Error (500)" not in html


def test_the_500_page_needs_neither_the_database_nor_the_session(django_assert_num_queries):
    request = RequestFactory().get("/somewhere/")  # no session, no user: the middleware may be what failed
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and "服务器出错" in response.content.decode()


@pytest.mark.urls("tests.test_error_pages")
def test_an_api_server_error_is_json_in_chinese():
    client = Client(raise_request_exception=False)
    # (the API prefix routes to the API's handler of unknown addresses; the bodies are what matters here)
    request = RequestFactory().get("/api/v1/anything/")
    response = errors.server_error(request)
    body = json.loads(response.content)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert body["code"] == "server_error" and "服务器" in body["detail"]
    assert client.get("/boom/").status_code == 500


def test_a_refused_form_is_the_portals_403_saying_to_reload(db):
    # given a browser whose form carries no valid CSRF token
    client = Client(enforce_csrf_checks=True)
    user = factories.make_user(username="干部李")
    client.force_login(user)
    # when it sends the form
    response = client.post(reverse("notification-list"), {"all": "1"})
    # then the portal's 403 says what to do
    html = assert_portal_page(response, 403, "无权访问")
    assert "表单已过期或无法核实来源" in html


@pytest.mark.parametrize("accept", [None, "zh-CN,zh;q=0.9", "zh-Hans"])
def test_api_error_bodies_are_in_chinese(client, accept):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    # no credentials
    unauthenticated = client.get("/api/v1/units/", **headers)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["detail"] == "身份认证信息未提供。"
    client.force_login(factories.make_pairing_with_login().cadre.user)
    # an address the API does not have
    missing = client.get("/api/v1/units/x/", **headers)
    assert missing.status_code == 404 and missing.json()["detail"] == "未找到。"
    # a role the endpoint refuses
    refused = client.get(reverse("api:audit-event-list"), **headers)
    assert refused.status_code == 403 and refused.json()["detail"] == "您没有执行该操作的权限。"


def test_an_api_client_asking_for_english_gets_english(client):
    response = client.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Authentication credentials were not provided."

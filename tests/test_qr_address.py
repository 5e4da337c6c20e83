"""Where printed QR codes point (issue 13): the configured address, else the one the request came in on
(through the proxy as the settings allow), else for a document drawn without a request the last address
staff used, else the demo's local port; a loopback address makes the staff pages warn."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from liaison.models import Role
from policies import qr
from policies.handbook import handbook_context
from policies.models import Policy, PolicyCategory, PolicyStatus
from tests import factories
from tests.test_policies_public import decode_qr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_address(settings):
    settings.POLICY_QR_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "zwfw.xigang.gov.cn", "zwfw.example.gov.cn", "10.1.2.3",
                              "evil.example.com"]
    settings.LOCAL_BASE_URL = "http://127.0.0.1:8000"
    cache.delete(qr.LAST_STAFF_BASE_URL_KEY)
    yield
    cache.delete(qr.LAST_STAFF_BASE_URL_KEY)


@pytest.fixture
def policy(db):
    category = PolicyCategory.objects.order_by("id").first()
    return Policy.objects.create(category=category, title="关于支持企业技术改造的若干措施", summary="技改补助",
                                 status=PolicyStatus.PUBLISHED)


@pytest.fixture
def taskforce(db):
    return factories.make_user(role=Role.TASKFORCE, username="专班张")


def png_address(client, policy, **headers) -> str:
    response = client.get(reverse("policy-qr-png", args=[policy.pk]), **headers)
    assert response.status_code == 200
    return decode_qr(response.content)[0]


def test_with_no_address_configured_the_code_points_where_the_request_came_in(client, policy):
    assert png_address(client, policy, HTTP_HOST="zwfw.xigang.gov.cn:8443") == (
        f"http://zwfw.xigang.gov.cn:8443/p/{policy.pk}/?src=qr")


def test_behind_the_proxy_the_code_takes_the_scheme_the_proxy_forwarded(client, policy, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    address = png_address(client, policy, HTTP_HOST="zwfw.xigang.gov.cn", HTTP_X_FORWARDED_PROTO="https")
    assert address == f"https://zwfw.xigang.gov.cn/p/{policy.pk}/?src=qr"


def test_a_proxy_that_rewrites_the_host_is_followed_when_trusted(client, policy, settings):
    headers = {"HTTP_HOST": "10.1.2.3:8000", "HTTP_X_FORWARDED_HOST": "zwfw.xigang.gov.cn"}
    assert png_address(client, policy, **headers) == f"http://10.1.2.3:8000/p/{policy.pk}/?src=qr"
    settings.USE_X_FORWARDED_HOST = True
    assert png_address(client, policy, **headers) == f"http://zwfw.xigang.gov.cn/p/{policy.pk}/?src=qr"


def test_the_configured_address_wins_over_the_request(client, policy, settings):
    settings.POLICY_QR_BASE_URL = "https://zwfw.example.gov.cn/liaison/"
    assert png_address(client, policy, HTTP_HOST="10.1.2.3") == (
        f"https://zwfw.example.gov.cn/liaison/p/{policy.pk}/?src=qr")


def test_a_document_drawn_without_a_request_uses_the_last_address_staff_used(client, policy, taskforce):
    # given no staff page opened yet: the demo's local address
    assert qr.policy_qr_url(policy) == f"http://127.0.0.1:8000/p/{policy.pk}/?src=qr"
    # when task-force staff open the policy catalogue at the portal's real address
    client.force_login(taskforce)
    assert client.get(reverse("policy-list"), HTTP_HOST="zwfw.xigang.gov.cn").status_code == 200
    # then the handbook, drawn in the background with no request, prints codes to that address
    assert qr.policy_qr_url(policy) == f"http://zwfw.xigang.gov.cn/p/{policy.pk}/?src=qr"
    urls = [entry.qr_url for _category, entries in handbook_context()["groups"] for entry in entries]
    assert urls == [f"http://zwfw.xigang.gov.cn/p/{policy.pk}/?src=qr"]


def test_a_stranger_scanning_a_code_does_not_change_the_address_kept_for_documents(client, policy, taskforce):
    client.force_login(taskforce)
    client.get(reverse("policy-list"), HTTP_HOST="zwfw.xigang.gov.cn")
    client.logout()
    png_address(client, policy, HTTP_HOST="evil.example.com")
    client.get(reverse("policy-public", args=[policy.pk]), HTTP_HOST="evil.example.com")
    assert qr.last_staff_base_url() == "http://zwfw.xigang.gov.cn"


def test_the_demo_port_is_the_last_resort(settings, policy):
    settings.LOCAL_BASE_URL = "http://127.0.0.1:8731"
    assert qr.policy_qr_base_url() == "http://127.0.0.1:8731"


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8000", True), ("http://localhost:8000/liaison", True), ("http://[::1]:8000", True),
    ("http://0.0.0.0:8000", True), ("http://127.8.9.1", True), ("https://zwfw.xigang.gov.cn", False),
    ("http://10.1.2.3:8000", False), ("http://192.168.1.20", False),
])
def test_loopback_addresses_are_told_apart(url, loopback):
    assert qr.is_loopback(url) is loopback


@pytest.mark.parametrize("name", ["policy-list", "policy-detail", "policy-handbook"])
def test_staff_pages_warn_when_codes_would_point_to_this_computer(client, policy, taskforce, name):
    client.force_login(taskforce)
    url = reverse(name, args=[policy.pk]) if name == "policy-detail" else reverse(name)
    # reached on the demo's local address
    html = client.get(url, HTTP_HOST="127.0.0.1:8000").content.decode()
    assert 'id="qr-address-warning"' in html and "本机地址 http://127.0.0.1:8000" in html
    # reached on the portal's address: no warning
    html = client.get(url, HTTP_HOST="zwfw.xigang.gov.cn").content.decode()
    assert 'id="qr-address-warning"' not in html


def test_a_configured_loopback_address_warns_whatever_address_staff_use(client, policy, taskforce, settings):
    settings.POLICY_QR_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(taskforce)
    html = client.get(reverse("policy-list"), HTTP_HOST="zwfw.xigang.gov.cn").content.decode()
    assert 'id="qr-address-warning"' in html and "POLICY_QR_BASE_URL" in html
    assert "二维码指向 http://127.0.0.1:8000，这是本机地址" in html


def test_cadres_are_not_shown_the_operators_warning(client, policy):
    client.force_login(factories.make_pairing_with_login().cadre.user)
    html = client.get(reverse("policy-list"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert 'id="qr-address-warning"' not in html

"""Sign-in security: lock-out after failed sign-ins, the password change (forced for shared and
staff-set passwords), API tokens that expire and die, and the idle session timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.middleware import LAST_SEEN
from accounts.models import ApiToken, RevokeReason, UserSecurity, token_digest
from liaison.models import Role
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"
PASSWORD = "pass-1234"
NEW_PASSWORD = "Hai-yun-2026-river"


def browser(address: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="zh-hans")


def fail(client: Client, username: str, times: int, path: str = "/accounts/login/") -> None:
    for _ in range(times):
        client.post(path, {"username": username, "password": "wrong"})


def api_token(username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    client = client_for(None)
    return client.post(f"{API}/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address)


def token_client(key: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def cadre(db):
    return factories.make_user(role=Role.CADRE)


# --- Lock-out ------------------------------------------------------------------------------------


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_chinese_message(cadre):
    # given five failed sign-ins on the login form
    client = browser()
    fail(client, cadre.username, settings.LOGIN_FAILURE_LIMIT)
    # when the right password is given
    response = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # then the sign-in is refused with how long and whom to ask, in Chinese
    text = response.content.decode()
    assert response.status_code == 429
    assert "锁定" in text and "30" in text and "专班" in text
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_still_let_the_right_one_in_and_clear_the_count(cadre):
    # given one failure fewer than the limit
    client = browser()
    fail(client, cadre.username, settings.LOGIN_FAILURE_LIMIT - 1)
    # when the right password is given
    response = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # then it signs in, and the user's failures are forgotten
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=cadre.username).exists()


def test_the_admin_login_is_locked_too(cadre):
    # given failures on the admin's login page
    admin = factories.make_user(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = browser()
    fail(client, admin.username, settings.LOGIN_FAILURE_LIMIT, path="/admin/login/")
    # when the right password is given there
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD, "next": "/admin/"})
    # then it is refused
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_the_api_token_endpoint_is_locked_after_failures_with_a_json_answer(cadre):
    # given failures on the token endpoint
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert api_token(cadre.username, "wrong").status_code == 400
    api_token(cadre.username, "wrong")
    # when the right password is given
    response = api_token(cadre.username)
    # then no token, and a clear refusal
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_a_lock_on_one_user_name_leaves_other_users_at_the_same_address_alone(cadre):
    # given a locked cadre
    colleague = factories.make_user()
    client = browser()
    fail(client, cadre.username, settings.LOGIN_FAILURE_LIMIT)
    # when a colleague signs in from the same address
    response = client.post("/accounts/login/", {"username": colleague.username, "password": PASSWORD})
    # then they get in
    assert response.status_code == 302


def test_an_address_trying_many_user_names_is_locked_for_every_user(cadre):
    # given an address that failed for many different user names
    client = browser("10.9.9.9")
    for i in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        client.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    # when a real user signs in from that address, and from another one
    there = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    elsewhere = browser("10.1.1.1").post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # then the address is locked, the user is not
    assert there.status_code == 429
    assert elsewhere.status_code == 302


def test_the_lock_ends_by_itself_after_the_lockout_minutes(cadre):
    # given a locked user whose last failure was longer ago than the lock-out
    client = browser()
    fail(client, cadre.username, settings.LOGIN_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    # when they sign in
    response = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # then they get in
    assert response.status_code == 302


def test_task_force_staff_see_the_lock_and_unlock_it(cadre, taskforce_user):
    # given a locked cadre
    fail(browser(), cadre.username, settings.LOGIN_FAILURE_LIMIT)
    staff = browser("10.0.0.2")
    staff.force_login(taskforce_user)
    # when staff look at the locked sign-ins and unlock the cadre
    page = staff.get("/accounts/lockouts/")
    staff.post("/accounts/lockouts/", {"username": cadre.username})
    # then the lock was listed, and the cadre signs in again
    assert page.status_code == 200 and cadre.username in page.content.decode()
    response = browser().post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    assert response.status_code == 302


def test_task_force_staff_unlock_a_locked_address(cadre, taskforce_user):
    # given an address locked after many user names
    client = browser("10.8.8.8")
    for i in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        client.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    staff = browser("10.0.0.2")
    staff.force_login(taskforce_user)
    # when staff unlock the address
    listed = staff.get("/accounts/lockouts/").content.decode()
    staff.post("/accounts/lockouts/", {"ip_address": "10.8.8.8"})
    # then it was listed as locked, and sign-ins from it work again
    assert 'data-lock="10.8.8.8"' in listed
    assert client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD}).status_code == 302


def test_cadres_and_leaders_cannot_open_the_lockout_page_or_unlock(cadre, leader_user):
    # given a locked cadre
    fail(browser(), cadre.username, settings.LOGIN_FAILURE_LIMIT)
    for user in (factories.make_user(), leader_user):
        client = browser("10.0.0.3")
        client.force_login(user)
        # when they try to unlock
        response = client.post("/accounts/lockouts/", {"username": cadre.username})
        # then they are refused and the lock holds
        assert response.status_code == 403
    assert AccessAttempt.objects.filter(username=cadre.username).exists()


def test_an_administrator_unlocks_from_the_user_list_in_the_admin(cadre, admin_user_):
    # given a locked cadre
    fail(browser(), cadre.username, settings.LOGIN_FAILURE_LIMIT)
    client = browser("10.0.0.4")
    client.force_login(admin_user_)
    # when the admin runs the unlock action on the cadre
    response = client.post(
        "/admin/liaison/user/", {"action": "unlock_sign_in", "_selected_action": [cadre.pk], "index": 0}
    )
    # then the cadre's failures are gone
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=cadre.username).exists()


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(settings):
    from django.test import RequestFactory

    from accounts.lockout import client_ip

    # given a request whose client forged an X-Forwarded-For entry, through the proxy
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    # when the portal is behind the proxy, and when it is not
    settings.BEHIND_PROXY = True
    behind = client_ip(request)
    settings.BEHIND_PROXY = False
    direct = client_ip(request)
    # then the proxy's own entry counts, never the forged one
    assert behind == "203.0.113.7"
    assert direct == "127.0.0.1"


# --- Password change -----------------------------------------------------------------------------


def test_a_cadre_changes_their_password_on_the_chinese_page(cadre):
    # given a signed-in cadre with a token
    client = browser()
    client.force_login(cadre)
    _token, key = services.token_create(user=cadre)
    # when they open the page and change their password
    page = client.get("/accounts/password_change/")
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    done = client.get(response["Location"])
    # then the page is in Chinese, the password changed, they stay signed in, and the token died
    assert "修改密码" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert done.status_code == 200 and "密码已修改" in done.content.decode()
    cadre.refresh_from_db()
    assert cadre.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert token_client(key).get(f"{API}/me/").status_code == 401
    assert ApiToken.objects.get().revoke_reason == RevokeReason.PASSWORD_CHANGED


def test_the_new_password_must_differ_from_the_old_one(cadre):
    client = browser()
    client.force_login(cadre)
    # when the "new" password is the old one
    response = client.post(
        "/accounts/password_change/", {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    # then it is refused
    assert response.status_code == 200
    assert "不能与旧密码相同" in response.content.decode()


def test_guessing_the_old_password_on_the_change_page_or_the_api_counts_towards_the_lock_out(cadre):
    # given a signed-in session (stolen, say) guessing the old password
    client = browser()
    client.force_login(cadre)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post("/accounts/password_change/", {"old_password": "guess", "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD})
    api = client_for(cadre)
    # when one more guess comes through the API
    response = api.post(f"{API}/auth/password/", {"old_password": "guess", "new_password": NEW_PASSWORD})
    # then the user name is locked: the right old password no longer helps
    assert response.status_code == 429
    right = client.post("/accounts/password_change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                       "new_password2": NEW_PASSWORD})
    assert right.status_code == 429 and "锁定" in right.content.decode()
    cadre.refresh_from_db()
    assert cadre.check_password(PASSWORD)


def test_anonymous_visitors_are_sent_to_sign_in_from_the_password_change_page():
    response = browser().get("/accounts/password_change/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_with_a_shared_password_is_sent_to_change_it_until_they_do(cadre):
    # given a user flagged to change their password, signing in
    services.password_change_require(users=[cadre])
    client = browser()
    signed_in = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    # when they open pages and the API with their session
    home = client.get("/")
    visits = client.get("/visits/")
    api = client.get(f"{API}/me/", HTTP_ACCEPT_LANGUAGE="en")
    change_page = client.get("/accounts/password_change/")
    # then every page sends them to the change page, the API says why, the change page opens
    assert signed_in.status_code == 302
    assert home.status_code == 302 and home["Location"] == "/accounts/password_change/"
    assert visits["Location"] == "/accounts/password_change/"
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    assert "change your password" in api.json()["detail"]
    assert change_page.status_code == 200 and 'id="must-change"' in change_page.content.decode()
    # and once changed, they go where they like, and stay changed at the next sign-in
    client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get("/").status_code == 200
    assert client.get(f"{API}/me/").status_code == 200
    assert UserSecurity.objects.get(user=cadre).must_change_password is False
    again = browser()
    again.post("/accounts/login/", {"username": cadre.username, "password": NEW_PASSWORD})
    assert again.get("/").status_code == 200


def test_an_htmx_request_of_a_user_who_must_change_their_password_redirects_the_whole_page(cadre):
    services.password_change_require(users=[cadre])
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    response = client.get("/visits/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/accounts/password_change/"


def test_a_token_of_a_user_who_must_change_their_password_is_refused_with_a_reason(cadre):
    # given a flagged user who obtained a token
    services.password_change_require(users=[cadre])
    key = api_token(cadre.username).json()["token"]
    client = token_client(key)
    # when they call the API, then change their password over the API
    refused = client.get(f"{API}/visits/")
    tokens = client.get(f"{API}/auth/tokens/")
    changed = client.post(
        f"{API}/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    # then calls are refused with the reason, listing tokens and the change are allowed, and the token died
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    assert tokens.status_code == 200
    assert changed.status_code == 204
    assert client.get(f"{API}/visits/").status_code == 401
    fresh = token_client(api_token(cadre.username, NEW_PASSWORD).json()["token"])
    assert fresh.get(f"{API}/visits/").status_code == 200


def test_the_api_password_change_checks_the_old_password_and_the_validators(cadre):
    client = client_for(cadre)
    wrong_old = client.post(f"{API}/auth/password/", {"old_password": "nope", "new_password": NEW_PASSWORD})
    weak = client.post(f"{API}/auth/password/", {"old_password": PASSWORD, "new_password": "12345678"})
    assert wrong_old.status_code == 400 and "old_password" in wrong_old.json()
    assert weak.status_code == 400 and "new_password" in weak.json()


def test_a_password_set_by_an_administrator_must_be_changed_by_its_owner(cadre, admin_user_):
    # given a cadre with a token, and an administrator
    _token, key = services.token_create(user=cadre)
    admin = browser("10.0.0.5")
    admin.force_login(admin_user_)
    # when the administrator sets the cadre's password in the admin
    response = admin.post(
        f"/admin/liaison/user/{cadre.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    # then the cadre must change it at their next sign-in, and the old token is dead
    assert response.status_code == 302
    assert UserSecurity.objects.get(user=cadre).must_change_password
    assert token_client(key).get(f"{API}/me/").status_code == 401
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": NEW_PASSWORD})
    assert client.get("/")["Location"] == "/accounts/password_change/"


def test_a_user_added_in_the_admin_with_a_password_must_change_it(admin_user_):
    admin = browser("10.0.0.6")
    admin.force_login(admin_user_)
    # when an administrator adds a user with a password
    response = admin.post(
        "/admin/liaison/user/add/",
        {"username": "newcadre", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
         "role": Role.CADRE, "_save": "Save"},
    )
    # then the new user must change it
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert UserSecurity.objects.get(user__username="newcadre").must_change_password


def test_the_demo_flags_exactly_the_users_who_still_have_the_shared_password():
    from django.contrib.auth.hashers import make_password

    from liaison.models import User

    # given users built with one shared hash, and one who changed theirs
    shared = make_password("demo12345")
    users = [User.objects.create(username=f"c{i:04d}", password=shared) for i in range(3)]
    changed = User.objects.create(username="c0099", password=make_password("mine-2026-x"))
    # when the demo flags the shared password
    services.password_change_require_for_shared(password="demo12345")
    # then those with it must change it, the other not
    flagged = set(UserSecurity.objects.filter(must_change_password=True).values_list("user_id", flat=True))
    assert flagged == {u.pk for u in users}
    assert changed.pk not in flagged


def test_factories_users_are_not_asked_to_change_their_password(cadre):
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    assert client.get("/").status_code == 200


# --- API tokens ----------------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_digest_and_expires_after_the_ttl(cadre, clock, settings):
    # given a token obtained now, with a 24-hour lifetime
    settings.API_TOKEN_TTL_HOURS = 24
    body = api_token(cadre.username).json()
    key = body["token"]
    token = ApiToken.objects.get()
    # then the key itself is not stored
    assert token.digest == token_digest(key) and key not in (token.digest, token.prefix)
    assert body["expires_at"]
    # when 23 hours pass, then 25
    clock.now = clock.now + timedelta(hours=23)
    before = token_client(key).get(f"{API}/me/")
    clock.now = clock.now + timedelta(hours=2)
    after = token_client(key).get(f"{API}/me/")
    # then it works, then it does not
    assert before.status_code == 200
    assert after.status_code == 401


def test_a_token_dies_when_the_password_is_set_anywhere(cadre):
    # given a token
    key = api_token(cadre.username).json()["token"]
    # when the password is set outside the portal's pages (a command, the shell)
    cadre.set_password(NEW_PASSWORD)
    cadre.save()
    # then the token no longer signs in
    assert token_client(key).get(f"{API}/me/").status_code == 401


def test_a_token_dies_when_the_user_is_deactivated(cadre):
    # given a token
    key = api_token(cadre.username).json()["token"]
    # when the user is deactivated
    cadre.is_active = False
    cadre.save()
    # then the token is refused and marked dead
    assert token_client(key).get(f"{API}/me/").status_code == 401
    assert ApiToken.objects.get().revoke_reason == RevokeReason.DEACTIVATED


def test_delete_revokes_the_token_the_call_is_signed_with(cadre):
    # given two tokens
    first = api_token(cadre.username).json()["token"]
    second = api_token(cadre.username).json()["token"]
    # when the first is revoked with DELETE
    response = token_client(first).delete(f"{API}/auth/token/")
    # then it no longer works; the second does
    assert response.status_code == 204
    assert token_client(first).get(f"{API}/me/").status_code == 401
    assert token_client(second).get(f"{API}/me/").status_code == 200


def test_a_user_lists_their_own_tokens_and_revokes_one_but_not_anothers(cadre):
    # given a cadre with two tokens and another user with one
    first = api_token(cadre.username).json()["token"]
    api_token(cadre.username)
    other = factories.make_user()
    other_key = api_token(other.username).json()["token"]
    other_token = ApiToken.objects.get(user=other)
    client = token_client(first)
    # when they list their tokens and try to revoke the other user's
    listed = client.get(f"{API}/auth/tokens/").json()
    refused = client.delete(f"{API}/auth/tokens/{other_token.pk}/")
    mine = ApiToken.objects.filter(user=cadre).exclude(digest=token_digest(first)).get()
    revoked = client.delete(f"{API}/auth/tokens/{mine.pk}/")
    # then they see only theirs, marking the current one, and revoke only theirs
    assert len(listed) == 2 and {t["state"] for t in listed} == {"active"}
    assert sum(t["current"] for t in listed) == 1
    assert "digest" not in listed[0] and "token" not in listed[0]
    assert refused.status_code == 404
    assert revoked.status_code == 204
    assert token_client(other_key).get(f"{API}/me/").status_code == 200


def test_the_tokens_page_lists_and_revokes_tokens(cadre):
    # given a token
    token, key = services.token_create(user=cadre, client="curl/8")
    client = browser()
    client.force_login(cadre)
    # when the user opens their tokens page and revokes it
    page = client.get("/accounts/tokens/").content.decode()
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    # then it was listed, and is now revoked
    assert token.prefix in page and "curl/8" in page
    assert token_client(key).get(f"{API}/me/").status_code == 401
    assert "已撤销" in client.get("/accounts/tokens/").content.decode()


def test_nobody_revokes_another_users_token_from_the_page(cadre):
    token, key = services.token_create(user=factories.make_user())
    client = browser()
    client.force_login(cadre)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert token_client(key).get(f"{API}/me/").status_code == 200


def test_a_token_call_takes_a_constant_number_of_queries(cadre, django_assert_num_queries):
    # given a token used once (its last use noted)
    key = api_token(cadre.username).json()["token"]
    client = token_client(key)
    client.get(f"{API}/me/")
    # when it is used again within the minute
    # then one query finds the token with its user and flag, one lists the tokens
    with django_assert_num_queries(2):
        client.get(f"{API}/auth/tokens/")


# --- Sessions -----------------------------------------------------------------------------------


def test_a_session_expires_after_the_idle_minutes_and_slides_on_activity(cadre):
    # given a signed-in user
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    session = Session.objects.get()
    # then the session lives SESSION_IDLE_MINUTES (default 30)
    assert settings.SESSION_IDLE_MINUTES == 30
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    # when they come back after ten idle minutes (their last activity noted ten minutes ago)
    store = client.session
    store[LAST_SEEN] -= 600
    store.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=20))
    client.get("/")
    # then the expiry moves to 30 minutes from now
    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > timedelta(minutes=29)


def test_an_idle_session_is_gone(cadre):
    # given a session idle longer than the timeout
    client = browser()
    client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    # when they come back
    response = client.get("/")
    # then they must sign in again
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_requests_within_the_minute_do_not_write_the_session(cadre, django_assert_max_num_queries):
    # given a fresh sign-in
    client = browser()
    client.force_login(cadre)
    # when they make a request at once
    with django_assert_max_num_queries(20) as captured:
        client.get("/accounts/tokens/")
    # then the session is read, never written
    writes = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


def test_the_admins_password_change_leads_to_the_portals(admin_user_):
    client = browser()
    client.force_login(admin_user_)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"

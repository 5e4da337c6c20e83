"""The enterprise pages (/e/): a contact's card (issue, expiry, revocation, re-issue), sign-in by link and
by code with its lock-out, one enterprise only, the appeal raised and the verdict given through the appeals
service, the public timeline, policies, notices, the access log, and the staff's endpoints."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import services as appeal_services
from appeals.models import AppealCategory, EventKind, Source, Status, Tier
from liaison.models import Role
from portal import services
from portal.models import AccessKind, ContactAccess, EnterpriseContact, EnterpriseNotice
from portal.session import SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db


def issue(pairing, **kwargs):
    kwargs.setdefault("name", "王经理")
    kwargs.setdefault("phone", "13800000000")
    return services.contact_issue(enterprise=pairing.enterprise, acting_user=pairing.cadre.user, **kwargs)


def link_path(contact) -> str:
    return reverse("portal-link", args=[services.contact_link_token(contact)])


def signed_in_client(contact) -> Client:
    client = Client()
    response = client.get(link_path(contact))
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    return client


def financing():
    return AppealCategory.objects.get(code="financing")


# --- Cards ----------------------------------------------------------------------------------------------


def test_the_paired_cadre_issues_a_card_whose_code_is_kept_only_as_a_digest(pairing):
    # when the paired cadre issues a card
    contact, code = issue(pairing)
    # then the code is 8 characters of the card's alphabet, not stored in clear, and the issue is logged
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", code)
    assert code not in contact.code_digest and contact.code_digest == services.code_digest(code)
    row = ContactAccess.objects.get(kind=AccessKind.ISSUED)
    assert row.user == pairing.cadre.user and row.enterprise == pairing.enterprise


def test_who_may_issue_a_card(pairing, other_pairing, unit_handler, taskforce_user, leader_user):
    # then the cadre, their unit's handler and the task force may; another cadre and a leader may not
    assert issue(pairing)[0].issued_by == pairing.cadre.user
    services.contact_issue(enterprise=pairing.enterprise, name="甲", acting_user=unit_handler)
    services.contact_issue(enterprise=pairing.enterprise, name="乙", acting_user=taskforce_user)
    for user in (other_pairing.cadre.user, leader_user):
        with pytest.raises(PermissionDenied):
            services.contact_issue(enterprise=pairing.enterprise, name="丙", acting_user=user)


def test_a_card_is_valid_only_within_the_allowed_days(pairing):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        issue(pairing, days=0)
    with pytest.raises(ValidationError):
        issue(pairing, days=10_000)


# --- Signing in -----------------------------------------------------------------------------------------


def test_the_link_signs_the_contact_in_and_the_page_shows_their_cadre(pairing):
    # given a card
    contact, _code = issue(pairing)
    pairing.cadre.phone = "0411-88886666"
    pairing.cadre.save()
    # when its link is opened
    client = signed_in_client(contact)
    html = client.get(reverse("portal-home")).content.decode()
    # then the home page shows the cadre, their unit and phone; the sign-in and the view are logged
    assert pairing.cadre.name in html and pairing.cadre.unit.name in html and "0411-88886666" in html
    kinds = list(ContactAccess.objects.filter(contact=contact).values_list("kind", flat=True))
    assert AccessKind.SIGN_IN in kinds and AccessKind.VIEW in kinds
    assert client.session[SESSION_KEY]["id"] == contact.pk


def test_a_contact_is_anonymous_to_every_staff_page(pairing):
    contact, _code = issue(pairing)
    client = signed_in_client(contact)
    # then staff pages send them to the staff sign-in, and the API answers 401
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk]))["Location"].startswith(
        reverse("login"))
    assert client.get(reverse("api:appeal-list")).status_code == 401


def test_the_code_signs_in_and_is_forgiving_about_dashes_and_case(pairing):
    contact, code = issue(pairing)
    client = Client()
    response = client.post(reverse("portal-login"), {"code": f"{code[:4].lower()}-{code[4:]}"})
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    assert client.get(reverse("portal-home")).status_code == 200


def test_wrong_codes_lock_the_address_out_even_for_a_right_code(pairing, settings):
    # given a limit of 3 wrong codes
    settings.CONTACT_CODE_FAILURE_LIMIT = 3
    contact, code = issue(pairing)
    client = Client()
    # when 3 wrong codes are typed from one address
    for _ in range(3):
        response = client.post(reverse("portal-login"), {"code": "ZZZZ-ZZZZ"})
        assert response.status_code == 200 and "portal_contact" not in client.session
    # then the right code is refused too (429), and each failure is in the log
    response = client.post(reverse("portal-login"), {"code": code})
    assert response.status_code == 429 and SESSION_KEY not in client.session
    # and the sign-in page says so
    response = client.get(reverse("portal-login"))
    assert response.status_code == 429 and "次数过多" in response.content.decode()
    assert ContactAccess.objects.filter(kind=AccessKind.SIGN_IN_FAILED).count() == 3
    # and another address is not locked
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("portal-login"), {"code": code}).status_code == 302


def test_the_lock_out_ends_after_its_minutes(pairing, settings):
    settings.CONTACT_CODE_FAILURE_LIMIT = 1
    contact, code = issue(pairing)
    client = Client()
    client.post(reverse("portal-login"), {"code": "ZZZZ-ZZZZ"})
    assert client.post(reverse("portal-login"), {"code": code}).status_code == 429
    ContactAccess.objects.filter(kind=AccessKind.SIGN_IN_FAILED).update(at=timezone.now() - timedelta(minutes=31))
    assert client.post(reverse("portal-login"), {"code": code}).status_code == 302


def test_an_expired_card_signs_no_one_in_and_ends_the_session(pairing):
    # given a contact signed in
    contact, code = issue(pairing)
    client = signed_in_client(contact)
    # when the card expires
    EnterpriseContact.objects.filter(pk=contact.pk).update(
        issued_at=timezone.now() - timedelta(days=200), expires_at=timezone.now() - timedelta(seconds=1))
    # then the session no longer opens the page, and neither the link nor the code signs in
    assert client.get(reverse("portal-home"))["Location"].startswith(reverse("portal-login"))
    assert Client().get(link_path(contact)).status_code == 410
    response = Client().post(reverse("portal-login"), {"code": code})
    assert response.status_code == 200 and "已过期" in response.content.decode()


def test_a_revoked_card_ends_its_sessions_link_and_code(pairing):
    # given a contact signed in
    contact, code = issue(pairing)
    client = signed_in_client(contact)
    # when the cadre revokes the card
    services.contact_revoke(contact=contact, acting_user=pairing.cadre.user)
    # then the open session is refused, the link answers 410 and the code no longer works
    assert client.get(reverse("portal-home"))["Location"].startswith(reverse("portal-login"))
    assert Client().get(link_path(contact)).status_code == 404  # the secret changed with the revocation
    assert Client().post(reverse("portal-login"), {"code": code}).status_code == 200
    contact.refresh_from_db()
    assert contact.revoked_by == pairing.cadre.user and contact.revoked_at is not None
    assert ContactAccess.objects.filter(kind=AccessKind.REVOKED, user=pairing.cadre.user).count() == 1


def test_issuing_again_retires_the_old_link_and_code(pairing):
    contact, old_code = issue(pairing)
    old_link = link_path(contact)
    contact, new_code = services.contact_reissue(contact=contact, acting_user=pairing.cadre.user)
    assert Client().get(old_link).status_code == 404
    assert Client().post(reverse("portal-login"), {"code": old_code}).status_code == 200
    assert Client().post(reverse("portal-login"), {"code": new_code}).status_code == 302


def test_a_forged_link_is_refused():
    assert Client().get(reverse("portal-link", args=["forged:token"])).status_code == 404


def test_a_staff_sign_in_in_the_same_browser_ends_the_contacts_session(pairing):
    contact, _code = issue(pairing)
    client = signed_in_client(contact)
    client.force_login(pairing.cadre.user)
    assert SESSION_KEY not in client.session


# --- One enterprise only --------------------------------------------------------------------------------


def test_a_contact_cannot_open_another_enterprises_appeal(pairing, other_pairing):
    # given a contact of one enterprise and an appeal of another
    contact, _code = issue(pairing)
    theirs = factories.make_appeal(pairing=other_pairing)
    mine = factories.make_appeal(pairing=pairing)
    client = signed_in_client(contact)
    # then their own appeal opens and another's is a 404, also for the verdict
    assert client.get(reverse("portal-appeal", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal-appeal", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal-appeal-verdict", args=[theirs.pk]), {"verdict": "satisfied"}).status_code \
        == 404
    # and the home page lists only their enterprise's appeals
    html = client.get(reverse("portal-home")).content.decode()
    assert f'data-appeal="{mine.pk}"' in html and f'data-appeal="{theirs.pk}"' not in html


# --- Appeals and verdicts -------------------------------------------------------------------------------


def test_an_appeal_raised_by_the_contact_goes_to_the_paired_cadre(pairing):
    # given a contact signed in
    contact, _code = issue(pairing)
    client = signed_in_client(contact)
    # when they raise a problem
    response = client.post(reverse("portal-appeal-new"), {
        "category": financing().pk, "title": "厂区道路积水", "description": "雨后厂区门口道路积水严重。",
        "urgency": "normal"})
    # then it is an appeal from the enterprise, at the cadre's individual tier, naming the contact
    appeal = pairing.enterprise.appeals.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal-appeal", args=[appeal.pk])
    assert (appeal.source, appeal.tier, appeal.status) == (Source.ENTERPRISE, Tier.INDIVIDUAL, Status.HANDLING)
    assert appeal.handler_cadre == pairing.cadre and appeal.raised_by == pairing.cadre.user
    raised = appeal.events.get()
    assert raised.actor is None and "王经理" in raised.actor_label
    assert ContactAccess.objects.filter(kind=AccessKind.APPEAL_RAISED, contact=contact).count() == 1


def test_an_enterprise_without_a_cadre_sends_its_appeal_to_the_task_force(pairing, taskforce_user):
    contact, _code = issue(pairing)
    pairing.ended_on = timezone.localdate()
    pairing.save()
    appeal = services.contact_appeal_raise(contact=contact, category=financing(), title="用地", description="用地指标")
    assert appeal.tier == Tier.TASKFORCE and appeal.cadre is None


def test_the_public_timeline_leaves_out_internal_steps_and_comments(pairing, taskforce_user):
    # given an appeal escalated with an internal reason, reminded, and resolved
    contact, _code = issue(pairing)
    appeal = factories.make_appeal(pairing=pairing)
    appeal_services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="内部：需局里协调资金")
    appeal_services.appeal_escalate(appeal=appeal, acting_user=factories.make_unit_handler(pairing.cadre.unit),
                                    reason="单位层面无法解决")
    appeal_services.appeal_resolve(appeal=appeal, acting_user=taskforce_user, resolution="已协调银行授信500万元。")
    client = signed_in_client(contact)
    # when the contact opens it
    html = client.get(reverse("portal-appeal", args=[appeal.pk])).content.decode()
    # then they see the steps and the resolution, not the internal reasons
    assert "已协调银行授信500万元" in html and "内部：需局里协调资金" not in html and "单位层面无法解决" not in html
    kinds = re.findall(r'data-kind="(\w+)"', html)
    assert kinds == [EventKind.RAISED, EventKind.ESCALATED, EventKind.ESCALATED, EventKind.RESOLVED]
    assert 'id="verdict-form"' in html


def test_the_contacts_verdict_closes_the_appeal_through_the_feedback_service(pairing):
    # given a resolved appeal of the contact's enterprise
    contact, _code = issue(pairing)
    appeal = factories.make_appeal(pairing=pairing)
    appeal_services.appeal_resolve(appeal=appeal, acting_user=pairing.cadre.user, resolution="已解决")
    client = signed_in_client(contact)
    # when they answer satisfied
    response = client.post(reverse("portal-appeal-verdict", args=[appeal.pk]), {"verdict": "satisfied"})
    # then it is closed with their verdict, the event names them, and the verdict is logged
    appeal.refresh_from_db()
    assert response.status_code == 302 and appeal.status == Status.CLOSED and appeal.feedback == "satisfied"
    event = appeal.events.get(kind=EventKind.FEEDBACK)
    assert event.actor is None and "王经理" in event.actor_label
    assert ContactAccess.objects.filter(kind=AccessKind.VERDICT, contact=contact).count() == 1
    # and a second verdict is refused (the appeal is no longer awaiting one)
    assert client.post(reverse("portal-appeal-verdict", args=[appeal.pk]), {"verdict": "satisfied"}).status_code \
        == 400


def test_unsatisfied_needs_a_comment_and_reopens(pairing):
    contact, _code = issue(pairing)
    appeal = factories.make_appeal(pairing=pairing)
    appeal_services.appeal_resolve(appeal=appeal, acting_user=pairing.cadre.user, resolution="已解决")
    client = signed_in_client(contact)
    response = client.post(reverse("portal-appeal-verdict", args=[appeal.pk]), {"verdict": "unsatisfied"})
    assert response.status_code == 400 and 'data-error-for="comment"' in response.content.decode()
    client.post(reverse("portal-appeal-verdict", args=[appeal.pk]), {"verdict": "unsatisfied",
                                                                      "comment": "贷款仍未到位"})
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING and appeal.tier == Tier.INDIVIDUAL


# --- Policies and notices -------------------------------------------------------------------------------


def test_the_policies_page_shows_eligible_measures_with_why_and_deliveries(pairing):
    from policies.models import Delivery, Policy, PolicyCategory, PolicyStatus, RuleGroup

    category = PolicyCategory.objects.create(code="t", name="测试类")
    fits = Policy.objects.create(title="规上工业企业奖励", category=category, status=PolicyStatus.PUBLISHED,
                                 no_application=True)
    RuleGroup.objects.create(policy=fits, above_scale=True)
    misses = Policy.objects.create(title="小微企业补贴", category=category, status=PolicyStatus.PUBLISHED)
    RuleGroup.objects.create(policy=misses, above_scale=False)
    Delivery.objects.create(policy=fits, enterprise=pairing.enterprise, cadre=pairing.cadre, status="delivered")
    contact, _code = issue(pairing)
    html = signed_in_client(contact).get(reverse("portal-policies")).content.decode()
    assert "规上工业企业奖励" in html and "小微企业补贴" not in html
    assert f'data-delivery="{Delivery.objects.get().pk}"' in html


def test_a_notice_put_twice_with_one_key_shows_once_and_is_marked_read(pairing):
    contact, _code = issue(pairing)
    first = services.enterprise_notice_add(enterprise=pairing.enterprise, title="新政策：规上企业奖励",
                                           body="您的企业符合条件", kind="policy_push", key="policy-push:1")
    again = services.enterprise_notice_add(enterprise=pairing.enterprise.pk, title="新政策：规上企业奖励",
                                           key="policy-push:1")
    assert first.pk == again.pk and EnterpriseNotice.objects.count() == 1
    html = signed_in_client(contact).get(reverse("portal-home")).content.decode()
    assert "新政策：规上企业奖励" in html
    first.refresh_from_db()
    assert first.read_at is not None


# --- Staff pages and API --------------------------------------------------------------------------------


def test_the_cadre_issues_a_card_on_the_page_and_prints_it_with_the_code(pairing, client):
    client.force_login(pairing.cadre.user)
    response = client.post(reverse("contact-issue", args=[pairing.enterprise.pk]),
                           {"name": "李主任", "phone": "13900000000", "days": 30})
    contact = EnterpriseContact.objects.get()
    assert response["Location"] == reverse("contact-card", args=[contact.pk])
    html = client.get(response["Location"]).content.decode()
    assert pairing.enterprise.name in html and pairing.cadre.name in html and "<svg" in html
    assert 'id="card-code"' in html
    assert client.get(response["Location"] + "?format=pdf")["Content-Type"] == "application/pdf"
    # another staff member sees the card without the code
    other = Client()
    other.force_login(factories.make_user(role=Role.TASKFORCE))
    html = other.get(reverse("contact-card", args=[contact.pk])).content.decode()
    assert 'id="card-code"' not in html and 'id="card-no-code"' in html
    # the enterprise page lists the contact and the access log
    html = client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk])).content.decode()
    assert f'data-contact="{contact.pk}"' in html and 'data-access="issued"' in html


def test_the_cadre_revokes_on_the_page(pairing, client):
    contact, _code = issue(pairing)
    client.force_login(pairing.cadre.user)
    client.post(reverse("contact-revoke", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.is_revoked


def test_another_cadre_cannot_see_or_revoke_the_cards(pairing, other_pairing, client):
    contact, _code = issue(pairing)
    client.force_login(other_pairing.cadre.user)
    assert client.get(reverse("contact-card", args=[contact.pk])).status_code == 404
    assert client.post(reverse("contact-revoke", args=[contact.pk])).status_code == 404
    assert client.get(reverse("contact-issue", args=[pairing.enterprise.pk])).status_code == 404


def test_the_api_issues_lists_reissues_and_revokes(pairing, client):
    client.force_login(pairing.cadre.user)
    response = client.post(reverse("api:enterprise-contact-list"),
                           {"enterprise": pairing.enterprise.pk, "name": "赵会计"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["link"].startswith("http") and re.fullmatch(r"\w{4}-\w{4}", body["code"])
    listed = client.get(reverse("api:enterprise-contact-list")).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    response = client.post(reverse("api:enterprise-contact-reissue", args=[body["id"]]), {},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["code"] != body["code"]
    response = client.post(reverse("api:enterprise-contact-revoke", args=[body["id"]]))
    assert response.status_code == 200 and response.json()["active"] is False


def test_the_api_refuses_another_cadres_enterprise(pairing, other_pairing, client):
    client.force_login(other_pairing.cadre.user)
    response = client.post(reverse("api:enterprise-contact-list"),
                           {"enterprise": pairing.enterprise.pk, "name": "赵会计"}, content_type="application/json")
    assert response.status_code == 404


def test_the_admin_reads_contacts_and_their_log_but_changes_nothing(pairing, client, admin_user_):
    contact, _code = issue(pairing)
    client.force_login(admin_user_)
    for name in ("enterprisecontact", "contactaccess", "enterprisenotice"):
        assert client.get(f"/admin/portal/{name}/").status_code == 200
    html = client.get(f"/admin/portal/enterprisecontact/{contact.pk}/change/").content.decode()
    assert contact.secret not in html and contact.code_digest not in html
    assert client.post(f"/admin/portal/enterprisecontact/{contact.pk}/delete/", {"post": "yes"}).status_code == 403
    assert EnterpriseContact.objects.filter(pk=contact.pk).exists()

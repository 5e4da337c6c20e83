"""Browser pages: who sees what, and the forms that log visits and change the roster."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from liaison.models import Assignment, Role, Visit
from liaison.selectors import today
from tests import factories
from tests.api_support import PNG_BYTES

pytestmark = pytest.mark.django_db

PNG = PNG_BYTES  # a real image: attachments are decoded and written again


def login(client, user):
    client.force_login(user)
    return client


# --- Home and the visit form ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_cadre_home_shows_the_paired_enterprise_and_not_contacted_yet(client, pairing):
    response = login(client, pairing.cadre.user).get(reverse("home"))
    body = response.content.decode()
    assert pairing.enterprise.name in body
    assert 'data-status="pending"' in body


def test_logging_a_visit_from_home_marks_the_month_contacted(client, pairing):
    # given a cadre on their home page
    login(client, pairing.cadre.user)
    # when they post the visit form with a photo
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        {
            "date": today().isoformat(),
            "method": "on_site",
            "people_met": "总经理王某",
            "summary": "了解用工需求",
            "files": [SimpleUploadedFile("photo.png", PNG)],
            "next": reverse("home"),
        },
    )
    # then they are back home, the month shows as contacted and the visit has its photo
    assert response.status_code == 302 and response["Location"] == reverse("home")
    body = client.get(reverse("home")).content.decode()
    assert 'data-status="contacted"' in body
    visit = Visit.objects.get()
    assert visit.attachments.count() == 1 and visit.history.first().history_user == pairing.cadre.user


def test_a_visit_in_the_future_shows_the_error_and_saves_nothing(client, pairing):
    login(client, pairing.cadre.user)
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        {"date": (today() + timedelta(days=2)).isoformat(), "method": "phone", "summary": "电话联系"},
    )
    assert response.status_code == 200
    assert "未来" in response.content.decode() or "future" in response.content.decode()
    assert not Visit.objects.exists()


@override_settings(VISIT_ATTACHMENT_MAX_BYTES=100)
def test_an_oversized_upload_shows_the_error_and_saves_nothing(client, pairing):
    login(client, pairing.cadre.user)
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        {
            "date": today().isoformat(),
            "method": "on_site",
            "summary": "走访",
            "files": [SimpleUploadedFile("big.png", PNG + b"0" * 500)],
        },
    )
    assert response.status_code == 200
    assert not Visit.objects.exists()


def test_a_cadre_cannot_log_a_visit_for_another_cadres_enterprise(client, pairing, other_pairing):
    login(client, pairing.cadre.user)
    response = client.post(
        reverse("visit-create", args=[other_pairing.enterprise.pk]),
        {"date": today().isoformat(), "method": "on_site", "summary": "越权"},
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


# --- Who sees what ----------------------------------------------------------------------------


def test_a_cadre_cannot_open_another_cadres_enterprise_visit_or_attachment(client, pairing, other_pairing):
    other_visit = factories.make_visit(assignment=other_pairing, date=today())
    login(client, pairing.cadre.user)
    assert client.get(reverse("enterprise-detail", args=[other_pairing.enterprise.pk])).status_code == 404
    assert client.get(reverse("visit-detail", args=[other_visit.pk])).status_code == 404
    assert client.get(reverse("cadre-detail", args=[other_pairing.cadre.pk])).status_code == 404
    assert client.get(reverse("visit-edit", args=[other_visit.pk])).status_code == 404
    assert client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk])).status_code == 200


def test_a_cadre_sees_only_their_own_enterprise_and_visits_in_lists(client, pairing, other_pairing):
    factories.make_visit(assignment=pairing, date=today(), summary="我的走访")
    factories.make_visit(assignment=other_pairing, date=today(), summary="别人的走访")
    login(client, pairing.cadre.user)
    directory = client.get(reverse("enterprise-list")).content.decode()
    assert pairing.enterprise.name in directory and other_pairing.enterprise.name not in directory
    ledger = client.get(reverse("visit-list")).content.decode()
    assert pairing.enterprise.name in ledger and other_pairing.enterprise.name not in ledger


def test_a_cadre_gets_no_roster(client, pairing):
    assert login(client, pairing.cadre.user).get(reverse("roster")).status_code == 403


def test_a_unit_handler_sees_their_units_pairings_only(client, unit_handler, pairing, other_pairing):
    login(client, unit_handler)
    body = client.get(reverse("roster")).content.decode()
    assert pairing.enterprise.name in body and other_pairing.enterprise.name not in body
    assert client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk])).status_code == 200
    assert client.get(reverse("enterprise-detail", args=[other_pairing.enterprise.pk])).status_code == 404
    # but cannot change the roster
    assert client.get(reverse("roster-pair") + f"?enterprise={pairing.enterprise.pk}").status_code == 403


def test_a_leader_reads_everything_and_changes_nothing(client, leader_user, pairing, other_pairing):
    login(client, leader_user)
    body = client.get(reverse("roster")).content.decode()
    assert pairing.enterprise.name in body and other_pairing.enterprise.name in body
    assert client.get(reverse("enterprise-detail", args=[other_pairing.enterprise.pk])).status_code == 200
    response = client.post(
        reverse("roster-pair"), {"enterprise": pairing.enterprise.pk, "choice": other_pairing.cadre.pk, "reason": "x"}
    )
    assert response.status_code == 403
    response = client.post(reverse("assignment-end", args=[pairing.pk]), {"reason": "x"})
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    response = client.post(
        reverse("visit-create", args=[pairing.enterprise.pk]),
        {"date": today().isoformat(), "method": "on_site", "summary": "x"},
    )
    assert response.status_code == 403


def test_visit_attachments_are_served_only_to_those_who_may_see_the_visit(client, pairing, other_pairing, tmp_path):
    from liaison import services

    visit = services.visit_create(
        acting_user=pairing.cadre.user,
        enterprise=pairing.enterprise,
        date=today(),
        method="on_site",
        summary="现场",
        files=[SimpleUploadedFile("p.png", PNG)],
    )
    attachment = visit.attachments.get()
    assert login(client, pairing.cadre.user).get(reverse("visit-attachment", args=[attachment.pk])).status_code == 200
    assert (
        login(client, other_pairing.cadre.user).get(reverse("visit-attachment", args=[attachment.pk])).status_code
        == 404
    )


# --- The roster -------------------------------------------------------------------------------


def test_taskforce_repairs_an_enterprise_through_the_pair_page(client, taskforce_user, pairing):
    # given an unpaired cadre
    newcomer = factories.make_cadre(name="新干部")
    login(client, taskforce_user)
    page = client.get(reverse("roster-pair") + f"?enterprise={pairing.enterprise.pk}&q=新干部").content.decode()
    assert "新干部" in page
    # when staff choose them with a reason
    response = client.post(
        reverse("roster-pair"), {"enterprise": pairing.enterprise.pk, "choice": newcomer.pk, "reason": "原干部岗位调整"}
    )
    # then the enterprise has the new cadre and the old pairing is history
    assert response.status_code == 302
    active = Assignment.objects.active().get(enterprise=pairing.enterprise)
    assert active.cadre == newcomer
    pairing.refresh_from_db()
    assert pairing.ended_on is not None
    detail = client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk])).content.decode()
    assert "原干部岗位调整" in detail and pairing.cadre.name in detail


def test_repairing_without_a_reason_is_refused_with_a_message(client, taskforce_user, pairing):
    newcomer = factories.make_cadre()
    login(client, taskforce_user)
    response = client.post(reverse("roster-pair"), {"enterprise": pairing.enterprise.pk, "choice": newcomer.pk})
    assert response.status_code == 200
    assert Assignment.objects.active().get(enterprise=pairing.enterprise) == pairing


def test_roster_tabs_list_unpaired_enterprises_and_cadres(client, taskforce_user, pairing):
    lone_enterprise = factories.make_enterprise(name="待结对企业")
    lone_cadre = factories.make_cadre(name="待结对干部")
    login(client, taskforce_user)
    assert lone_enterprise.name in client.get(reverse("roster") + "?tab=unpaired-enterprises").content.decode()
    assert lone_cadre.name in client.get(reverse("roster") + "?tab=unpaired-cadres").content.decode()
    assert pairing.cadre.unit.name in client.get(reverse("roster") + "?tab=compliance").content.decode()
    assert client.get(reverse("roster") + "?tab=nonsense").status_code == 404
    assert client.get(reverse("roster") + "?tab=compliance&month=2024-13").status_code == 404


def test_enterprise_page_shows_its_change_history_with_who_changed_what(client, taskforce_user, pairing):
    from liaison import services

    enterprise = pairing.enterprise
    enterprise.contact_phone = "13800000000"
    services.enterprise_save(enterprise=enterprise, acting_user=taskforce_user)
    body = login(client, taskforce_user).get(reverse("enterprise-detail", args=[enterprise.pk])).content.decode()
    assert "13800000000" in body and taskforce_user.display_name in body


def test_enterprise_directory_filters_by_name_industry_and_pairing(client, taskforce_user, pairing):
    factories.make_enterprise(name="大连海韵软件有限公司", industry_section="I", industry_division="65")
    login(client, taskforce_user)
    body = client.get(reverse("enterprise-list") + "?q=海韵").content.decode()
    assert "海韵" in body and pairing.enterprise.name not in body
    body = client.get(reverse("enterprise-list") + "?industry_section=I").content.decode()
    assert "海韵" in body and pairing.enterprise.name not in body
    body = client.get(reverse("enterprise-list") + "?paired=false").content.decode()
    assert "海韵" in body and pairing.enterprise.name not in body
    body = client.get(reverse("enterprise-list") + f"?q={pairing.enterprise.credit_code}").content.decode()
    assert pairing.enterprise.name in body


def test_htmx_directory_search_returns_only_the_results_fragment(client, taskforce_user, pairing):
    response = login(client, taskforce_user).get(reverse("enterprise-list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="enterprise-table"' in body and "<html" not in body


def test_units_and_unit_pages_render_for_every_role(client, pairing, unit_handler, leader_user, taskforce_user):
    for user in (pairing.cadre.user, unit_handler, leader_user, taskforce_user):
        login(client, user)
        assert client.get(reverse("unit-list")).status_code == 200
        assert client.get(reverse("unit-detail", args=[pairing.cadre.unit.pk])).status_code == 200


def test_english_is_available(client, pairing):
    login(client, pairing.cadre.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert "Log a visit" in body


def test_the_admin_lists_every_model(client):
    admin = factories.make_user(role=Role.ADMIN, is_superuser=True, is_staff=True)
    login(client, admin)
    for name in (
        "liaison/unit",
        "liaison/cadre",
        "liaison/assignment",
        "liaison/visit",
        "liaison/user",
        "enterprises/enterprise",
    ):
        assert client.get(f"/admin/{name}/").status_code == 200, name

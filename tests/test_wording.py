"""Words a district's staff read in their first week (issue 13): a notification is opened with 查看 (its appeal
may be resolved), while an appeal queue's open count stays 未结."""

import pytest
from django.urls import reverse

from liaison.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_notification_is_opened_with_view_while_the_queue_still_counts_open_appeals(client):
    # given a cadre with a notification about an appeal
    pairing = factories.make_pairing_with_login()
    user = pairing.cadre.user
    note = Notification.objects.create(user=user, kind="x", title="诉求已办结", dedupe_key="n1", url="/appeals/")
    client.force_login(user)
    # when they read their notifications
    html = client.get(reverse("notification-list")).content.decode()
    # then the button says 查看, not 未结
    assert f'data-open="{note.pk}">查看</button>' in html
    assert "未结" not in html.split('id="notifications"')[1]
    # and the appeal queue's count of open appeals is still 未结
    assert "未结" in client.get(reverse("appeal-list")).content.decode()


PAGES = ("home", "roster", "visit-list", "unit-list", "enterprise-list", "meeting-list", "meeting-create",
         "meeting-three-ones", "audit-list", "dispatch-weeks", "interview-list", "bulletin-list", "evaluation-index",
         "matching", "job-list", "dashboard", "calendar", "appeal-list", "policy-list", "policy-scans",
         "substitution-list", "notification-list", "token-list", "lockout-list")


@pytest.mark.parametrize("role", ["taskforce", "admin", "unit_handler", "cadre"])
def test_no_filter_or_form_offers_djangos_dashes_or_unknown_as_its_empty_choice(client, role):
    from liaison.models import Role

    pairing = factories.make_pairing_with_login()
    user = {
        "taskforce": lambda: factories.make_user(role=Role.TASKFORCE, username="专班"),
        "admin": lambda: factories.make_user(role=Role.ADMIN, username="管理员", is_staff=True, is_superuser=True),
        "unit_handler": lambda: factories.make_unit_handler(pairing.cadre.unit, username="经办"),
        "cadre": lambda: pairing.cadre.user,
    }[role]()
    client.force_login(user)
    offending = {}
    for name in PAGES:
        response = client.get(reverse(name))
        if response.status_code != 200:
            continue
        html = response.content.decode()
        found = [word for word in ("---------", ">未知<") if word in html]
        if found:
            offending[name] = found
    assert offending == {}


def test_the_meetings_filter_says_what_each_box_is(client):
    client.force_login(factories.make_pairing_with_login().cadre.user)
    html = client.get(reverse("meeting-list")).content.decode()
    assert '<label class="form-label small mb-0" for="id_kind">类型</label>' in html
    assert '<label class="form-label small mb-0" for="id_year">年份</label>' in html
    assert '<option value="" selected>全部</option>' in html


def test_the_admin_is_named_after_the_portal(client):
    from liaison.models import Role

    client.force_login(factories.make_user(role=Role.ADMIN, username="管理员", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>数据与设置 | 入企服务平台管理</title>" in html
    assert "入企服务平台管理" in html and "Django" not in html.split("<body")[1].split("<footer")[0]


def test_matching_and_calendar_speak_plainly():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Given up by splitting") == "与最佳方案的差距"
        words = [translation.gettext(m) for m in ("blocks", "best possible", "Some blocks were not solved.",
                                                  "solved as one block: this is the optimum")]
        assert not any("分块" in w or "上界" in w for w in words), words
        calendar = [translation.gettext("chinese_calendar package"), translation.gettext("Package")]
        assert not any("chinese_calendar" in w or "软件包" in w for w in calendar), calendar


def test_the_api_docs_introduce_the_api_in_chinese(client):
    from liaison.models import Role

    client.force_login(factories.make_user(role=Role.TASKFORCE, username="专班"))
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    assert schema["info"]["title"] == "入企服务平台 API"
    description = schema["info"]["description"]
    for words in ("Authorization: Token", "/api/v1/auth/token/", "诉求", "惠企政策", "月通报", "v1", "Accept-Language"):
        assert words in description

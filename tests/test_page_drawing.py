"""What the hot pages keep between requests, and the rows they read by written statements, give the same
page as drawing and reading everything anew: the appeal's relations, the timeline kept per version, the
menu kept per role, the rows' links, the Redis client kept per pool."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import models
from django.urls import reverse

from appeals import selectors, services
from appeals.models import Appeal, AppealAttachment
from enterprises.models import Enterprise
from liaison.joined import Joined, Part, by_ids, instance
from liaison.models import Cadre, Role, Unit, User, Visit
from liaison.templatetags.liaison_urls import url_of
from tests import factories

pytestmark = pytest.mark.django_db


def _fields(obj: models.Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_appeal_page_reads_the_same_rows_as_the_orm(categories, taskforce_user):
    pairing = factories.make_pairing_with_login()
    visit = Visit.objects.create(assignment=pairing, cadre=pairing.cadre, enterprise=pairing.enterprise,
                                 date=date(2026, 11, 3), summary="走访", created_by=pairing.cadre.user)
    appeal = factories.make_appeal(pairing=pairing, visit=visit)
    services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="需要单位协调")
    leader = factories.make_cadre(name="督办领导", rank="district")
    Appeal.objects.filter(pk=appeal.pk).update(supervising_leader=leader, press_level=2)

    page = selectors.appeal_for_page(appeal.pk)
    orm = Appeal.objects.select_related(
        "enterprise__street", "category", "cadre__unit", "handler_cadre", "handler_unit", "raised_by__cadre",
        "visit", "supervising_leader__unit",
    ).get(pk=appeal.pk)
    assert _fields(page) == _fields(orm)
    for name in ("enterprise", "category", "cadre", "handler_unit", "raised_by", "supervising_leader"):
        assert _fields(getattr(page, name)) == _fields(getattr(orm, name)), name
    assert page.visit is not None and _fields(page.visit) == _fields(Visit.all_objects.get(pk=visit.pk))
    assert _fields(page.cadre.unit) == _fields(orm.cadre.unit)
    assert page.raised_by.display_name == pairing.cadre.name
    assert page.resolved_by_id is None and page.handler_cadre_id is None


def test_the_appeal_page_reads_its_rows_without_lazy_loads(categories, django_assert_max_num_queries):
    pairing = factories.make_pairing_with_login()
    appeal = factories.make_appeal(pairing=pairing)
    with django_assert_max_num_queries(3):
        page = selectors.appeal_for_page(appeal.pk)
    with django_assert_max_num_queries(0):
        # everything the page and its permission rules touch is already there
        assert page.enterprise.name and page.category.name and page.cadre.unit.name
        assert page.handler_label() and page.raised_by.display_name == pairing.cadre.name


def test_a_missing_appeal_is_does_not_exist():
    with pytest.raises(Appeal.DoesNotExist):
        selectors.appeal_for_page(987654321)


def test_written_statements_convert_values_as_the_orm_does():
    enterprise = factories.make_enterprise(annual_revenue=Decimal("1234.56"), founded_on=date(2001, 2, 3))
    read = Joined([Part("e", Enterprise), Part("s", Unit, "LEFT JOIN liaison_unit s ON s.id = e.street_id")],
                  where="e.id = %s").one([enterprise.pk])
    assert _fields(read["e"]) == _fields(Enterprise.objects.get(pk=enterprise.pk))
    assert isinstance(read["e"].founded_on, date) and read["e"].annual_revenue == Decimal("1234.56")
    assert (read["s"] is None) == (enterprise.street_id is None)
    assert not read["e"].get_deferred_fields() and read["e"]._state.adding is False
    assert by_ids(Enterprise, []) == {} and by_ids(Enterprise, [None]) == {}
    assert list(by_ids(Enterprise, [enterprise.pk, 987654321])) == [enterprise.pk]
    assert instance(Unit, [None] * len(Unit._meta.concrete_fields)) is None


def _prepared_names() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_written_statements_are_prepared_once_per_connection_and_outlive_a_rollback(
    settings, django_assert_num_queries
):
    from django.db import connection, transaction

    from liaison import joined

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    settings.PREPARED_STATEMENTS = True
    street = factories.make_street(name="春晖街道")
    enterprise = factories.make_enterprise(name="丁企业", street=street)
    read = Joined([Part("e", Enterprise), Part("s", Unit, "LEFT JOIN liaison_unit s ON s.id = e.street_id")],
                  where="e.id = %s AND e.name LIKE '%%企业'")
    name = "written_" + __import__("hashlib").sha1(read._sql.encode()).hexdigest()[:20]
    # prepared with its first run, in a transaction that is then rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        with django_assert_num_queries(1):  # PREPARE and EXECUTE in one round trip
            assert read.one([enterprise.pk])["s"].name == "春晖街道"
        raise RuntimeError("roll back")
    assert name in _prepared_names()
    with django_assert_num_queries(2) as captured:
        assert read.one([enterprise.pk])["e"].name == "丁企业"
        assert read.one([987654321]) is None
    assert captured.captured_queries[0]["sql"].startswith(f"EXECUTE {name}(")
    # by id, any number of them, one statement text
    assert set(by_ids(Unit, [street.pk])) == {street.pk}
    assert set(by_ids(Enterprise, [enterprise.pk, 987654321, enterprise.pk])) == {enterprise.pk}
    # a new connection prepares again
    raw = connection.connection
    assert joined._PREPARED[raw] >= {name}
    joined._PREPARED[raw].discard(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {name}")
    assert read.one([enterprise.pk])["e"].pk == enterprise.pk and name in _prepared_names()
    # and none when it is turned off (behind a pooler that shares sessions)
    settings.PREPARED_STATEMENTS = False
    with django_assert_num_queries(1) as captured:
        read.one([enterprise.pk])
    assert captured.captured_queries[0]["sql"].startswith("SELECT ")


def test_the_menu_reads_unread_notifications_and_the_users_cadre_in_one_statement(client, taskforce_user,
                                                                                   django_assert_num_queries):
    from liaison.context_processors import _unread_count
    from liaison.models import Notification

    cadre = factories.make_cadre(name="李干部")
    user = User.objects.get(pk=cadre.user_id)
    Notification.objects.create(user=user, kind="test", title="通知", body="内容", dedupe_key="t-1")
    with django_assert_num_queries(1):
        assert _unread_count(user) == 1 and user.display_name == "李干部"
    staff = User.objects.get(pk=taskforce_user.pk)
    with django_assert_num_queries(1):
        assert _unread_count(staff) == 0 and staff.cadre_or_none is None
    with django_assert_num_queries(1):  # the cadre already known: the count alone
        assert _unread_count(staff) == 0


def test_a_users_cadre_is_read_once_and_none_is_remembered(django_assert_num_queries):
    staff = factories.make_user(role=Role.TASKFORCE, first_name="", last_name="")
    staff = User.objects.get(pk=staff.pk)
    with django_assert_num_queries(1):
        assert staff.display_name == staff.username and staff.display_name == staff.username
    cadre = factories.make_cadre(name="王干部")
    user = User.objects.get(pk=cadre.user_id)
    with django_assert_num_queries(1):
        assert user.display_name == "王干部" and user.cadre_or_none == cadre and user.cadre == cadre


def test_the_timeline_is_kept_per_version_and_a_move_shows_at_once(client, categories):
    pairing = factories.make_pairing_with_login()
    appeal = factories.make_appeal(pairing=pairing)
    client.force_login(pairing.cadre.user)
    url = reverse("appeal-detail", args=[appeal.pk])
    first = client.get(url).content.decode()
    assert first.count("data-seq=") == 1 and client.get(url).content.decode().count("data-seq=") == 1
    services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="需要单位协调的事项")
    after = client.get(url).content.decode()
    assert after.count("data-seq=") == 2 and "需要单位协调的事项" in after
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert english.count("data-seq=") == 2 and "Timeline" in english and "流转记录" not in english


def test_the_timeline_of_a_reused_id_is_never_an_older_drawing(client, categories, taskforce_user):
    """An appeal's id may come back (a test database made anew while the cache is kept): the key also holds
    the appeal's last change, so another appeal's drawing under the same id and version is never shown."""
    from django.core.cache import cache
    from django.utils import translation

    from appeals.views import _timeline_html

    pairing = factories.make_pairing_with_login()
    appeal = factories.make_appeal(pairing=pairing, title="第一件")
    with translation.override("zh-hans"):
        _timeline_html(appeal)
        older = appeal.updated_at.replace(year=2025).timestamp()
        key = f"appeal-timeline:{appeal.pk}:{appeal.version}:{older}:zh-hans:Asia/Shanghai"
        cache.set(key, "<p>旧的时间线</p>", 60)
    client.force_login(taskforce_user)
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert "旧的时间线" not in page and page.count("data-seq=") == 1


def test_the_menu_kept_for_one_role_is_not_shown_to_another(client, categories, taskforce_user):
    caches["fragments"].clear()
    client.force_login(taskforce_user)
    staff_page = client.get(reverse("home"), follow=True).content.decode()
    assert 'id="nav-jobs"' in staff_page and 'id="nav-outreach-mine"' not in staff_page
    cadre = factories.make_cadre()
    client.force_login(cadre.user)
    cadre_page = client.get(reverse("home"), follow=True).content.decode()
    assert 'id="nav-jobs"' not in cadre_page and 'id="nav-outreach-mine"' in cadre_page
    assert 'id="nav-dashboard"' not in cadre_page
    client.force_login(taskforce_user)
    assert 'id="nav-jobs"' in client.get(reverse("home"), follow=True).content.decode()


def test_the_menu_follows_the_language(client, taskforce_user):
    client.force_login(taskforce_user)
    chinese = client.get(reverse("enterprise-list")).content.decode()
    english = client.get(reverse("enterprise-list"), HTTP_ACCEPT_LANGUAGE="en",
                         headers={"Accept-Language": "en"}).content.decode()
    assert "企业服务" in chinese or "走访台账" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(reverse("enterprise-list")).content.decode()
    assert "Visit ledger" in english and "走访台账" not in english


def test_row_links_are_the_reversed_urls():
    for name, pk in (("enterprise-detail", 7), ("cadre-detail", 123456), ("appeal-detail", 1)):
        assert url_of(pk, name) == reverse(name, args=[pk])
        assert url_of(str(pk), name) == reverse(name, args=[pk])


def test_the_enterprise_list_with_and_without_filters(client, taskforce_user):
    street = factories.make_street(name="桃源街道")
    factories.make_enterprise(name="甲企业", street=street)
    client.force_login(taskforce_user)
    empty = client.get(reverse("enterprise-list")).content.decode()
    again = client.get(reverse("enterprise-list")).content.decode()
    assert 'name="q"' in empty and 'name="q"' in again and 'name="industry_division"' not in empty
    filtered = client.get(reverse("enterprise-list"), {"q": "甲企业"}).content.decode()
    assert 'value="甲企业"' in filtered and "甲企业" in filtered
    assert reverse("enterprise-detail", args=[Enterprise.objects.get(name="甲企业").pk]) in filtered


def _queue_html(client, **params) -> str:
    import re

    html = client.get(reverse("appeal-list"), params).content.decode()
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1X", html)


def test_the_queue_kept_and_drawn_anew_is_the_same_page(client, categories, taskforce_user):
    pairing = factories.make_pairing_with_login()
    for n in range(3):
        services.appeal_escalate(appeal=factories.make_appeal(pairing=pairing, title=f"诉求{n}"),
                                 acting_user=pairing.cadre.user, reason="需要单位协调")
    client.force_login(taskforce_user)
    for tab in ("triage", "mine", "all"):
        caches["fragments"].clear()
        drawn = _queue_html(client, tab=tab)
        kept = _queue_html(client, tab=tab)
        assert drawn == kept and 'id="appeal-filter"' in kept and f'name="tab" value="{tab}"' in kept
    # a filter in use draws the form with its values, and keeps “more filters” open while one is used
    filtered = _queue_html(client, tab="all", q="诉求1", industry="C")
    assert 'value="诉求1"' in filtered and "<details class=\"mt-2\" open>" in filtered
    assert "诉求1" in filtered and "诉求0" not in filtered


def test_the_kept_filter_form_offers_a_category_added_since(client, categories, taskforce_user):
    from appeals.models import AppealCategory

    client.force_login(taskforce_user)
    assert "新设类别" not in _queue_html(client, tab="all")
    category = AppealCategory.objects.create(code="new-kind", name="新设类别", order=99)
    assert f'<option value="{category.pk}">新设类别</option>' in _queue_html(client, tab="all")
    AppealCategory.objects.filter(pk=category.pk).update(name="改名类别")
    html = _queue_html(client, tab="all")
    assert "改名类别" in html and "新设类别" not in html


def test_the_queue_rows_show_what_the_joined_rows_showed(client, categories, taskforce_user):
    pairing = factories.make_pairing_with_login()
    group = factories.make_service_group(name="金融服务组")
    mine = factories.make_appeal(pairing=pairing, title="个人办理")
    moved = factories.make_appeal(pairing=pairing, title="专班交办")
    services.appeal_escalate(appeal=moved, acting_user=pairing.cadre.user, reason="需要单位协调")
    services.appeal_escalate(appeal=moved, acting_user=factories.make_unit_handler(pairing.cadre.unit),
                             reason="需要专班")
    services.appeal_assign(appeal=moved, acting_user=taskforce_user, unit=group, workdays=10)
    rows = list(Appeal.objects.filter(pk__in=[mine.pk, moved.pk]).order_by("pk"))
    selectors.with_row_related(rows)
    orm = list(Appeal.objects.filter(pk__in=[mine.pk, moved.pk]).order_by("pk").select_related(
        *selectors.ROW_RELATED))
    for row, joined in zip(rows, orm, strict=True):
        for name in selectors.ROW_RELATED:
            related = getattr(joined, name)
            assert (None if related is None else _fields(related)) == (
                None if getattr(row, name) is None else _fields(getattr(row, name))), name
        assert row.handler_label() == joined.handler_label()
    client.force_login(taskforce_user)
    html = _queue_html(client, tab="all")
    assert "金融服务组" in html and pairing.enterprise.name in html and pairing.cadre.name in html


def test_the_directory_rows_show_badges_street_and_cadre(client, taskforce_user):
    street = factories.make_street(name="桃源街道")
    paired = factories.make_assignment(
        cadre=factories.make_cadre(name="王<干部>"),
        enterprise=factories.make_enterprise(name="甲&乙科技", street=street, high_tech=True, industry_division=""),
    )
    factories.make_enterprise(name="丙企业", above_scale=False, status="closed", industry_section="F",
                              industry_division="51")
    client.force_login(taskforce_user)
    html = client.get(reverse("enterprise-list")).content.decode()
    rows = html.split('<tr>\n    <td><a href="')[1:3]
    first, second = sorted(rows, key=lambda row: "丙企业" in row)
    assert first.startswith(f'{reverse("enterprise-detail", args=[paired.enterprise.pk])}">甲&amp;乙科技</a>')
    assert "规上" in first and "高新" in first and "text-bg-secondary" not in first
    assert f'>C {Enterprise(industry_section="C").get_industry_section_display()}</td>' in first  # no division
    assert ">桃源街道</td>" in first
    assert f'<a href="{reverse("cadre-detail", args=[paired.cadre.pk])}">王&lt;干部&gt;</a>' in first
    assert "text-bg-secondary" in second and "规上" not in second and ">—</td>" in second
    assert f'>F {Enterprise(industry_division="51").get_industry_division_display()}</td>' in second
    assert '<span class="text-danger">未结对</span>' in second
    empty = client.get(reverse("enterprise-list"), {"q": "没有这家"}).content.decode()
    assert "没有符合条件的企业" in empty


def test_the_redis_cache_keeps_one_client_per_pool(settings):
    cache = caches["default"]
    if not hasattr(cache, "_cache") or not hasattr(cache._cache, "_clients"):
        pytest.skip("the cache is not Redis here")
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.set("drawing-test", {"a": 1}, 10)
    assert cache.get("drawing-test") == {"a": 1}
    cache.delete("drawing-test")


def test_attachments_are_listed_in_their_order(client, categories):
    from django.core.files.base import ContentFile

    pairing = factories.make_pairing_with_login()
    appeal = factories.make_appeal(pairing=pairing)
    for name in ("乙.pdf", "甲.pdf"):
        AppealAttachment.objects.create(appeal=appeal, file=ContentFile(b"%PDF-1.4", name=name), name=name,
                                        size=8, content_type="application/pdf", uploaded_by=pairing.cadre.user)
    client.force_login(pairing.cadre.user)
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert page.index("乙.pdf") < page.index("甲.pdf")
    assert Cadre.objects.filter(pk=pairing.cadre.pk).exists()

"""The public pocket guide (掌中宝), its QR codes, the liaison handbook PDF and the scan statistics."""

import io
import itertools
import os
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation
from PIL import Image

from liaison.models import Role
from liaison.selectors import today
from policies.handbook import HANDBOOK_TITLE, handbook_render_run
from policies.models import Delivery, HandbookSection, Policy, PolicyCategory, PolicyScan, PolicyStatus
from tests import factories

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None
_serial = itertools.count(1)


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, so people can look at what users see."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def make_policy(category: str = "finance", **kwargs) -> Policy:
    i = next(_serial)
    kwargs.setdefault("title", f"关于支持中小微企业融资担保降费奖补的若干措施之{i}")
    kwargs.setdefault("doc_number", f"西政发〔2024〕{i}号")
    kwargs.setdefault("issuer", "区财政局")
    kwargs.setdefault("summary", "对为辖区中小微企业提供融资担保服务的担保机构给予奖补。")
    kwargs.setdefault("benefit", "按年化担保额的0.5%给予奖补，单户最高50万元。")
    kwargs.setdefault("how_to_apply", "每年3月底前向区财政局提交申请材料。")
    kwargs.setdefault("contact", "区财政局金融科 0411-83630000")
    kwargs.setdefault("status", PolicyStatus.PUBLISHED)
    return Policy.objects.create(category=PolicyCategory.objects.get(code=category), **kwargs)


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pdf_text(pdf: bytes) -> str:
    """All pages' text without whitespace: titles wrap across lines in the PDF."""
    from pypdf import PdfReader

    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def scans() -> dict[tuple[int, date], int]:
    return {(s.policy_id, s.day): s.count for s in PolicyScan.objects.all()}


# --- The public page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_visitor_sees_a_published_policy_on_its_public_page(client):
    # given
    policy = make_policy(eligibility_text="辖区内注册的融资担保机构。", full_text="第一条 为缓解中小微企业融资难……",
                         no_application=True, tags="融资,担保")
    # when
    response = client.get(reverse("policy-public", args=[policy.pk]))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    for text in (policy.title, policy.doc_number, policy.issuer, policy.summary, policy.benefit, policy.how_to_apply,
                 policy.contact, policy.eligibility_text, policy.full_text, policy.category.name, "#融资"):
        assert text in html
    assert 'data-flag="no_application"' in html
    assert 'href="tel:041183630000"' in html
    assert 'id="policy-expired"' not in html


@pytest.mark.django_db
def test_a_draft_policy_is_not_found_on_the_public_page_nor_its_qr_codes(client):
    # given
    draft = make_policy(status=PolicyStatus.DRAFT)
    # when / then
    for name in ("policy-public", "policy-qr-svg", "policy-qr-png"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert client.get(reverse("policy-public", args=[draft.pk]) + "?src=qr").status_code == 404
    assert not PolicyScan.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [PolicyStatus.PUBLISHED, PolicyStatus.EXPIRED])
def test_an_expired_policy_still_shows_with_the_expiry_banner(client, status):
    # given a policy past its end date (still marked published before the nightly job runs, or expired)
    ended = today() - timedelta(days=3)
    policy = make_policy(status=status, effective_from=date(2023, 1, 1), effective_to=ended)
    # when
    response = client.get(reverse("policy-public", args=[policy.pk]))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="policy-expired"' in html
    with translation.override("zh-hans"):
        assert formats.date_format(ended, "DATE_FORMAT") in html.split('id="policy-expired"')[1].split("</div>")[0]
    assert policy.title in html


@pytest.mark.django_db
def test_a_policy_expired_by_status_without_an_end_date_says_it_is_no_longer_in_force(client):
    # given
    policy = make_policy(status=PolicyStatus.EXPIRED)
    # when
    response = client.get(reverse("policy-public", args=[policy.pk]))
    # then
    assert 'id="policy-expired"' in response.content.decode()


@pytest.mark.django_db
def test_the_public_page_shows_no_enterprise_data(client):
    # given a no-application policy delivered to an enterprise
    policy = make_policy(no_application=True)
    enterprise = factories.make_enterprise(name="大连海韵精密机械有限公司", contact_name="王建国")
    Delivery.objects.create(policy=policy, enterprise=enterprise, note="已电话告知财务负责人")
    # when
    html = client.get(reverse("policy-public", args=[policy.pk])).content.decode()
    catalogue = client.get(reverse("policy-catalogue-public")).content.decode()
    # then
    for page in (html, catalogue):
        assert policy.title in page
        for secret in (enterprise.name, enterprise.credit_code, "王建国", "已电话告知"):
            assert secret not in page


# --- Counting scans ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_from_a_qr_code_counts_one_scan_per_policy_per_day_without_a_cookie(client, clock):
    # given two published policies
    policy, other = make_policy(), make_policy()
    url = reverse("policy-public", args=[policy.pk])
    day1, day2 = date(2025, 6, 3), date(2025, 6, 4)
    # when the first is opened twice from its QR code by one reader and once by another, once plainly,
    # checked by a link checker (HEAD), and opened again the next day
    clock.set(day1)
    qr_url = url + "?src=qr"
    responses = [client.get(qr_url), client.get(qr_url), client.get(url), client.head(qr_url)]
    responses.append(client.get(qr_url, REMOTE_ADDR="10.1.2.3"))
    clock.set(day2)
    responses.append(client.get(qr_url))
    # then only the QR openings count, once per reader and day, and nothing of the reader is kept
    assert scans() == {(policy.pk, day1): 2, (policy.pk, day2): 1}
    assert other.pk not in {pk for pk, _day in scans()}
    for response in responses:
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
    assert not client.cookies
    assert "no-cache" in responses[0].headers["Cache-Control"]


@pytest.mark.django_db
def test_fifty_openings_by_one_reader_count_once_and_two_readers_count_twice(client, clock):
    # given a published policy and its QR address
    policy = make_policy()
    clock.set(date(2025, 6, 5))
    qr_url = reverse("policy-public", args=[policy.pk]) + "?src=qr"
    phone = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) MicroMessenger/8.0", "REMOTE_ADDR": "203.0.113.7"}
    # when one anonymous phone opens it 50 times
    for _ in range(50):
        assert client.get(qr_url, **phone).status_code == 200
    # then it counts once
    assert scans() == {(policy.pk, date(2025, 6, 5)): 1}
    # when a second phone (another browser on the same network) opens it twice
    other = {**phone, "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/120"}
    client.get(qr_url, **other)
    client.get(qr_url, **other)
    # then the day counts two readers, and no cookie was ever set
    assert scans() == {(policy.pk, date(2025, 6, 5)): 2}
    assert not client.cookies


@pytest.mark.django_db
def test_behind_the_proxy_readers_are_told_apart_by_the_address_the_proxy_appended(client, clock, settings):
    # given the portal behind a proxy that appends the client's address to X-Forwarded-For
    settings.BEHIND_PROXY = True
    policy = make_policy()
    clock.set(date(2025, 6, 6))
    qr_url = reverse("policy-public", args=[policy.pk]) + "?src=qr"
    # when one reader forges different first entries, and another reader comes through the same proxy
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        client.get(qr_url, HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.4", REMOTE_ADDR="10.0.0.1")
    client.get(qr_url, HTTP_X_FORWARDED_FOR="198.51.100.5", REMOTE_ADDR="10.0.0.1")
    # then two readers are counted
    assert scans() == {(policy.pk, date(2025, 6, 6)): 2}


# --- QR codes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_qr_png_decodes_to_the_public_address_with_the_scan_marker(client, settings):
    # given
    settings.POLICY_QR_BASE_URL = ""
    policy = make_policy()
    # when
    response = client.get(reverse("policy-qr-png", args=[policy.pk]))
    # then
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    # (no address configured: the one the request came in on)
    assert decode_qr(response.content) == [f"http://testserver/p/{policy.pk}/?src=qr"]


@pytest.mark.django_db
def test_the_qr_code_follows_the_configured_public_base_url(client):
    # given an expired policy (its code in old prints still leads somewhere)
    policy = make_policy(status=PolicyStatus.EXPIRED)
    # when
    with override_settings(POLICY_QR_BASE_URL="https://zwfw.example.gov.cn/liaison/"):
        png = client.get(reverse("policy-qr-png", args=[policy.pk])).content
    # then
    assert decode_qr(png) == [f"https://zwfw.example.gov.cn/liaison/p/{policy.pk}/?src=qr"]


@pytest.mark.django_db
def test_the_qr_svg_is_an_svg_document(client):
    # given
    policy = make_policy()
    # when
    response = client.get(reverse("policy-qr-svg", args=[policy.pk]))
    # then
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")


# --- The handbook -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_handbook_pdf_holds_the_sections_and_every_policy_in_force_but_no_draft(client):
    # given published policies in two categories, a draft and an expired one
    published = [make_policy(), make_policy(category="talent", title="高层次人才安家补贴实施细则", no_application=True)]
    draft = make_policy(status=PolicyStatus.DRAFT, title="尚未发布的厂房租金补贴草案")
    expired = make_policy(effective_to=today() - timedelta(days=1), title="已经过期的展会补贴办法")
    client.force_login(factories.make_user())
    # when the job renders it and it is downloaded
    handbook_render_run()
    response = client.get(reverse("policy-handbook-pdf"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert f"filename*=UTF-8''{quote(HANDBOOK_TITLE)}" in response["Content-Disposition"]
    text = pdf_text(content)
    for policy in published:
        assert squeeze(policy.title) in text
        assert squeeze(policy.doc_number) in text
    for section in HandbookSection.objects.all():
        assert squeeze(section.title) in text
    assert squeeze(HANDBOOK_TITLE) in text
    assert squeeze(draft.title) not in text
    assert squeeze(expired.title) not in text


@pytest.mark.django_db
def test_the_handbook_pdf_needs_no_login(client):
    # when a visitor of the public catalogue follows its link to the handbook
    response = client.get(reverse("policy-handbook-pdf"))
    # then they get it (or the page saying it is being made), no sign-in asked
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_cadre_may_not_edit_the_handbook(client):
    # given
    client.force_login(factories.make_user(role=Role.CADRE))
    section = HandbookSection.objects.get(key="profile")
    # when
    get = client.get(reverse("policy-handbook"))
    post = client.post(reverse("policy-handbook"), {"section": section.pk, f"section-{section.pk}-title": "区情简介",
                                                     f"section-{section.pk}-body": "被改掉"})
    # then
    assert get.status_code == 403 and post.status_code == 403
    section.refresh_from_db()
    assert section.body != "被改掉"


@pytest.mark.django_db
def test_task_force_staff_save_a_handbook_section_with_history(client, taskforce_user):
    # given
    client.force_login(taskforce_user)
    section = HandbookSection.objects.get(key="profile")
    body = "西岗区位于大连市中心城区。\n\n全区辖7个街道，现有规上企业424家。"
    # when
    page = client.get(reverse("policy-handbook"))
    response = client.post(reverse("policy-handbook"), {
        "section": section.pk,
        f"section-{section.pk}-title": "区情简介（2025年版）",
        f"section-{section.pk}-body": body,
    })
    # then
    assert page.status_code == 200 and 'id="handbook-pdf"' in page.content.decode()
    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.title, section.body) == ("区情简介（2025年版）", body)
    latest = section.history.latest()
    assert latest.history_user == taskforce_user and latest.body == body
    assert "区情简介（2025年版）" in client.get(reverse("policy-handbook")).content.decode()


@pytest.mark.django_db
def test_an_invalid_handbook_section_is_shown_again_with_its_error(client, taskforce_user):
    # given
    client.force_login(taskforce_user)
    section = HandbookSection.objects.get(key="howto")
    # when
    response = client.post(reverse("policy-handbook"), {
        "section": section.pk, f"section-{section.pk}-title": "", f"section-{section.pk}-body": "x",
    })
    # then
    assert response.status_code == 200
    assert 'data-error-for="title"' in response.content.decode()
    section.refresh_from_db()
    assert section.title == "入企工作操作指引"


@pytest.mark.django_db
def test_the_handbook_renders_paragraphs_from_blank_line_separated_text():
    from policies.handbook import paragraphs

    text = "一、第一段\n续行\n\n \n二、第二段\r\n\r\n三、第三段"
    assert paragraphs(text) == ["一、第一段\n续行", "二、第二段", "三、第三段"]
    assert paragraphs("") == []


# --- Scan statistics --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cadre_may_not_see_the_scan_statistics(client):
    # given
    client.force_login(factories.make_user(role=Role.CADRE))
    # when / then
    assert client.get(reverse("policy-scans")).status_code == 403


@pytest.mark.django_db
def test_a_leader_sees_scans_per_policy_over_the_last_30_days(client, leader_user):
    # given scans today, 29 days ago (inside the default period) and 30 days ago (outside)
    read_most, read_less, unread = make_policy(), make_policy(category="talent"), make_policy()
    day = today()
    for policy, days_ago, count in ((read_most, 0, 5), (read_most, 29, 4), (read_most, 30, 100), (read_less, 1, 3)):
        PolicyScan.objects.create(policy=policy, day=day - timedelta(days=days_ago), count=count)
    client.force_login(leader_user)
    # when
    response = client.get(reverse("policy-scans"))
    wider = client.get(reverse("policy-scans"), {"days": 90})
    # then
    assert response.status_code == 200
    assert [(row["policy_id"], row["total"]) for row in response.context["totals"]] == [(read_most.pk, 9),
                                                                                      (read_less.pk, 3)]
    assert response.context["grand_total"] == 12
    assert (response.context["start"], response.context["end"]) == (day - timedelta(days=29), day)
    top = {row["policy_id"]: [count for _day, count, _h in row["days"]] for row in response.context["top_rows"]}
    assert top[read_most.pk][0] == 4 and top[read_most.pk][-1] == 5 and sum(top[read_most.pk]) == 9
    assert unread.pk not in top
    assert [(row["policy_id"], row["total"]) for row in wider.context["totals"]][0] == (read_most.pk, 109)


@pytest.mark.django_db
def test_the_scan_statistics_take_a_chosen_period(client, taskforce_user):
    # given
    policy = make_policy()
    PolicyScan.objects.create(policy=policy, day=date(2025, 3, 10), count=7)
    PolicyScan.objects.create(policy=policy, day=date(2025, 4, 10), count=2)
    client.force_login(taskforce_user)
    # when
    response = client.get(reverse("policy-scans"), {"start": "2025-03-01", "end": "2025-03-31"})
    # then
    assert [row["total"] for row in response.context["totals"]] == [7]
    assert len(response.context["days"]) == 31


# --- The catalogue ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_lists_policies_in_force_by_category_and_never_drafts(client):
    # given
    finance = make_policy(no_application=True)
    talent = make_policy(category="talent", direct_delivery=True)
    draft = make_policy(status=PolicyStatus.DRAFT)
    ended = make_policy(effective_to=today() - timedelta(days=1))
    # when
    response = client.get(reverse("policy-catalogue-public"))
    # then
    assert response.status_code == 200
    assert [(c.code, [p.pk for p in items]) for c, items in response.context["groups"]] == [
        ("finance", [finance.pk]), ("talent", [talent.pk])]
    html = response.content.decode()
    assert draft.title not in html and ended.title not in html
    assert 'data-flag="no_application"' in html and 'data-flag="direct_delivery"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["西政发〔2025〕88", "首台套"])
def test_the_catalogue_search_finds_a_policy_by_document_number_or_tag(client, q):
    # given
    wanted = make_policy(doc_number="西政发〔2025〕88号", tags="装备制造，首台套")
    other = make_policy()
    make_policy(status=PolicyStatus.DRAFT, doc_number="西政发〔2025〕88号之草案", tags="首台套")
    # when
    response = client.get(reverse("policy-catalogue-public"), {"q": q})
    # then
    found = [p.pk for _category, items in response.context["groups"] for p in items]
    assert found == [wanted.pk]
    assert other.title not in response.content.decode()


@pytest.mark.django_db
def test_the_catalogue_search_reports_when_nothing_matches(client):
    # given
    make_policy()
    # when
    response = client.get(reverse("policy-catalogue-public"), {"q": "不存在的关键词"})
    # then
    assert response.context["count"] == 0
    assert 'id="policy-empty"' in response.content.decode()


# --- Query counts -----------------------------------------------------------------------------


def _many_policies(count: int) -> None:
    codes = list(PolicyCategory.objects.values_list("code", flat=True))
    for i in range(count):
        make_policy(category=codes[i % len(codes)], no_application=i % 3 == 0, tags="融资,担保")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 60])
def test_the_public_catalogue_takes_the_same_queries_for_5_or_60_policies(client, django_assert_max_num_queries,
                                                                          count):
    # given
    _many_policies(count)
    # when / then
    with django_assert_max_num_queries(2):
        response = client.get(reverse("policy-catalogue-public"), {"q": "融资"})
    assert response.context["count"] == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 60])
def test_the_handbook_pdf_takes_the_same_queries_for_5_or_60_policies(client, django_assert_max_num_queries, count):
    # given
    _many_policies(count)
    client.force_login(factories.make_user())
    # when it is rendered, then downloaded
    with django_assert_max_num_queries(14):
        result = handbook_render_run()
    with django_assert_max_num_queries(6):
        response = client.get(reverse("policy-handbook-pdf"))
    # then
    assert result["policies"] >= count
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- In a real browser ------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_user_scans_a_printed_qr_code_and_reads_the_policy(live_server, phone_page, settings):
    # given a published policy, and printed codes pointing at this server
    settings.POLICY_QR_BASE_URL = live_server.url
    policy = make_policy(
        title="关于支持中小微企业融资担保降费奖补的若干措施", benefit="按年化担保额的0.5%给予奖补，单户最高50万元。",
        eligibility_text="在本区注册、为辖区中小微企业提供融资担保服务且担保费率不高于1%的融资担保机构。",
        full_text="第一条 为缓解中小微企业融资难、融资贵问题，制定本措施。\n第二条 ……", no_application=True,
        effective_from=date(2024, 1, 1), effective_to=date(2099, 12, 31), tags="融资,担保",
    )
    page = phone_page
    png = page.request.get(f"{live_server.url}{reverse('policy-qr-png', args=[policy.pk])}").body()
    [address] = decode_qr(png)
    assert urlsplit(address).netloc == urlsplit(live_server.url).netloc
    # when the phone opens the address in the code
    page.goto(address)
    # then it shows the policy without a login, and the scan is counted
    assert page.locator("#policy-title").inner_text() == policy.title
    assert page.locator("#policy-benefit").is_visible()
    assert "单户最高50万元" in page.locator("#policy-benefit").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "policy-public-phone")
    assert PolicyScan.objects.get(policy=policy).count == 1
    assert page.context.cookies() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_user_searches_the_pocket_guide_and_opens_a_measure(live_server, phone_page):
    # given
    for code in ("finance", "innovation", "talent"):
        make_policy(category=code, no_application=code == "finance", direct_delivery=code == "talent")
    wanted = make_policy(category="innovation", title="首台（套）重大技术装备推广应用奖励办法", tags="首台套,装备制造")
    page = phone_page
    # when
    page.goto(f"{live_server.url}{reverse('policy-catalogue-public')}")
    shot(page, "policy-catalogue-phone")
    page.fill("#q", "首台套")
    page.press("#q", "Enter")
    page.wait_for_url("**/p/?q=*")
    # then
    assert page.locator("[data-policy]").count() == 1
    shot(page, "policy-catalogue-search-phone")
    page.click(f"[data-policy='{wanted.pk}']")
    assert page.locator("#policy-title").inner_text() == wanted.title
    assert not PolicyScan.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_see_the_scan_statistics_and_the_handbook_editor(live_server, phone_page, desktop_page):
    # given scans of three policies and a task-force login
    policies = [make_policy(category=code) for code in ("finance", "talent", "market")]
    for i, policy in enumerate(policies):
        for days_ago in range(0, 30, i + 1):
            day = today() - timedelta(days=days_ago)
            PolicyScan.objects.create(policy=policy, day=day, count=(days_ago % 5) + i + 1)
    user = factories.make_user(role=Role.TASKFORCE)
    for page, size in ((phone_page, "phone"), (desktop_page, "desktop")):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "pass-1234")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        # when
        page.goto(f"{live_server.url}{reverse('policy-scans')}")
        # then
        assert page.locator("#scan-totals tr[data-policy]").count() == 3
        assert page.locator("[data-top-policy]").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        shot(page, f"policy-scans-{size}")
        page.goto(f"{live_server.url}{reverse('policy-handbook')}")
        assert page.locator("form[data-section]").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        shot(page, f"policy-handbook-edit-{size}")

"""Hot problems and similar appeals in a real browser, on a phone and at a desk."""

import pytest
from django.utils import timezone

from analysis import services
from liaison.models import Role
from tests import factories
from tests.test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch):
    """Document frequencies cached by an earlier run (another database) must not weigh these terms."""
    from django.core.cache.backends.locmem import LocMemCache

    from analysis import selectors

    fresh = LocMemCache(f"analysis-browser-{id(monkeypatch)}", {})
    monkeypatch.setattr(selectors, "cache", fresh)
    monkeypatch.setattr(services, "cache", fresh)

PROBLEMS = [
    ("申请银行贷款解决流动资金紧张", "企业订单增加，流动资金缺口约500万元，希望对接银行办理首贷。",
     "已协调区金融服务中心对接银行，发放流动资金贷款500万元。"),
    ("续贷到期，请求协调无还本续贷", "一笔贷款即将到期，银行要求先还后贷，企业周转困难。",
     "协调银行办理无还本续贷300万元。"),
    ("一线操作工招聘困难", "订单饱满，一线普工缺口约30人，希望对接招聘会。",
     "区人社局邀请企业参加春风行动专场招聘会，达成意向25人。"),
    ("熟练焊工招不到人", "电焊工、数控车工长期招不到人，希望对接职业院校。",
     "对接职业院校开展订单式培养，已招录12人。"),
    ("厂区周边停车难", "员工和客户停车困难，希望增设停车位。", "交警部门在企业周边施划停车泊位40个。"),
]


def _login(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    with page.expect_navigation():
        page.click("button[type=submit]")


def _district():
    from appeals import services as appeal_services

    staff = factories.make_user(role=Role.TASKFORCE, username="tf-analysis")
    pairings = [factories.make_pairing_with_login() for _i in range(6)]
    for i, pairing in enumerate(pairings):
        pairing.enterprise.name = f"大连海韵{['精密机械', '食品', '电子科技', '物流', '医药', '软件'][i]}有限公司"
        pairing.enterprise.save()
        for title, description, resolution in PROBLEMS[: 3 + i % 3]:
            appeal = factories.make_appeal(pairing=pairing, title=title, description=description)
            if i % 2:
                appeal_services.appeal_resolve(appeal=appeal, acting_user=pairing.cadre.user, resolution=resolution,
                                               kind="solved", expected_version=appeal.version)
    return staff, pairings


def test_leaders_read_the_hot_problems_and_staff_act_on_one(live_server, phone_page, desktop_page):
    # given a district whose problems the task force clustered
    staff, _pairings = _district()
    year = timezone.localdate().year
    services.clusters_build(start=services.year_bounds(year)[0], end=services.year_bounds(year)[1])
    for page, name in ((phone_page, "phone"), (desktop_page, "desk")):
        _login(page, live_server.url, staff.username)
        # when staff open the hot problems
        page.goto(f"{live_server.url}/analysis/")
        # then each cluster shows its figures, and the shared ones are flagged as policy gaps
        cards = page.locator("[data-cluster]")
        assert cards.count() >= 2
        assert page.locator("text=政策空白").count() >= 1
        shot(page, f"analysis-index-{name}")
        # and one cluster shows its representative problems and the one-step actions
        cards.first.locator("a").first.click()
        page.wait_for_selector("#cluster-representatives")
        assert page.locator("#cluster-representatives li").count() >= 2
        page.locator("#cluster-countermeasure-form summary").click()
        shot(page, f"analysis-cluster-{name}")


def test_a_cadre_typing_a_title_sees_how_the_same_problem_was_solved(live_server, phone_page):
    # given appeals solved before, one of them this cadre's enterprise's and still open
    _staff, pairings = _district()
    services.appeals_index_missing()
    pairing = pairings[0]
    page = phone_page
    _login(page, live_server.url, pairing.cadre.user.username)
    # when the cadre starts raising an appeal and types a title
    page.goto(f"{live_server.url}/appeals/new/?enterprise={pairing.enterprise_id}")
    page.fill("#id_title", "企业流动资金紧张，申请银行贷款")
    # then similar appeals appear under the title, with how they were resolved, and a duplicate warning
    page.wait_for_selector("#similar-list")
    assert page.locator("#similar-list li").count() >= 1
    assert page.locator("#similar-duplicate").count() == 1
    shot(page, "analysis-similar-phone")

"""The Content-Security-Policy in a real browser: every role's main pages load with no violation (no
inline script, nothing from elsewhere), and what runs on them still works: menus, htmx panels, the
scripts moved out of the templates, the API docs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_signin_browser import sign_in
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each violation the page sees, recorded before any page script runs (Playwright's init scripts are not
# subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch(page) -> list[str]:
    """Violations reported by the page's event or by the browser's console, for the whole test."""
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def violations(page, seen: list[str]) -> list[str]:
    return seen + page.evaluate("window.__cspViolations || []")


def visit_all(page, base: str, paths: list[str], seen: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status < 400, (path, response.status)
        page.wait_for_load_state("load")
        if problems := violations(page, seen):
            found[path] = list(problems)
        seen.clear()
    return found


def pages_of(world) -> dict[str, list[str]]:
    own_appeal, own_enterprise, own_visit = world.own["appeal"], world.own["enterprise"], world.own["visit"]
    common = [reverse("home"), reverse("enterprise-list"), reverse("enterprise-detail", args=[own_enterprise.pk]),
              reverse("visit-list"), reverse("visit-detail", args=[own_visit.pk]), reverse("appeal-list"),
              reverse("appeal-detail", args=[own_appeal.pk]), reverse("policy-list"), reverse("meeting-list"),
              reverse("notification-list"), reverse("password_change"), reverse("token-list")]
    oversight = [reverse("roster"), reverse("unit-list"), reverse("dispatch-weeks"), reverse("bulletin-list")]
    staff = [reverse("dashboard"), reverse("matching"), reverse("job-list"), reverse("calendar"),
             reverse("evaluation-index"), reverse("policy-create"), reverse("lockout-list"),
             reverse("policy-detail", args=[world.shared["policy"].pk]),
             reverse("meeting-detail", args=[world.shared["meeting"].pk])]
    return {
        "cadre": common,
        "unit_handler": common + oversight,
        "leader": common + oversight + [reverse("dashboard"), reverse("evaluation-index")],
        "taskforce": common + oversight + staff,
        "admin": common + oversight + staff + [reverse("audit-list"), "/admin/", "/admin/liaison/visit/"],
    }


def test_every_roles_main_pages_load_without_a_csp_violation(live_server, browser):
    # given the world's roles
    world = build_world()
    found = {}
    for role, paths in pages_of(world).items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        seen = watch(page)
        # when each signs in and opens their main pages
        sign_in(page, live_server.url, world.users[role].username, "pass-1234")
        for path, problems in visit_all(page, live_server.url, paths, seen).items():
            found[f"{role} {path}"] = problems
        context.close()
    # then no page reports a violation
    assert found == {}


def test_the_scripts_moved_out_of_the_templates_still_work(live_server, desktop_page):
    from appeals.models import AppealCategory
    from appeals.services import appeal_raise

    world = build_world()
    # two appeals registered by the task force, waiting at its tier (the ones "tick all" ticks)
    for side in (world.own, world.other):
        appeal_raise(acting_user=world.users["taskforce"], enterprise=side["enterprise"], title="热线来电",
                     description="企业反映用电问题。", category=AppealCategory.objects.filter(active=True).first())
    page = desktop_page
    seen = watch(page)
    sign_in(page, live_server.url, world.users["taskforce"].username, "pass-1234")
    # the account menu (Bootstrap's dropdown) opens
    page.click("#nav-account")
    page.wait_for_selector("#nav-tokens", state="visible")
    # htmx: typing in the enterprise filter replaces the results in place
    page.goto(f"{live_server.url}{reverse('enterprise-list')}")
    name = world.own["enterprise"].name
    page.fill("#id_q", name)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.press("#id_q", "Tab")
    page.wait_for_function("(n) => document.querySelectorAll('#enterprise-table tbody tr').length === 1", arg=name)
    assert name in page.locator("#enterprise-table").inner_text()
    # the appeals list's "tick all" box ticks every row
    page.goto(f"{live_server.url}{reverse('appeal-list')}")
    page.locator("#appeal-table thead input[type=checkbox]").check()
    boxes = page.locator("#appeal-table input[name=appeals]")
    assert boxes.count() >= 2
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # the policy form's "Add a group" adds a rule group
    page.goto(f"{live_server.url}{reverse('policy-create')}")
    before = int(page.input_value("#id_rules-TOTAL_FORMS"))
    page.click("#add-group")
    assert int(page.input_value("#id_rules-TOTAL_FORMS")) == before + 1
    # the calendar's year picker and the footer's language picker submit themselves
    page.goto(f"{live_server.url}{reverse('calendar')}")
    years = page.locator("select[name=year] option").all_inner_texts()
    if len(years) > 1:
        with page.expect_navigation():
            page.select_option("select[name=year]", years[0])
        assert f"year={years[0]}" in page.url
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    # and none of this broke the policy
    assert violations(page, seen) == []


def test_the_api_docs_render_under_the_policy(live_server, desktop_page):
    world = build_world()
    page = desktop_page
    seen = watch(page)
    sign_in(page, live_server.url, world.users["admin"].username, "pass-1234")
    # Swagger UI: its start-up script comes from its own URL
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "入企服务平台 API" in page.locator(".swagger-ui .info .title").inner_text()
    # Redoc
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=20000)
    assert "入企服务平台 API" in page.locator("h1").first.inner_text()
    # the one thing refused is Redoc's "by Redocly" logo from its CDN, which Redoc hides when it fails
    assert [v for v in violations(page, seen) if "cdn.redoc.ly" not in v] == []

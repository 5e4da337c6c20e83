"""Screenshots of every page, as each role sees it, at phone (390 px) and desktop width.

Run against a running demo (bash scripts/demo.sh), then open the PNGs:
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 /tmp/shots
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
PASSWORD = "demo12345"

# (role login, page name, path; "{enterprise}", "{visit}", "{unit}", "{cadre}" are filled from the home page)
PAGES = [
    ("cadre", "home", "/"),
    ("cadre", "enterprise", "{enterprise}"),
    ("cadre", "visit", "{visit}"),
    ("cadre", "visits", "/visits/"),
    ("handler", "home", "/"),
    ("handler", "roster", "/roster/"),
    ("handler", "unit", "{unit}"),
    ("taskforce", "home", "/"),
    ("taskforce", "enterprises", "/enterprises/"),
    ("taskforce", "roster", "/roster/"),
    ("taskforce", "roster-unpaired", "/roster/?tab=unpaired-enterprises"),
    ("taskforce", "roster-compliance", "/roster/?tab=compliance"),
    ("taskforce", "pair", "/roster/pair/?enterprise={enterprise_id}"),
    ("taskforce", "import", "/data/import/"),
    ("taskforce", "units", "/units/"),
    ("taskforce", "cadre", "{cadre}"),
    ("leader", "home", "/"),
    ("admin", "api-docs", "/api/docs/"),
]


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width_name, viewport in WIDTHS.items():
            contexts = {}
            for role, name, path in PAGES:
                if role not in contexts:
                    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
                    page = context.new_page()
                    page.goto(f"{base}/accounts/login/")
                    page.fill("#id_username", role)
                    page.fill("#id_password", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    contexts[role] = page
                    if role == "cadre":
                        html = page.content()
                        found["enterprise"] = re.search(r'href="(/enterprises/\d+/)"', html).group(1)
                        found["enterprise_id"] = found["enterprise"].strip("/").split("/")[-1]
                        match = re.search(r'href="(/visits/\d+/)"', html)
                        found["visit"] = match.group(1) if match else "/visits/"
                    if role == "handler":
                        page.goto(f"{base}/roster/")
                        html = page.content()
                        found["unit"] = re.search(r'href="(/units/\d+/)"', page.content()).group(1) if re.search(
                            r'href="(/units/\d+/)"', html) else "/units/"
                        found["cadre"] = re.search(r'href="(/cadres/\d+/)"', html).group(1)
                page = contexts[role]
                page.goto(base + path.format(**found))
                page.wait_for_load_state("networkidle")
                target = out / f"{width_name}-{role}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
         Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/shots"))

"""The house is layered: the core (liaison: units, cadres, pairings, visits) imports nothing from the
apps above it, and nothing imports the demo builders, which sit at the top."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABOVE_THE_CORE = {
    "appeals", "policies", "meetings", "reports", "evaluations", "matching", "jobs", "dashboard", "analysis", "demo",
    "hotline",
    "portal",
    "outreach",
    "bench",
}
# Where the core is put together with the rest: the settings and the URL roots of the pages and the
# API. Everything else the apps add to the core's pages, API and imports they register from their
# AppConfig.ready() (liaison/extensions.py, liaison.imports.register_kind, liaison/events.py).
COMPOSITION = {
    "liaison/settings.py",
    "liaison/test_settings.py",
    "liaison/urls.py",
    "liaison/api/urls.py",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_core_imports_nothing_above_it():
    offenders = {}
    for path in sorted((ROOT / "liaison").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in COMPOSITION or "/migrations/" in name:
            continue
        above = _imports(path) & ABOVE_THE_CORE
        if above:
            offenders[name] = sorted(above)
    assert offenders == {}


def test_no_app_imports_the_demo_builders():
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.split("/")[0] in {"demo", "tests", "bench", ".venv"}:
            continue
        if "demo" in _imports(path):
            offenders.append(name)
    assert offenders == []

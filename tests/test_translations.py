"""The Chinese interface is complete: every message has a translation that compiles."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
KNOWN_CLASHES = 23  # project wordings that differ from an app's for the same message, before December 2026


def entries():
    text = PO.read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if "msgid" in block][1:]  # the first is the header


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [
        block.splitlines()[-2] if "msgstr" in block else block
        for block in entries()
        if re.search(r'^msgstr(\[0\])? ""$', block, re.M) and not re.search(r'^"', block.split("msgstr")[-1], re.M)
    ]
    fuzzy = [block for block in entries() if "#, fuzzy" in block]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:5]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext is installed by scripts/setup.sh --system")
def test_the_catalogue_compiles_with_its_format_strings_intact():
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is installed by scripts/setup.sh --system")
def test_every_message_in_the_code_and_templates_is_in_the_catalogue(tmp_path):
    """makemessages, run on a copy of the project, finds no message the catalogue lacks (a message missing
    from it altogether shows in English on the Chinese pages, and the check above cannot see it)."""
    import os
    import sys

    root = PO.parent.parent.parent.parent
    skip = {".git", ".venv", "node_modules", "media", "staticfiles", "static", "__pycache__", "docs", "bench"}
    copy = tmp_path / "project"
    shutil.copytree(root, copy, ignore=lambda folder, names: [n for n in names if n in skip or n.endswith(".sqlite3")])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "liaison.test_settings"}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-v0", "--no-location"],
                   cwd=copy, env=env, check=True, capture_output=True)
    text = (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    blocks = [block for block in text.split("\n\n") if "msgid" in block and not block.startswith("#~")][1:]
    missing = [
        block for block in blocks
        if re.search(r'^msgstr(\[0\])? ""$', block, re.M) and not re.search(r'^"', block.split("msgstr")[-1], re.M)
    ]
    # A message an app's own catalogue translates is shown in Chinese already; copying it into the project's
    # catalogue would override the app's wording (the project's catalogue comes first), so it is not missing.
    translated_by_apps = set()
    for catalogue in root.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"):
        if catalogue != PO:
            translated_by_apps |= {msgid for msgid, msgstr in messages(catalogue.read_text(encoding="utf-8")) if msgstr}
    missing = [block for block in missing if messages(block)[0][0] not in translated_by_apps]
    assert not missing, missing[:10]


def messages(text):
    """(msgid, msgstr) of every entry of a catalogue's text; a plural's msgstr is its first form."""
    found = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and not block.startswith("#~"):
            found.append(("".join(re.findall(r'"(.*)"', msgid.group(1))),
                          "".join(re.findall(r'"(.*)"', msgstr.group(1))) if msgstr else ""))
    return found


def test_the_projects_catalogue_does_not_reword_a_message_an_app_translates_since_this_work_began():
    """The project's catalogue wins over an app's: a message both translate shows the project's wording, so
    the app's careful wording (the calendar's, the analysis's) is lost without anyone noticing. The ones that
    were there before this test are listed; no new one may join them."""
    own = dict(messages(PO.read_text(encoding="utf-8")))
    clashes = set()
    for catalogue in PO.parent.parent.parent.parent.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"):
        if catalogue == PO:
            continue
        for msgid, msgstr in messages(catalogue.read_text(encoding="utf-8")):
            if msgid and msgstr and own.get(msgid) and own[msgid] != msgstr:
                clashes.add(msgid)
    assert len(clashes) <= KNOWN_CLASHES, sorted(clashes)

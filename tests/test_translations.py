"""The Chinese interface is complete: every message has a translation that compiles."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


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

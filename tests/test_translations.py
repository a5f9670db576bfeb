"""Chinese is complete: every message in the code and templates has a Chinese translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "feedback" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as file:
        wanted = {m.id for m in read_po(file) if m.id}
    with CATALOG.open("rb") as file:
        catalog = read_po(file, locale="zh_Hans_CN")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(str(m) for m in wanted - translated) == []


def test_placeholders_survive_translation():
    with CATALOG.open("rb") as file:
        catalog = read_po(file, locale="zh_Hans_CN")
    for message in catalog:
        if message.id and message.string:
            assert not message.check(catalog), message.id

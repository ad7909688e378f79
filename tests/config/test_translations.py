"""Every user-facing string has its Chinese: the catalogue has no empty or fuzzy entry."""

import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries() -> list[tuple[str, str, bool]]:
    return entries_of(CATALOGUE)


def entries_of(catalogue: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry but the header."""
    text = catalogue.read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        body = "\n".join(line for line in lines if not line.startswith("#"))
        match = re.search(r'msgid ((?:"[^\n]*"\n?)+)msgstr ((?:"[^\n]*"\n?)+)', body)
        if not match:
            continue
        msgid, msgstr = ("".join(re.findall(r'"(.*)"', part)) for part in match.groups())
        if msgid:
            found.append((msgid, msgstr, fuzzy))
    return found


def test_the_catalogue_has_entries():
    assert len(entries()) > 100


def test_every_string_has_a_chinese_translation():
    missing = [msgid for msgid, msgstr, fuzzy in entries() if not msgstr or fuzzy]
    assert missing == []


def test_translations_keep_their_placeholders():
    for msgid, msgstr, _ in entries():
        placeholders = sorted(re.findall(r"%\(\w+\)[sd]", msgid))
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgstr)) == placeholders, msgid


def test_no_user_facing_string_is_missing_from_the_catalogue(tmp_path):
    """makemessages on a copy of the project finds no string the catalogue lacks."""
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", ".git", ".data", "staticfiles", "__pycache__", "*.mo")
    shutil.copytree(root, copy, ignore=ignore)
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"]
    subprocess.run(
        [*command, "--ignore=bench", "--ignore=tests", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {msgid for msgid, _, _ in entries_of(copy / CATALOGUE.relative_to(root))}
    known = {msgid for msgid, _, _ in entries()}
    assert sorted(fresh - known) == []

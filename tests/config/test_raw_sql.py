"""Raw SQL in the apps says what it means through the code's own names (issue 12): tables through
`X._meta.db_table`, states through their enums, the time zone through settings. A table that
moves app, a state renamed or a city elsewhere then changes the SQL with the code."""

import functools
import re
from pathlib import Path

from django.conf import settings

from tests.config.source_scan import (
    by_place,
    layered_apps,
    parse,
    project_files,
    project_models,
    sql_strings,
    where,
)

# `bench` is not scanned: its baselines are SQL written against today's tables on purpose.
SCANNED = [*layered_apps(), "config"]


def _table_names() -> re.Pattern:
    names = sorted({model._meta.db_table for model in project_models()}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")


def _state_literals() -> re.Pattern:
    """A quoted value of any model's `state` or `status` field: `'waiting'`, `'pool_closed'`…"""
    values = {
        str(value)
        for model in project_models()
        for field in model._meta.get_fields()
        if field.name in ("state", "status") and getattr(field, "choices", None)
        for value, _ in field.flatchoices
    }
    return re.compile("'(" + "|".join(map(re.escape, sorted(values))) + ")'")


def _time_zone() -> re.Pattern:
    """The zone's name, or any zone quoted in the statement (`AT TIME ZONE '…'`)."""
    return re.compile(
        r"TIME\s+ZONE\s+'[^']*'|\btimezone\(\s*'[^']*'|" + re.escape(settings.TIME_ZONE),
        re.IGNORECASE,
    )


@functools.cache
def findings() -> dict[str, list[str]]:
    return scan(tuple(project_files(SCANNED)))


def scan(paths: tuple[Path, ...]) -> dict[str, list[str]]:
    rules = {
        "table named literally": _table_names(),
        "state written literally": _state_literals(),
        "time zone written literally": _time_zone(),
    }
    found: dict[str, list[str]] = {rule: [] for rule in rules}
    for path in paths:
        for string in sql_strings(parse(path)):
            # Substitutions (`{Reservation._meta.db_table}`, `{ReservationState.WON}`) are the
            # code's names, not literals; comments are not read by the database.
            sql = string.literal_sql
            for rule, pattern in rules.items():
                for match in pattern.finditer(sql):
                    line = string.line_of(match.start())
                    found[rule].append(f"{where(path, line)}: {match[0]!r}")
    return {rule: sorted(lines, key=by_place) for rule, lines in found.items()}


def test_raw_sql_names_tables_only_through_meta_db_table():
    found = findings()["table named literally"]
    assert not found, (
        "Name each table as {Model._meta.db_table} (a model that moves app keeps its table):\n"
        + "\n".join(found)
    )


def test_raw_sql_writes_no_state_literally():
    found = findings()["state written literally"]
    assert not found, (
        "Pass each state as a parameter, or an f-string substitution, of its enum member:\n"
        + "\n".join(found)
    )


def test_raw_sql_takes_the_time_zone_from_settings():
    found = findings()["time zone written literally"]
    assert not found, "Pass settings.TIME_ZONE as a parameter (AT TIME ZONE %s):\n" + "\n".join(
        found
    )


def test_the_scan_sees_each_kind_of_literal_and_accepts_the_code_s_names(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from django.conf import settings\n"
        "def f(cursor):\n"
        "    cursor.execute(\n"
        '        f"""\n'
        "        SELECT r.id FROM reservations_reservation r\n"
        "        JOIN {Draw._meta.db_table} d ON d.id = r.won_draw_id  -- not lottery_draw\n"
        "        WHERE r.state = 'won' AND d.status = '{DrawStatus.DRAWN}'\n"
        "          AND (r.won_at AT TIME ZONE 'Asia/Shanghai')::date = %s\n"
        "          AND r.created_at AT TIME ZONE %s > now()\n"
        "          AND r.pickup_point_id IS NULL\n"
        '        """,\n'
        "        [settings.TIME_ZONE],\n"
        "    )\n"
        "    message = 'The draw is drawn; you won'  # prose, not SQL\n",
        encoding="utf-8",
    )
    found = scan((source,))
    assert [line.split(":", 1)[1] for line in found["table named literally"]] == [
        "5: 'reservations_reservation'"
    ]
    assert [line.split(":", 1)[1] for line in found["state written literally"]] == ["7: \"'won'\""]
    assert [line.split(":", 1)[1] for line in found["time zone written literally"]] == [
        "8: \"TIME ZONE 'Asia/Shanghai'\""
    ]

"""Every entry of a draw's log reads as a sentence, in both languages, in the city's time; every
stage of a running draw has its words."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from lottery import services
from lottery.models import Draw, DrawLog
from lottery.selectors import DRAW_LOG_LABELS, LOG_SENTENCES, draw_log_label, draw_log_sentence
from lottery.tasks import PROGRESS_STAGES, progress_stage
from reservations.models import User
from tests.reservations.conftest import at

ROOT = Path(settings.BASE_DIR)
APPS = ["city", "notifications", "reservations", "lottery", "pickup", "orders", "portal"]


def _written_actions() -> set[str]:
    """Every action a draw log entry is written with: `_log(draw, "action", …)`, the constants
    passed in its place, and any `DrawLog(… action=…)` in the apps' code."""
    constants: dict[str, str] = {}
    calls: list[ast.expr] = []
    for path in (ROOT / app for app in APPS):
        for file in path.rglob("*.py"):
            if "migrations" in file.parts:
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                            constants[target.id] = node.value.value
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name == "_log" and len(node.args) >= 2:
                        calls.append(node.args[1])
                    if name == "create" and "DrawLog" in ast.unparse(node.func):
                        calls += [k.value for k in node.keywords if k.arg == "action"]
    actions = set()
    for arg in calls:
        if isinstance(arg, ast.Constant):
            actions.add(arg.value)
        elif isinstance(arg, ast.Name) and arg.id in constants:
            actions.add(constants[arg.id])
        elif isinstance(arg, ast.Name) and arg.id == "action":
            continue  # `_log` itself, passing its parameter on
        else:
            raise AssertionError(f"a draw log action the test cannot read: {ast.unparse(arg)}")
    return actions


def test_every_action_written_in_the_code_has_a_sentence():
    written = _written_actions()
    assert {"committed", "pool_closed", "started", "run_at_once", "signed_off"} <= written
    assert sorted(written - set(LOG_SENTENCES)) == []


# Details as the services write them (moments as UTC ISO strings: the sentence says them in
# the city's time).
DETAILS = {
    "scheduled": {"scheduled_at": "2020-02-19T02:00:00+00:00"},
    "added": {"scheduled_at": "2020-02-19T02:00:00+00:00"},
    "quota_planned": {"planned_quota": 40},
    "quota_lowered_to_stock": {"planned_quota": 40, "quota": 30},
    "purchase_window_set": {
        "opens": "2020-02-19T06:00:00+00:00",
        "closes": "2020-02-20T06:00:00+00:00",
    },
    "postponed": {"reason": "supply short", "to_draw": 9, "scheduled_at": "2020-02-21T02:00Z"},
    "replaces_postponed": {"from_draw": 8, "reason": "supply short"},
    "cancelled": {"reason": "supply short"},
    "committed": {"commitment": "ac31" + "0" * 60},
    "pool_closed": {
        "pool_size": 6,
        "pool_digest": "a935817c" + "0" * 56,
        "quota": 2,
        "pool_cutoff": "2020-02-18T13:00:00+00:00",
    },
    "public_value_fixed": {"public_value": "3 5 2 6 1 4"},
    "secret_revealed": {"secret": "00010203" + "0" * 56},
    "started": {"announced": "2020-02-19T02:00:00+00:00", "early": True, "at_once": False},
    "drawn": {"winners_count": 2, "winners_digest": "df4f67dc" + "0" * 56},
    "wins_settled": {"settled_now": 2},
    "run_at_once": {},
    "signed_off": {
        "pool_digest": "a935817c" + "0" * 56,
        "winners_digest": "df4f67dc" + "0" * 56,
        "commitment": "ac31" + "0" * 60,
        "certificate_number": "(2020)闽榕证字第118号",
        "statement": "监督全程。",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_action_reads_as_a_sentence_in_the_citys_time(language, campaign):
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    person = User(username="zhangsan", first_name="张三")
    assert set(DETAILS) == set(LOG_SENTENCES)
    with translation.override(language):
        for action, details in DETAILS.items():
            for actor in (person, None):
                entry = DrawLog(
                    draw=draw,
                    action=action,
                    actor=actor,
                    details=details,
                    at=at(2020, 2, 18, 9, 30),
                )
                sentence = draw_log_sentence(entry)
                # No raw key (those with an underscore; "added" is also a word), no UTC.
                assert "_" not in action or action not in sentence, sentence
                assert "+00:00" not in sentence and "UTC" not in sentence, sentence
                assert "2020-02-18 09:30" in sentence, sentence
                assert not re.search(r"%\(|\{", sentence), sentence
                if language == "zh-hans":
                    assert re.search(r"[\u4e00-\u9fff]", sentence), sentence
        committed = DrawLog(
            draw=draw, action="committed", actor=person, details=DETAILS["committed"]
        )
        committed.at = at(2020, 2, 18, 9, 30)
        pool = DrawLog(draw=draw, action="pool_closed", details=DETAILS["pool_closed"])
        pool.at = at(2020, 2, 18, 21, 0)
        if language == "en":
            assert draw_log_sentence(committed) == (
                "Notary 张三 committed at 2020-02-18 09:30: ac310000…"
            )
            assert "cut-off 2020-02-18 21:00" in draw_log_sentence(pool)
        else:
            assert (
                draw_log_sentence(committed)
                == "公证员 张三 于 2020-02-18 09:30 提交承诺值：ac310000…"
            )
            assert "截止时间 2020-02-18 21:00" in draw_log_sentence(pool)


@pytest.mark.django_db
def test_an_action_without_a_sentence_is_still_said_plainly(campaign):
    draw = Draw(pk=1)
    entry = DrawLog(draw=draw, action="something_new", at=at(2020, 2, 18, 9, 30))
    with translation.override("en"):
        assert (
            draw_log_sentence(entry) == "The system recorded “something_new” at 2020-02-18 09:30."
        )


def test_every_stage_a_running_draw_reports_has_its_words():
    source = (ROOT / "lottery" / "services.py").read_text(encoding="utf-8")
    reported = set(re.findall(r'report\("([^"]+)"', source))
    assert reported and reported <= set(PROGRESS_STAGES)
    with translation.override("zh-hans"):
        for stage in PROGRESS_STAGES:
            said = progress_stage({"step": stage})
            assert said != stage and re.search(r"[\u4e00-\u9fff]", said), stage


def test_every_action_has_a_chinese_label_which_names_its_entry():
    assert set(DRAW_LOG_LABELS) == set(LOG_SENTENCES)
    with translation.override("zh-hans"):
        for action in DRAW_LOG_LABELS:
            label = draw_log_label(action)
            assert action not in label and re.search(r"[\u4e00-\u9fff]", label), label
        assert str(DrawLog(draw_id=12, action="pool_closed")) == "第12场摇号：摇号池已截止"
        # An action written after the table is shown as stored, not hidden.
        assert draw_log_label("new_step") == "new_step"

"""The sets of draw states the rules speak of are named once, in lottery/models.py, and every
module uses the names: a set spelled out again (a list of states, or states in SQL) can drift
from the rule it stands for."""

import ast
from pathlib import Path

from django.conf import settings

from lottery.models import (
    DRAWN_STATES,
    POOL_OPEN_STATES,
    UNDRAWN_STATES,
    DrawStatus,
)

# The apps whose modules must use the names (reservations/ still spells some out in SQL).
APPS = ["city", "notifications", "reservations", "lottery", "pickup", "orders", "portal"]
# As plain strings, the states no other model has ('cancelled' is a reservation's too).
STATES = {status.value for status in DrawStatus} - {DrawStatus.CANCELLED.value}


def _is_state(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id == "DrawStatus"
    return isinstance(node, ast.Constant) and node.value in STATES


def _spelled_out_sets(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            if sum(_is_state(element) for element in node.elts) >= 2:
                found.append(f"{path}:{node.lineno}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # In SQL a state is a quoted literal: WHERE status IN ('drawn', 'signed_off').
            if any(f"'{state}'" in node.value for state in STATES):
                found.append(f"{path}:{node.lineno}")
    return found


def test_the_sets_of_draw_states_mean_what_the_rules_say():
    assert POOL_OPEN_STATES == (DrawStatus.SCHEDULED, DrawStatus.COMMITTED)
    assert UNDRAWN_STATES == (*POOL_OPEN_STATES, DrawStatus.POOL_CLOSED)
    assert DRAWN_STATES == (DrawStatus.DRAWN, DrawStatus.SIGNED_OFF)


def test_no_module_spells_out_a_set_of_draw_states_again():
    root = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts or path == root / "lottery" / "models.py":
                continue  # migrations keep their history; models.py is where they are named
            found += _spelled_out_sets(path)
    assert not found, "use the named sets of lottery/models.py: " + ", ".join(found)

"""docs/rules.md's test vector is the one the verifier computes: the rulebook in the project
cannot drift from the code."""

import re
from pathlib import Path

from django.conf import settings

from lottery import verify

RULES = Path(settings.BASE_DIR) / "docs" / "rules.md"


def vector() -> dict[str, str]:
    block = RULES.read_text(encoding="utf-8").split("A test vector")[1].split("```")[1]
    values = {}
    for line in block.strip().splitlines():
        name, value = re.split(r"\s+", line.strip(), maxsplit=1)
        values[name] = value
    return values


def test_the_rulebooks_vector_is_what_the_verifier_computes():
    v = vector()
    secret = bytes.fromhex(v["S"])
    pool = [int(n) for n in v["pool"].split("(")[0].split()]
    pool_digest = verify.file_digest(verify.number_lines(pool))
    key = verify.draw_key(secret, pool_digest, verify.normalise_public_value(v["B"]))
    assert verify.commitment(secret) == v["commitment"]
    assert pool_digest == v["pool_digest"]
    assert key.hex() == v["key"]
    for number in (23456789, 10000001, 50000000):
        assert verify.rank(key, number).hex() == v[f"rank({number})"].split()[0]
    winners = verify.winners(key, pool, 2)
    assert " ".join(str(n) for n in sorted(winners)) == v["quota"].split("winners ")[1]
    assert verify.file_digest(verify.number_lines(sorted(winners))) == v["winners_digest"]
    assert verify.file_digest(iter(())) == v["empty"].split("pool_digest ")[1]


def test_every_rule_the_code_cites_is_in_the_rulebook():
    cited = set()
    for folder in (
        "city",
        "reservations",
        "lottery",
        "pickup",
        "orders",
        "portal",
        "notifications",
    ):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            cited |= {int(n) for n in re.findall(r"\brules? (\d+)\b", path.read_text("utf-8"))}
    headings = {int(n) for n in re.findall(r"^## (\d+)\. ", RULES.read_text("utf-8"), re.M)}
    assert cited and cited <= headings

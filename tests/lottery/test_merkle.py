"""Per-number proofs' arithmetic (DOMAIN.md, "Per-number proofs"; issue 16): the pool's Merkle
root, audit paths, the cut-off, and the verifier's --number."""

import hashlib
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lottery import merkle
from lottery import verify as algorithm

SECRET = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
PUBLIC_VALUE = "3 5 2 6 1 4"
POOL = [10000001, 23456789, 31415926, 50000000, 77777777, 99999999]
POOL_DIGEST = "a935817ccf8b80f7eb6fce380d488dc3f678bee7ccdde20c2c9b0be4b36eafed"
# DOMAIN.md's vector for per-number proofs.
ROOT = "3c47fa7c38829871a8542678862e6542a17c62f09e5bbaa8b30f22fdea31a8e2"
PATH_OF_23456789 = [
    "2e2599c42c81d4e3317efbcc69eddd15b6f98031acb36f7babd8bc24c6a53f9a",
    "5e5ed585c8ecfc445f933e4461b6064e8496fd63a2f160ebaefb7f59521f41b8",
    "4a141bb912db3639a73d6de572b6a8b7281eab8df729d5a1cdd794390aca6ee5",
]
ORDER = [23456789, 10000001, 50000000, 99999999, 31415926, 77777777]
CUTOFF_RANK = "4ad47e7c630c2d0e3fa7dc98e59ce1b759c9ab63fee12154acb72b2c019f9e7f"
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# RFC 6962 section 2.1, written out as the RFC states it, to hold the implementations to.
def rfc_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = largest_power_of_two_below(n)
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_shape(m: int, n: int) -> list[str] | None:
    """Which side each sibling of PATH(m, D[n]) is on, from the leaf up; None outside the tree."""
    if not 0 <= m < n:
        return None
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*rfc_shape(m, k), "right"]
    return [*rfc_shape(m - k, n - k), "left"]


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def digits(numbers: list[int]) -> list[bytes]:
    return [b"%08d" % number for number in numbers]


def key() -> bytes:
    return algorithm.draw_key(bytes.fromhex(SECRET), POOL_DIGEST, PUBLIC_VALUE)


def test_the_pool_root_audit_path_and_cutoff_are_domain_md_s_test_vector():
    levels = algorithm.merkle_levels(POOL)
    assert algorithm.merkle_root(POOL).hex() == ROOT
    assert [h.hex() for h in algorithm.audit_path(1, levels)] == PATH_OF_23456789
    assert algorithm.verify_audit_path(
        algorithm.leaf_hash(23456789),
        1,
        6,
        [bytes.fromhex(h) for h in PATH_OF_23456789],
        bytes.fromhex(ROOT),
    )
    ranked = sorted(POOL, key=lambda n: (algorithm.rank(key(), n), n))
    assert ranked == ORDER
    cut_rank, cut_number = algorithm.cutoff(key(), POOL, 2)
    assert (cut_rank.hex(), cut_number) == (CUTOFF_RANK, 10000001)
    assert [n for n in POOL if algorithm.won(key(), n, (cut_rank, cut_number))] == [
        10000001,
        23456789,
    ]
    assert algorithm.merkle_root([]).hex() == EMPTY_ROOT


def test_the_stored_levels_give_the_same_root_and_path_as_the_verifier():
    levels = merkle.build_levels(POOL)
    assert merkle.root(levels).hex() == ROOT
    assert [h.hex() for h in merkle.audit_path(1, levels)] == PATH_OF_23456789
    assert merkle.root(merkle.build_levels([])).hex() == EMPTY_ROOT
    assert merkle.size(levels) == 6


def test_nobody_winning_has_no_cutoff_and_a_quota_beyond_the_pool_cuts_at_its_last():
    assert algorithm.cutoff(key(), POOL, 0) is None
    assert algorithm.cutoff(key(), [], 3) is None
    assert not algorithm.won(key(), 23456789, None)
    cut = algorithm.cutoff(key(), POOL, 10)
    assert cut[1] == ORDER[-1]
    assert all(algorithm.won(key(), n, cut) for n in POOL)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 8, 100_000])
def test_trees_of_every_shape_agree_with_the_rfc_s_recursive_definition(count):
    pool = sorted(random.Random(count).sample(range(10_000_000, 100_000_000), count))
    expected = rfc_mth(digits(pool))
    levels = merkle.build_levels(pool)
    assert merkle.root(levels) == expected
    assert algorithm.merkle_root(pool) == expected
    indices = (
        range(count) if count <= 8 else [0, count - 1, *random.Random(1).sample(range(count), 6)]
    )
    for index in indices:
        path = rfc_path(index, digits(pool))
        assert merkle.audit_path(index, levels) == path
        assert algorithm.verify_audit_path(
            algorithm.leaf_hash(pool[index]), index, count, path, expected
        )


def test_the_levels_of_a_pool_of_100_000_build_in_well_under_a_few_seconds():
    pool = range(10_000_000, 10_100_000)
    started = time.perf_counter()
    levels = merkle.build_levels(pool)
    elapsed = time.perf_counter() - started
    assert [len(level) // 32 for level in levels[:3]] == [100_000, 50_000, 25_000]
    assert len(levels[-1]) == 32
    # Generous for a shared machine: it takes a fraction of a second; quadratic work would not.
    assert elapsed < 5, elapsed


def test_every_audit_path_of_a_small_pool_verifies_and_a_tampered_one_is_refused():
    pool = sorted(random.Random(11).sample(range(10_000_000, 100_000_000), 11))
    levels = algorithm.merkle_levels(pool)
    root = algorithm.merkle_root(pool)
    for index, number in enumerate(pool):
        path = algorithm.audit_path(index, levels)
        leaf = algorithm.leaf_hash(number)
        assert algorithm.verify_audit_path(leaf, index, 11, path, root)
        for at in range(len(path)):
            altered = list(path)
            altered[at] = bytes([altered[at][0] ^ 1]) + altered[at][1:]
            assert not algorithm.verify_audit_path(leaf, index, 11, altered, root)
        for wrong_index in (i for i in range(-1, 12) if i != index):
            assert not algorithm.verify_audit_path(leaf, wrong_index, 11, path, root)
        # A size gives the path its shape (which side each sibling is on); a wrong size with
        # another shape is refused. Sizes of the same shape for this index are bound by the
        # certificate's pool_size instead, which --number checks against the pool file.
        refused = 0
        for wrong_size in (s for s in range(0, 23) if s != 11):
            if rfc_shape(index, wrong_size) != rfc_shape(index, 11):
                assert not algorithm.verify_audit_path(leaf, index, wrong_size, path, root)
                refused += 1
        assert refused >= 10
        assert not algorithm.verify_audit_path(leaf, index, 11, path[:-1], root)
        assert not algorithm.verify_audit_path(leaf, index, 11, [*path, path[0]], root)
        other = algorithm.leaf_hash(pool[(index + 1) % 11])
        assert not algorithm.verify_audit_path(other, index, 11, path, root)


def test_an_audit_path_outside_the_tree_is_an_error_not_a_path():
    for build, extract in (
        (algorithm.merkle_levels, algorithm.audit_path),
        (merkle.build_levels, merkle.audit_path),
    ):
        with pytest.raises(IndexError):
            extract(6, build(POOL))
        with pytest.raises(IndexError):
            extract(0, build([]))


def certificate(**changes) -> dict:
    winners = b"10000001\n23456789\n"
    return {
        "id": 7,
        "algorithm": 1,
        "commitment": COMMITMENT,
        "secret": SECRET,
        "public_value": PUBLIC_VALUE,
        "pool_size": 6,
        "pool_digest": POOL_DIGEST,
        "quota": 2,
        "winners_count": 2,
        "winners_digest": hashlib.sha256(winners).hexdigest(),
        "pool_merkle_root": ROOT,
        "cutoff_rank": CUTOFF_RANK,
        "cutoff_number": 10000001,
        **changes,
    }


def run_number(tmp_path: Path, number: str, cert: dict, *, winners: bool = True):
    (tmp_path / "certificate.json").write_text(json.dumps(cert))
    (tmp_path / "pool.txt").write_bytes(b"".join(algorithm.number_lines(POOL)))
    (tmp_path / "winners.txt").write_bytes(b"10000001\n23456789\n")
    files = ["certificate.json", "pool.txt", *(["winners.txt"] if winners else [])]
    # -I: isolated mode, only the standard library importable, as for the public.
    script = str(Path(algorithm.__file__))
    run = [sys.executable, "-I", script, "--number", number, *files]
    return subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)


def test_the_verifier_says_a_winner_won_with_its_index_rank_and_proof(tmp_path):
    done = run_number(tmp_path, "23456789", certificate())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "index 1 of 6" in done.stdout
    assert algorithm.rank(key(), 23456789).hex() in done.stdout
    assert "leads to the certificate's root" in done.stdout
    assert "23456789 WON" in done.stdout


def test_the_verifier_says_a_loser_did_not_win(tmp_path):
    done = run_number(tmp_path, "77777777", certificate(), winners=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "index 4 of 6" in done.stdout
    assert "77777777 did not win" in done.stdout


def test_the_verifier_says_a_number_not_in_the_pool_is_not_in_it(tmp_path):
    done = run_number(tmp_path, "12345678", certificate())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12345678 is not in the pool of 6" in done.stdout
    assert "WON" not in done.stdout


def test_the_verifier_checks_an_older_certificate_without_a_root_from_the_pool_alone(tmp_path):
    older = certificate()
    for field in ("pool_merkle_root", "cutoff_rank", "cutoff_number"):
        del older[field]
    done = run_number(tmp_path, "10000001", older)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the certificate has no Merkle root" in done.stdout
    assert "index 0 of 6" in done.stdout
    assert "10000001 WON" in done.stdout


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"pool_merkle_root": "00" * 32}, "Merkle root"),
        ({"cutoff_number": 50000000}, "cut-off"),
        ({"cutoff_rank": "00" * 32}, "cut-off"),
        ({"secret": "00" * 32}, "commitment"),
        ({"pool_size": 7}, "pool size"),
    ],
)
def test_the_verifier_refuses_a_certificate_that_does_not_match_for_the_number(
    tmp_path, changes, says
):
    done = run_number(tmp_path, "23456789", certificate(**changes))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DOES NOT MATCH" in done.stdout
    assert says in done.stdout


def test_the_verifier_refuses_a_number_that_is_not_eight_digits_or_missing_files(tmp_path):
    assert run_number(tmp_path, "1234567", certificate()).returncode == 2
    assert run_number(tmp_path, "1234567a", certificate()).returncode == 2
    script = str(Path(algorithm.__file__))
    missing = [sys.executable, "-I", script, "--number", "23456789", "none.json", "none.txt"]
    done = subprocess.run(missing, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "cannot read the files" in done.stderr


def test_the_worked_example_in_docs_draws_md_is_what_the_code_computes():
    section = (Path(__file__).parents[2] / "docs" / "draws.md").read_text(encoding="utf-8")
    section = section.split("## Per-number proofs (arithmetic)", 1)[1]
    levels = algorithm.merkle_levels(POOL)
    for name, number, leaf in zip(
        ("L0", "L1", "L2", "L3", "L4", "L5"), POOL, levels[0], strict=True
    ):
        assert f"{name} = {leaf.hex()}   {number}" in section
    nodes = {"N01": levels[1][0], "N23": levels[1][1], "N45": levels[1][2], "N0123": levels[2][0]}
    for name, node in nodes.items():
        assert f"{name} " in section and f"= {node.hex()}" in section
    assert f"= {ROOT}" in section
    for number in ORDER:
        assert f"{number} {algorithm.rank(key(), number).hex()}" in section


def test_every_hex_value_in_the_docs_hand_worked_example_is_what_the_code_computes():
    """docs/draws.md "DOMAIN.md's six-number pool, by hand": each hex string written there
    (whole, or shortened to its first digits and "…") is one the code computes for the vector;
    and the steps the section walks through are there with their values."""
    docs = (Path(__file__).parents[2] / "docs" / "draws.md").read_text(encoding="utf-8")
    section = docs.split("### DOMAIN.md's six-number pool, by hand", 1)[1].split("\n## ", 1)[0]
    secret = bytes.fromhex(SECRET)
    pool_file = b"".join(algorithm.number_lines(POOL))
    levels = algorithm.merkle_levels(POOL)
    the_key = algorithm.draw_key(secret, hashlib.sha256(pool_file).hexdigest(), PUBLIC_VALUE)
    digits = [b"%08d" % number for number in POOL]
    computed = {
        SECRET,
        algorithm.commitment(secret),
        hashlib.sha256(pool_file).hexdigest(),
        PUBLIC_VALUE.encode().hex(),
        the_key.hex(),
        algorithm.EMPTY_ROOT.hex(),
        hashlib.sha256(b"10000001\n23456789\n").hexdigest(),
        *(line.hex() for line in digits),
        *((b"\x00" + line).hex() for line in digits),
        *(node.hex() for level in levels for node in level),
        *(algorithm.rank(the_key, number).hex() for number in POOL),
    }
    written = re.findall(r"(?<![0-9A-Za-z])([0-9a-f]{8,})(?![0-9A-Za-z])(…)?", section)
    checked = 0
    for value, shortened in written:
        if len(value) == 8 and value.isdigit() and int(value) in POOL:
            continue  # a pool number, in decimal
        if shortened:
            assert any(full.startswith(value) for full in computed), value
        else:
            assert value in computed, value
        checked += 1
    assert checked >= 40  # the section is not empty of values

    leaf_input = (b"\x00" + digits[1]).hex()
    assert f"is SHA-256(00 ‖ 3233343536373839) = SHA-256({leaf_input})" in section
    cut_rank, cut_number = algorithm.cutoff(the_key, POOL, 2)
    assert f"`cutoff_number`\n{cut_number}, `cutoff_rank` {cut_rank.hex()}" in section
    assert f"key = SHA-256(S ‖ pool digest ‖ B)   (32 + 32 + {len(PUBLIC_VALUE)} = 75 bytes)" in (
        section
    )
    # The walk up from 23456789: each step's result is the node the tree has there.
    path = algorithm.audit_path(1, levels)
    assert [node.hex() for node in path] == PATH_OF_23456789
    step1 = algorithm.node_hash(path[0], levels[0][1])
    step2 = algorithm.node_hash(step1, path[1])
    step3 = algorithm.node_hash(step2, path[2])
    assert step3.hex() == ROOT
    walk = section.split("**The audit path of 23456789**", 1)[1].split("**The key.**", 1)[0]
    positions = [walk.index(step.hex()) for step in (levels[0][1], step1, step2, step3)]
    assert positions == sorted(positions)
    # The comparisons with the cut-off, by their first byte.
    assert algorithm.rank(the_key, 23456789)[:1].hex() == "39" and cut_rank[:1].hex() == "4a"
    assert algorithm.rank(the_key, 50000000)[:1].hex() == "5b"
    assert "the first byte 39 is less than 4a" in section and "5b is more than 4a" in section

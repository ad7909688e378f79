"""DOMAIN.md's test vector, and the standalone verifier, byte for byte."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lottery import verify as algorithm
from tests.lottery.helpers import POOL, POOL_DIGEST, SECRET, WINNERS

S = bytes.fromhex(SECRET)
B = "3 5 2 6 1 4"
KEY = "8dffa8ca313ceea65998bc7520637447d4c293d82c13b25ac79dd5a5fea3f2be"


def pool_bytes(numbers=POOL) -> bytes:
    return b"".join(algorithm.number_lines(numbers))


def test_the_commitment_of_the_test_secret():
    assert algorithm.commitment(S) == (
        "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    )


def test_the_pool_digest_of_the_test_pool():
    assert pool_bytes() == b"10000001\n23456789\n31415926\n50000000\n77777777\n99999999\n"
    assert algorithm.file_digest(algorithm.number_lines(POOL)) == POOL_DIGEST


def test_the_key_and_the_ranks():
    key = algorithm.draw_key(S, POOL_DIGEST, B)
    assert key.hex() == KEY
    assert algorithm.rank(key, 23456789).hex() == (
        "397e8a77beb29996ae982097efa886c5c862cd26b060ce122b7bc4a4dc8dd7a5"
    )
    assert algorithm.rank(key, 10000001).hex() == (
        "4ad47e7c630c2d0e3fa7dc98e59ce1b759c9ab63fee12154acb72b2c019f9e7f"
    )
    assert algorithm.rank(key, 50000000).hex() == (
        "5b259efe5d121ab29b46132a3c75eb3b2b087064eb4357cb56096af1d743238e"
    )
    assert min(POOL, key=lambda n: algorithm.rank(key, n)) == 23456789


def test_quota_two_gives_the_published_winners():
    key = algorithm.draw_key(S, POOL_DIGEST, B)
    chosen = algorithm.winners(key, POOL, 2)
    assert chosen == [10000001, 23456789]
    assert algorithm.file_digest(algorithm.number_lines(chosen)) == (
        "df4f67dc1821a155d10865d3458ed727e54315fe6fd84077c23517f123c2f4d6"
    )


def test_an_empty_pool_is_an_empty_file():
    assert pool_bytes([]) == b""
    assert algorithm.file_digest([]) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_quota_zero_and_quota_above_the_pool():
    key = algorithm.draw_key(S, POOL_DIGEST, B)
    assert algorithm.winners(key, POOL, 0) == []
    assert algorithm.winners(key, POOL, 100) == POOL


def test_the_public_value_is_stored_trimmed_with_lf_line_breaks():
    assert algorithm.normalise_public_value("  3 5\r\n2 6\r1 4 \n") == "3 5\n2 6\n1 4"
    key = algorithm.draw_key(S, POOL_DIGEST, "\n 3 5 2 6 1 4 \r\n")
    assert key.hex() == KEY


def certificate(**changes) -> dict:
    key = algorithm.draw_key(S, POOL_DIGEST, B)
    chosen = algorithm.winners(key, POOL, 2)
    return {
        "id": 1,
        "algorithm": 1,
        "commitment": algorithm.commitment(S),
        "secret": S.hex(),
        "public_value": B,
        "pool_size": len(POOL),
        "pool_digest": POOL_DIGEST,
        "quota": 2,
        "winners_count": 2,
        "winners_digest": algorithm.file_digest(algorithm.number_lines(chosen)),
        **changes,
    }


def test_the_verifier_accepts_the_test_draw():
    assert algorithm.verify(certificate(), pool_bytes(), WINNERS) == []


@pytest.mark.parametrize(
    ("changes", "winners", "says"),
    [
        ({}, b"10000001\n31415926\n", "winners differ"),
        ({"secret": "00" * 32}, WINNERS, "does not match the notary's commitment"),
        ({"public_value": "3 5 2 6 1 5"}, WINNERS, "winners differ"),
        ({"pool_size": 7}, WINNERS, "pool size"),
        ({"secret": None}, WINNERS, "no revealed"),
        ({}, b"23456789\n10000001\n", "ascending"),
    ],
)
def test_the_verifier_rejects_a_changed_draw(changes, winners, says):
    problems = algorithm.verify(certificate(**changes), pool_bytes(), winners)
    assert any(says in problem for problem in problems), problems


def test_the_verifier_runs_standalone_with_the_standard_library_only(tmp_path):
    (tmp_path / "certificate.json").write_text(json.dumps(certificate()))
    (tmp_path / "pool.txt").write_bytes(pool_bytes())
    (tmp_path / "winners.txt").write_bytes(WINNERS)
    script = Path(algorithm.__file__)
    # -I: isolated mode, no site-packages: only the standard library is importable.
    run = [sys.executable, "-I", str(script), "certificate.json", "pool.txt", "winners.txt"]
    ok = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK" in ok.stdout

    (tmp_path / "winners.txt").write_bytes(b"10000001\n31415926\n")
    bad = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "winners differ" in bad.stdout


def test_the_fast_ranker_gives_the_same_bytes_as_hmac():
    import random

    key = algorithm.draw_key(S, POOL_DIGEST, B)
    rank_of = algorithm.ranker(key)
    for number in [*POOL, *random.Random(7).sample(range(10_000_000, 100_000_000), 500)]:
        assert rank_of(number) == algorithm.rank(key, number)
    long_key = bytes(range(100))  # longer than a block: hashed first, as RFC 2104 says
    assert algorithm.ranker(long_key)(12345678) == algorithm.rank(long_key, 12345678)


def _fast_winners(key: bytes, pool: list[int], quota: int, **options) -> list[int]:
    """What the draw ranks (ranking.winning_lines, on the pool file's lines), as numbers."""
    from lottery import ranking

    lines = [b"%08d" % number for number in pool]
    return [int(line) for line in ranking.winning_lines(key, lines, quota, **options)]


def test_ranking_on_two_cores_gives_exactly_the_verifiers_winners():
    import random

    from lottery import verify

    generator = random.Random(5)
    pool = sorted(generator.sample(range(10_000_000, 100_000_000), 20_000))
    key = verify.draw_key(bytes(range(32)), "ab" * 32, "3 5 2 6 1 4")

    for quota in (0, 1, 7, 5_000, 20_000, 25_000):
        assert _fast_winners(key, pool, quota, parallel_from=1) == verify.winners(key, pool, quota)


def test_the_fast_ranking_gives_the_verifiers_cut_off_on_one_core_and_on_two(monkeypatch):
    import random

    from lottery import ranking, verify

    pool = sorted(random.Random(11).sample(range(10_000_000, 100_000_000), 12_000))
    lines = [b"%08d" % number for number in pool]
    key = verify.draw_key(bytes(range(1, 33)), "0f" * 32, "6 6 6")
    for quota in (0, 1, 9, 3_000, 12_000, 13_000):
        expected = verify.cutoff(key, pool, quota)
        for parallel_from in (1, 10**9):
            winning, cut = ranking.ranked_winners(key, lines, quota, parallel_from=parallel_from)
            assert [int(line) for line in winning] == verify.winners(key, pool, quota)
            assert (None if cut is None else (cut[0], int(cut[1]))) == expected
    # The exact fallback (a threshold that keeps too few) gives the same cut-off.
    monkeypatch.setattr(ranking, "threshold", lambda size, quota: (1 << 240).to_bytes(32, "big"))
    _, cut = ranking.ranked_winners(key, lines, 50, parallel_from=1)
    assert (cut[0], int(cut[1])) == verify.cutoff(key, pool, 50)


def test_the_fast_ranking_falls_back_to_the_exact_one_when_its_threshold_keeps_too_few(
    monkeypatch,
):
    import random

    from lottery import ranking, verify

    pool = sorted(random.Random(9).sample(range(10_000_000, 100_000_000), 3_000))
    key = verify.draw_key(bytes(32), "cd" * 32, "")
    # A threshold far too low keeps almost nothing: the answer must still be exact.
    monkeypatch.setattr(ranking, "threshold", lambda size, quota: (1 << 240).to_bytes(32, "big"))
    assert _fast_winners(key, pool, 100, parallel_from=1) == verify.winners(key, pool, 100)
    assert _fast_winners(key, pool, 100) == verify.winners(key, pool, 100)


def test_the_fast_ranking_threshold_keeps_every_rank_when_the_quota_is_most_of_the_pool():
    from lottery.ranking import threshold

    assert threshold(1_000, 990) is None
    assert threshold(3_000_000, 100_000) is not None


def test_the_fast_line_ranker_gives_the_verifiers_ranks():
    import random

    from lottery import ranking, verify

    key = verify.draw_key(bytes(range(32)), "ef" * 32, "1 2 3")
    rank_of = ranking.line_ranker(key)
    for number in random.Random(3).sample(range(10_000_000, 100_000_000), 300):
        assert rank_of(b"%08d" % number) == verify.rank(key, number)
    long_key = bytes(range(100))
    assert ranking.line_ranker(long_key)(b"12345678") == verify.rank(long_key, 12345678)

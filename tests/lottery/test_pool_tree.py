"""Proofs come from stored tree levels (issue 16): a drawn draw keeps its pool's Merkle tree from
level 8 up (lottery.PoolTree), and `/draws/<id>/proof` recomputes only the 256 leaves of one
chunk, read as a substring of the pool file; the paths are RFC 6962's all the same."""

import dataclasses
import functools
import os
import random

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from lottery import merkle, ranking, selectors, services
from lottery import verify as algorithm
from lottery.models import PoolTree
from tests.lottery.helpers import ceremony, seed_pool
from tests.lottery.test_merkle import digits, rfc_mth, rfc_path
from tests.reservations.conftest import at

SIZES = [0, 1, 2, 3, 7, 8, 255, 256, 257, 513, 100_000]
KEY = algorithm.draw_key(bytes(range(32)), "ab" * 32, "3 5 2 6 1 4")


def a_pool(count: int) -> list[int]:
    return sorted(random.Random(count).sample(range(10_000_000, 100_000_000), count))


def stored_parts(lines: list[bytes], *, background_from: int) -> tuple[list[bytes], list[bytes]]:
    """What the draw stores, made as the draw makes it (the chunk roots by a forked helper when
    `background_from` allows), and read back as the selector reads it."""
    level_8 = ranking.ChunkRoots(lines, background_from=background_from).result()
    firsts = merkle.chunk_firsts(lines)
    upper = merkle.split_levels(b"".join(merkle.upper_levels(level_8)), len(lines))
    return [firsts[at : at + 8] for at in range(0, len(firsts), 8)], upper


@pytest.mark.parametrize("count", SIZES)
def test_paths_from_the_stored_levels_are_the_rfc_s_recursive_paths(count):
    pool = a_pool(count)
    lines = digits(pool)
    expected_root = rfc_mth(lines)
    # Every leaf of the small trees; of 100,000, chunk edges, the short last chunk and a few.
    edges = [0, 255, 256, 511, 99_839, 99_840, 99_999]
    indices = range(count) if count <= 513 else [*edges, *random.Random(2).sample(range(count), 5)]
    expected = {index: rfc_path(index, lines) for index in indices}
    for background_from in (1, 10**9):  # the chunk roots from a helper process, and from here
        firsts, upper = stored_parts(lines, background_from=background_from)
        assert merkle.root(upper) == expected_root
        assert len(firsts) == -(-count // merkle.CHUNK)
        for index, path in expected.items():
            chunk = index // merkle.CHUNK
            assert firsts[chunk] == lines[chunk * merkle.CHUNK]
            chunk_lines = lines[chunk * merkle.CHUNK : (chunk + 1) * merkle.CHUNK]
            assert merkle.chunk_audit_path(index, chunk_lines, upper) == path


def test_the_tree_helper_that_fails_or_is_abandoned_leaves_no_process_and_no_wrong_roots(
    monkeypatch,
):
    lines = digits(a_pool(2_000))
    expected = merkle.chunk_roots(lines)
    abandoned = ranking.ChunkRoots(lines, background_from=1)
    abandoned.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # nothing left to wait for
    real = merkle.chunk_roots
    parent = os.getpid()
    # In the helper only: its roots come out one hash short, which the parent must notice.
    monkeypatch.setattr(
        merkle,
        "chunk_roots",
        lambda some: real(some)[32:] if os.getpid() != parent else real(some),
    )
    assert ranking.ChunkRoots(lines, background_from=1).result() == expected


def test_a_chunk_that_does_not_hash_to_its_stored_root_is_refused():
    lines = digits(a_pool(600))
    _, upper = stored_parts(lines, background_from=10**9)
    altered = [*lines[256:512]]
    altered[3] = b"%08d" % (int(altered[3]) + 1)
    with pytest.raises(ValueError, match="chunk 1"):
        merkle.chunk_audit_path(259, altered, upper)


# --- through the draw and the endpoint ----------------------------------------------------------

POOL_SIZE = 300  # two chunks, the second short


@pytest.fixture
def drawn(draw):
    seed_pool(a_pool(POOL_SIZE), made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=40, settle=False)


def proof(client, draw_id, number):
    return client.get(reverse("proof", args=[draw_id]), {"number": f"{number:08d}"}).json()


@pytest.mark.django_db
def test_the_draw_stores_its_tree_and_every_proof_of_its_pool_verifies(client, drawn):
    pool = a_pool(POOL_SIZE)
    tree = PoolTree.objects.get(draw=drawn)
    assert tree.pool_size == POOL_SIZE
    assert len(tree.upper_levels) == 32 * 3  # level 8 (two chunks) and the root
    assert len(tree.chunk_firsts) == 8 * 2
    root = bytes.fromhex(drawn.pool_merkle_root)
    assert root == rfc_mth(digits(pool))
    key = algorithm.draw_key(bytes.fromhex(drawn.secret), drawn.pool_digest, drawn.public_value)
    cut = algorithm.cutoff(key, pool, 40)
    for index, number in enumerate(pool):
        data = proof(client, drawn.pk, number)
        assert (data["in_pool"], data["index"], data["pool_size"]) == (True, index, POOL_SIZE)
        path = [bytes.fromhex(h) for h in data["audit_path"]]
        assert path == rfc_path(index, digits(pool))
        leaf = algorithm.leaf_hash(number)
        assert algorithm.verify_audit_path(leaf, index, POOL_SIZE, path, root)
        assert data["won"] is algorithm.won(key, number, cut)
        assert data["rank"] == algorithm.rank(key, number).hex()
        tampered = [*path]
        tampered[index % len(path)] = bytes(32)
        assert not algorithm.verify_audit_path(leaf, index, POOL_SIZE, tampered, root)
    assert sum(proof(client, drawn.pk, n)["won"] for n in pool) == 40


@pytest.mark.django_db
def test_numbers_outside_the_pool_below_between_and_above_it_are_not_in_it(client, drawn):
    pool = a_pool(POOL_SIZE)
    for number in (0, pool[0] - 1, pool[255] + 1, pool[256] - 1, pool[-1] + 1, 99_999_999):
        if number not in pool:
            assert proof(client, drawn.pk, number) == {
                "number": f"{number:08d}",
                "in_pool": False,
            }


@pytest.mark.django_db
def test_a_proof_costs_one_query_once_the_process_knows_the_draw(
    client, drawn, django_assert_num_queries
):
    pool = a_pool(POOL_SIZE)
    selectors._drawn.cache_clear()
    with django_assert_num_queries(2):  # the first in a process also reads the draw and tree
        assert proof(client, drawn.pk, pool[0])["in_pool"]
    for number in (pool[7], pool[299], pool[299] + 1, pool[0] - 1):
        with django_assert_num_queries(1):  # one substring of the pool file
            proof(client, drawn.pk, number)


@pytest.mark.django_db
def test_a_process_that_kept_a_draw_drops_it_when_the_pool_digest_is_not_the_kept_one(
    client, drawn, monkeypatch
):
    pool = a_pool(POOL_SIZE)
    assert proof(client, drawn.pk, pool[3])["index"] == 3
    kept = selectors._drawn(drawn.pk)
    # As if the database had been rebuilt under this process with another pool for the draw.
    stale = dataclasses.replace(kept, pool_digest="00" * 32, firsts=[b"99999999"])
    monkeypatch.setattr(selectors, "_drawn", functools.lru_cache(maxsize=8)(lambda _: stale))
    monkeypatch.setattr(selectors._drawn, "cache_clear", lambda: monkeypatch.undo())
    assert proof(client, drawn.pk, pool[3])["index"] == 3


@pytest.mark.django_db
def test_a_drawn_draw_without_its_tree_gets_it_built_on_the_first_proof(client, drawn):
    pool = a_pool(POOL_SIZE)
    stored = PoolTree.objects.get(draw=drawn)
    PoolTree.objects.filter(draw=drawn).delete()
    selectors._drawn.cache_clear()
    response = client.get(reverse("proof", args=[drawn.pk]), {"number": f"{pool[280]:08d}"})
    assert response.status_code == 200 and response.json()["index"] == 280
    rebuilt = PoolTree.objects.get(draw=drawn)
    assert bytes(rebuilt.upper_levels) == bytes(stored.upper_levels)
    assert bytes(rebuilt.chunk_firsts) == bytes(stored.chunk_firsts)
    # Built again (two requests at once): one row, the same.
    assert services.pool_tree_build(draw=drawn).pk == drawn.pk
    assert PoolTree.objects.filter(draw=drawn).count() == 1


@pytest.mark.django_db
def test_an_empty_pool_stores_an_empty_tree_and_has_no_number_in_it(client, draw):
    drawn = ceremony(draw, quota=5)
    tree = PoolTree.objects.get(draw=drawn)
    assert (tree.pool_size, bytes(tree.upper_levels), bytes(tree.chunk_firsts)) == (0, b"", b"")
    assert proof(client, drawn.pk, 23456789) == {"number": "23456789", "in_pool": False}


# --- lottery 0014 -------------------------------------------------------------------------------

BEFORE = [("lottery", "0013_certificate_proof_fields")]
AFTER = [("lottery", "0014_pool_tree")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # what the previous call applied or unapplied
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_builds_the_tree_of_every_draw_already_drawn(client, draw):
    seed_pool(a_pool(POOL_SIZE), made=at(2020, 2, 18, 11))
    drawn = ceremony(draw, quota=40)
    stored = PoolTree.objects.get(draw=drawn)
    upper, firsts = bytes(stored.upper_levels), bytes(stored.chunk_firsts)
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(BEFORE)  # drawn before trees were stored: the table is not there
        apps = migrate(AFTER).loader.project_state(AFTER).apps
        built = apps.get_model("lottery", "PoolTree").objects.get(draw_id=drawn.pk)
        assert built.pool_size == POOL_SIZE
        assert (bytes(built.upper_levels), bytes(built.chunk_firsts)) == (upper, firsts)
    finally:
        migrate(leaf)
    selectors._drawn.cache_clear()
    pool = a_pool(POOL_SIZE)
    assert proof(client, drawn.pk, pool[260])["audit_path"] == [
        h.hex() for h in rfc_path(260, digits(pool))
    ]

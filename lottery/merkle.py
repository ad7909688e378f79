"""Merkle tree levels of a pool in a storage-friendly form (DOMAIN.md, "Per-number proofs").

Each level is one bytes object of concatenated 32-byte hashes, leaves first, root last, so a
draw can store its levels once and answer a proof by slicing about log2(n) hashes out of them,
never reading the pool again. The hashing is verify.py's (the file the public runs), so the
server and the verifier cannot disagree on the tree.
"""

import hashlib
from collections.abc import Iterable, Sequence

from lottery.verify import EMPTY_ROOT, leaf_hash, node_hash

HASH_SIZE = 32


def build_levels(numbers: Iterable[int]) -> list[bytes]:
    """All levels from pool numbers in file order: level 0 the leaf hashes, the last the root
    (a single hash); an empty list for an empty pool. A level's odd last hash is carried up
    unchanged, which is RFC 6962's split at the largest power of two below the count. Memory is
    the levels themselves (about 64 bytes per number), with no per-hash Python objects kept."""
    leaves = bytearray()
    for number in numbers:
        leaves += leaf_hash(number)
    return _levels_above(bytes(leaves))


def build_levels_from_lines(lines: Iterable[bytes], sha256=hashlib.sha256) -> list[bytes]:
    """`build_levels` from the pool file's lines (eight ASCII digits each, no line break), as
    the draw holds them: the same leaves, without making a number of each line."""
    return _levels_above(b"".join([sha256(b"\x00" + line).digest() for line in lines]))


def _levels_above(leaves: bytes) -> list[bytes]:
    if not leaves:
        return []
    levels = [leaves]
    level = levels[0]
    while len(level) > HASH_SIZE:
        count = len(level) // HASH_SIZE
        above = bytearray()
        for offset in range(0, (count - 1) * HASH_SIZE, 2 * HASH_SIZE):
            above += node_hash(
                level[offset : offset + HASH_SIZE],
                level[offset + HASH_SIZE : offset + 2 * HASH_SIZE],
            )
        if count % 2:
            above += level[-HASH_SIZE:]
        level = bytes(above)
        levels.append(level)
    return levels


def root(levels: Sequence[bytes]) -> bytes:
    return levels[-1] if levels else EMPTY_ROOT


def size(levels: Sequence[bytes]) -> int:
    return len(levels[0]) // HASH_SIZE if levels else 0


def audit_path(index: int, levels: Sequence[bytes]) -> list[bytes]:
    """RFC 6962's PATH(index, D[n]) sliced out of stored levels: sibling hashes from the leaf
    up; the leaves are only read for the leaf's own sibling."""
    if not 0 <= index < size(levels):
        raise IndexError(f"index {index} is not in a tree of {size(levels)}")
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level) // HASH_SIZE:
            path.append(level[sibling * HASH_SIZE : (sibling + 1) * HASH_SIZE])
        index //= 2
    return path

"""Merkle tree levels of a pool in a storage-friendly form (DOMAIN.md, "Per-number proofs").

Each level is one bytes object of concatenated 32-byte hashes, leaves first, root last, so a
draw can store its levels once and answer a proof by slicing about log2(n) hashes out of them,
never reading the pool again. The hashing is verify.py's (the file the public runs), so the
server and the verifier cannot disagree on the tree.
"""

import hashlib
from collections.abc import Iterable, Sequence

from lottery.verify import EMPTY_ROOT, leaf_hash

HASH_SIZE = 32
# A proof's leaves are read in aligned chunks of 256: each chunk is a perfect subtree of RFC
# 6962's tree (the last one possibly short), so the tree is stored from level 8 up only (about
# 64 bytes per 256 numbers) and a chunk's own 8 levels are recomputed per proof (511 hashes).
CHUNK_HEIGHT = 8
CHUNK = 1 << CHUNK_HEIGHT
LINE = 8  # a pool line's eight ASCII digits, without its line break


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
    return _levels_above(_leaves(lines, sha256))


def _leaves(lines: Iterable[bytes], sha256=hashlib.sha256) -> bytes:
    return b"".join([sha256(b"\x00" + line).digest() for line in lines])


def _level_above(level: bytes, sha256=hashlib.sha256) -> bytes:
    """The next level up: adjacent pairs hashed, an odd last hash carried up unchanged. One
    list comprehension of slices: about 0.25 µs a hash, as fast as any pure-Python way measured
    (map chains, memoryviews, regular expressions, copied hash states)."""
    count = len(level) // HASH_SIZE
    pairs = (count // 2) * 2 * HASH_SIZE
    above = b"".join(
        [sha256(b"\x01" + level[at : at + 2 * HASH_SIZE]).digest() for at in range(0, pairs, 64)]
    )
    return above + level[-HASH_SIZE:] if count % 2 else above


def _levels_above(leaves: bytes) -> list[bytes]:
    if not leaves:
        return []
    levels = [leaves]
    while len(levels[-1]) > HASH_SIZE:
        levels.append(_level_above(levels[-1]))
    return levels


def chunk_roots(lines: Sequence[bytes]) -> bytes:
    """Level 8 of the tree of `lines` (pool lines without their line breaks): the root of each
    run of 256 lines, the last run possibly shorter, concatenated. Run on any slice of the pool
    that starts at a multiple of 256, the results concatenate to the whole pool's level 8, which
    is how the draw builds it on two cores."""
    roots = []
    # A batch of 256 chunks at a time: its 65,536 leaf hashes (2 MB) are all that is ever held
    # below level 8, not the pool's whole leaf level (96 MB at 3,000,000).
    for start in range(0, len(lines), CHUNK * CHUNK):
        level = _leaves(lines[start : start + CHUNK * CHUNK])
        for _ in range(CHUNK_HEIGHT):
            level = _level_above(level)  # a single hash is carried up unchanged
        roots.append(level)
    return b"".join(roots)


def upper_levels(level_8: bytes) -> list[bytes]:
    """The tree's levels from level 8 (one hash per chunk) up to the root; empty for an empty
    pool. What a draw stores (`lottery.PoolTree`): about 64 bytes per 256 numbers."""
    return _levels_above(level_8)


def split_levels(stored: bytes, pool_size: int) -> list[bytes]:
    """`upper_levels` back from their concatenation, as `PoolTree.upper_levels` holds them."""
    levels, at, count = [], 0, -(-pool_size // CHUNK)
    while count:
        levels.append(stored[at : at + count * HASH_SIZE])
        at += count * HASH_SIZE
        count = 0 if count == 1 else -(-count // 2)
    if at != len(stored):
        raise ValueError(f"{len(stored)} bytes are not the upper levels of a pool of {pool_size}")
    return levels


def chunk_firsts(lines: Sequence[bytes]) -> bytes:
    """The first line of every chunk of 256, concatenated: where to look for a number."""
    return b"".join(lines[::CHUNK])


def chunk_audit_path(index: int, chunk: Sequence[bytes], upper: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) from the lines of the chunk holding leaf `index` and the stored upper
    levels: the chunk's own 8 levels recomputed (at most 511 hashes), then the upper levels'
    siblings. Refuses (ValueError) a chunk whose root is not the stored one."""
    number, offset = divmod(index, CHUNK)
    levels = _levels_above(_leaves(chunk))
    if not levels or levels[-1] != upper[0][number * HASH_SIZE : (number + 1) * HASH_SIZE]:
        raise ValueError(f"the pool's chunk {number} does not hash to its stored root")
    # A short last chunk has fewer than 8 levels of its own: above them its root is the last
    # node of every level up to 8 and is carried up, which adds no sibling.
    return audit_path(offset, levels) + audit_path(number, upper)


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

"""The draw's winners, computed fast: exactly `verify.winners`, which stays the reference anyone
can read, but ranked straight from the pool file's lines on both cores; with them, on the same
two cores, level 8 of the pool's Merkle tree (`winners_and_chunk_roots`, `lottery.merkle`).

Two things make it several times faster than ranking every number into a heap:

- each line of the pool file already is the eight ASCII digits that are ranked, so nothing is
  parsed or formatted per number;
- ranks are uniform over 256-bit values, so the `quota` smallest of `size` ranks lie below
  about (quota / size) · 2^256. Every rank below a threshold set a little above that is kept
  (about 5 % more than the quota) and only those are sorted. If fewer than `quota` fall below it
  (it would take dozens of standard deviations), the exact slow path runs instead, so the result
  never depends on luck.
"""

import hashlib
import heapq
import logging
import math
import os
import struct
from collections.abc import Callable

from lottery import merkle
from lottery import verify as algorithm

logger = logging.getLogger(__name__)

# Below this many numbers a second process costs more than it saves.
PARALLEL_RANKING_FROM = 200_000
_KEPT = struct.Struct(">32s8s")  # a rank and its line, as the helper process sends them
_LENGTH = struct.Struct(">Q")  # the length of the chunk roots the helper sends first
_TOP = 1 << 256


def _plain_sha256():
    """CPython's own SHA-256 when it is there: copying its state is a plain memory copy, where
    OpenSSL's (hashlib's) allocates a context, and the ranking copies two states per number
    (about 20 % faster in all). Same digests; tests compare with `verify.rank`."""
    for module in ("_sha256", "_sha2"):  # its name up to Python 3.11, and from 3.12
        try:
            return __import__(module).sha256
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256 = _plain_sha256()


def line_ranker(key: bytes) -> Callable[[bytes], bytes]:
    """`verify.line_ranker` on CPython's own SHA-256."""
    return algorithm.line_ranker(key, sha256=_SHA256)


def threshold(size: int, quota: int) -> bytes | None:
    """A rank below which the `quota` smallest of `size` uniform ranks almost surely lie; None
    when that is nearly everything (then every rank is kept)."""
    margin = quota // 20 + 8 * math.isqrt(quota) + 64
    if quota + margin >= size:
        return None
    return ((_TOP * (quota + margin)) // size).to_bytes(32, "big")


def _kept(key: bytes, lines: list[bytes], below: bytes | None) -> list[tuple[bytes, bytes]]:
    rank_of = line_ranker(key)
    if below is None:
        return [(rank_of(line), line) for line in lines]
    # The ranks that are not kept are not kept in memory either.
    return [(rank, line) for line in lines if (rank := rank_of(line)) < below]


def _work(
    key: bytes, lines: list[bytes], below: bytes | None, quota: int, tree: bool
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """One core's share: the ranks it keeps, and its lines' chunk roots (level 8 of the pool's
    Merkle tree, `merkle.chunk_roots`) when the tree is wanted."""
    return (
        _kept(key, lines, below) if quota > 0 else [],
        merkle.chunk_roots(lines) if tree else b"",
    )


def _helper(key: bytes, lines: list[bytes], below: bytes | None, quota: int, tree: bool):
    """Fork a process that does `_work` on `lines` and writes it to a pipe; (pid, read end)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: computes, writes, and leaves without touching anything else
        status = 1
        try:
            os.close(read_end)
            kept, roots = _work(key, lines, below, quota, tree)
            data = b"".join(_KEPT.pack(*pair) for pair in kept)
            with os.fdopen(write_end, "wb") as out:
                out.write(_LENGTH.pack(len(roots)) + roots + data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _helper_result(pid: int, read_end: int) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or len(data) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack_from(data)
    roots, kept = data[_LENGTH.size : _LENGTH.size + length], data[_LENGTH.size + length :]
    if len(roots) != length or len(kept) % _KEPT.size:
        return None
    return list(_KEPT.iter_unpack(kept)), roots


def winning_lines(
    key: bytes, lines: list[bytes], quota: int, *, parallel_from: int = PARALLEL_RANKING_FROM
) -> list[bytes]:
    """The winning lines of a pool (its file's lines, ascending), ascending: exactly
    `verify.winners`."""
    return winners_and_chunk_roots(key, lines, quota, parallel_from=parallel_from, tree=False)[0]


def winners_and_chunk_roots(
    key: bytes,
    lines: list[bytes],
    quota: int,
    *,
    parallel_from: int = PARALLEL_RANKING_FROM,
    tree: bool = True,
) -> tuple[list[bytes], bytes]:
    """The winning lines, ascending (exactly `verify.winners`), and the pool's chunk roots
    (`merkle.chunk_roots` of all its lines: level 8 of its Merkle tree). The second half of the
    pool, from a multiple of 256 so that its chunks are the tree's, is done by a forked process
    on the other core (a Celery prefork worker may not start multiprocessing children, but it
    may fork); if the helper fails, its half is done here instead. The tree costs about as
    much as the ranking (two SHA-256 per number against one HMAC), so it shares both cores."""
    if not lines or (quota <= 0 and not tree):
        return [], b""
    below = threshold(len(lines), quota) if quota > 0 else None
    if len(lines) < parallel_from or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        kept, roots = _work(key, lines, below, quota, tree)
    else:
        half = len(lines) // 2 // merkle.CHUNK * merkle.CHUNK
        pid, read_end = _helper(key, lines[half:], below, quota, tree)
        kept, roots = _work(key, lines[:half], below, quota, tree)
        theirs = _helper_result(pid, read_end)
        if theirs is None:
            logger.warning("ranking helper failed; doing its half here")
            theirs = _work(key, lines[half:], below, quota, tree)
        kept += theirs[0]
        roots += theirs[1]
    if quota <= 0:
        return [], roots
    if len(kept) < min(quota, len(lines)):
        # Fewer ranks below the threshold than winners: never in practice, exact regardless.
        logger.warning("ranking threshold kept %d of %d; ranking exactly", len(kept), quota)
        rank_of = line_ranker(key)
        kept = heapq.nsmallest(quota, ((rank_of(line), line) for line in lines))
    # Lines are fixed-width digits, so ordering them as bytes orders them as numbers.
    return sorted(line for _, line in heapq.nsmallest(quota, kept)), roots

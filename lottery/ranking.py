"""The draw's winners, computed fast: exactly `verify.winners`, which stays the reference anyone
can read, but ranked straight from the pool file's lines on both cores; and, on the other core
while the draw writes its results, level 8 of the pool's Merkle tree (`ChunkRoots`).

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
import itertools
import logging
import math
import os
import signal
from collections.abc import Callable

from lottery import merkle
from lottery import verify as algorithm

logger = logging.getLogger(__name__)

# Below this many numbers a second process costs more than it saves.
PARALLEL_RANKING_FROM = 200_000
# A kept rank and its line, one bytes object (the helper process sends them concatenated).
_RANK = 32
_RECORD = _RANK + merkle.LINE
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


def _kept(key: bytes, lines: list[bytes], below: bytes | None) -> list[bytes]:
    """The records (rank ‖ line, 40 bytes) of `lines` whose rank is below `below`. Ordering
    such records as bytes orders them by (rank, line): the verifier's (rank, number) order,
    lines being fixed-width digits, with one memory comparison instead of a tuple's."""
    rank_of = line_ranker(key)
    if below is None:
        return [rank_of(line) + line for line in lines]
    # The ranks that are not kept are not kept in memory either.
    return [rank + line for line in lines if (rank := rank_of(line)) < below]


def _helper(key: bytes, lines: list[bytes], below: bytes | None) -> tuple[int, int]:
    """Fork a process that ranks `lines` and writes what it keeps to a pipe; (pid, read end)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: computes, writes, and leaves without touching anything else
        status = 1
        try:
            os.close(read_end)
            data = b"".join(_kept(key, lines, below))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _helper_result(pid: int, read_end: int) -> list[bytes] | None:
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or len(data) % _RECORD:
        return None
    return [data[at : at + _RECORD] for at in range(0, len(data), _RECORD)]


def ranked_winners(
    key: bytes, lines: list[bytes], quota: int, *, parallel_from: int = PARALLEL_RANKING_FROM
) -> tuple[list[bytes], tuple[bytes, bytes] | None]:
    """The winning lines of a pool (its file's lines, ascending), ascending: exactly
    `verify.winners`; and the cut-off, the (rank, line) of the last winner in (rank, number)
    order (`verify.cutoff`), None when nobody wins. The second half of the pool is ranked by a
    forked process on the other core (a Celery prefork worker may not start multiprocessing
    children, but it may fork); if the helper fails, its half is ranked here instead."""
    if quota <= 0 or not lines:
        return [], None
    below = threshold(len(lines), quota)
    if len(lines) < parallel_from or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        kept = _kept(key, lines, below)
    else:
        half = len(lines) // 2
        pid, read_end = _helper(key, lines[half:], below)
        kept = _kept(key, lines[:half], below)
        theirs = _helper_result(pid, read_end)
        if theirs is None:
            logger.warning("ranking helper failed; ranking its half here")
            theirs = _kept(key, lines[half:], below)
        kept += theirs
    if len(kept) < min(quota, len(lines)):
        # Fewer ranks below the threshold than winners: never in practice, exact regardless.
        logger.warning("ranking threshold kept %d of %d; ranking exactly", len(kept), quota)
        rank_of = line_ranker(key)
        kept = heapq.nsmallest(quota, (rank_of(line) + line for line in lines))
    else:
        kept.sort()
        del kept[quota:]
    last = kept[-1]
    # Lines are fixed-width digits, so ordering them as bytes orders them as numbers.
    return sorted(record[_RANK:] for record in kept), (last[:_RANK], last[_RANK:])


def winning_lines(
    key: bytes, lines: list[bytes], quota: int, *, parallel_from: int = PARALLEL_RANKING_FROM
) -> list[bytes]:
    """The winning lines of `ranked_winners`, without the cut-off."""
    return ranked_winners(key, lines, quota, parallel_from=parallel_from)[0]


class ChunkRoots:
    """`merkle.chunk_roots(lines)` computed by forked processes, one per core, while the caller
    does its database work (the draw's transaction, which is PostgreSQL's work on one core while
    this process mostly waits): `result()` waits for them, `abandon()` ends them if the caller
    gives up first. Each takes a run of whole chunks (their roots concatenate to the pool's
    level 8), so that whatever is left when the caller needs the roots is done on both cores,
    not one. A failed helper's roots are computed here instead; small pools are computed at
    once."""

    def __init__(self, lines: list[bytes], *, background_from: int = PARALLEL_RANKING_FROM):
        self._lines, self._roots = lines, None
        self._helpers: list[tuple[int, int, int, int]] = []  # (pid, read end, start, stop)
        cores = os.cpu_count() or 1
        if len(lines) < background_from or cores < 2 or not hasattr(os, "fork"):
            self._roots = merkle.chunk_roots(lines)
            return
        chunks = -(-len(lines) // merkle.CHUNK)
        bounds = [min(len(lines), chunks * i // 2 * merkle.CHUNK) for i in range(3)]
        for start, stop in itertools.pairwise(bounds):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # a helper: computes, writes, and leaves without touching anything else
                status = 1
                try:
                    os.close(read_end)
                    for _, other_read_end, _, _ in self._helpers:
                        os.close(other_read_end)
                    roots = merkle.chunk_roots(lines[start:stop])
                    with os.fdopen(write_end, "wb") as out:
                        out.write(roots)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            self._helpers.append((pid, read_end, start, stop))

    def result(self) -> bytes:
        if self._roots is None:
            parts = []
            for pid, read_end, start, stop in self._helpers:
                with os.fdopen(read_end, "rb") as pipe:
                    data = pipe.read()
                _, status = os.waitpid(pid, 0)
                expected = -(-(stop - start) // merkle.CHUNK) * merkle.HASH_SIZE
                if os.waitstatus_to_exitcode(status) != 0 or len(data) != expected:
                    logger.warning("tree helper failed; building its chunk roots here")
                    data = merkle.chunk_roots(self._lines[start:stop])
                parts.append(data)
            self._helpers = []
            self._roots = b"".join(parts)
        return self._roots

    def abandon(self) -> None:
        for pid, read_end, _, _ in self._helpers:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
        self._helpers = []

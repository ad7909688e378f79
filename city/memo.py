"""A few seconds' memory, in this process, of reference data every page reads.

"My reservation" shows, besides the resident's own rows, things that are the same for every
resident and change a few times a campaign: the campaign's settings, a district's reservation
windows, where a town's packs go, the draws whose pools have closed. Read from the database
(or Redis) on every visit they cost more than the resident's own rows, so each process keeps
what it read for at most LOCAL_CACHE_SECONDS (a few seconds: the one place a change made by an
official shows that much later). Only for what a page displays: rules, and every POST, read
the database. The resident's own rows (a reservation, a win, an order) are never kept here.
0 (tests) reads everything afresh.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")

_memory: dict[Hashable, tuple[float, object]] = {}
_lock = threading.Lock()
MAX_ENTRIES = 4096  # districts, towns and a few singletons: far fewer in practice


def remembered(
    key: Hashable, compute: Callable[[], T], *, expires: Callable[[T], float] | None = None
) -> T:
    """`compute()`, or what it gave in this process less than LOCAL_CACHE_SECONDS ago (or
    `expires(value)` seconds, if shorter: a value that goes out of date at a known moment)."""
    limit = float(settings.LOCAL_CACHE_SECONDS)
    if limit <= 0:
        return compute()
    now = time.monotonic()
    found = _memory.get(key)
    if found is not None and found[0] > now:
        return found[1]  # type: ignore[return-value]
    value = compute()
    if expires is not None:
        limit = min(limit, expires(value))
        if limit <= 0:
            return value
    with _lock:
        if len(_memory) >= MAX_ENTRIES:
            _memory.clear()
        _memory[key] = (now + limit, value)
    return value


def forget() -> None:
    """Drop this process's memory (tests)."""
    with _lock:
        _memory.clear()

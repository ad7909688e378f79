"""A rate shared by every process, counted in Redis: SMS sends (all workers together) and the
site's burst protection both use it."""

import threading
import time

from notifications.redis_client import script

WINDOW = 0.1  # seconds; small windows keep the send rate smooth within each second

# Take `chunk` permits from a window's counter in one round trip; the window's key expires soon
# after the window.
_TAKE = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return count
"""


class RateLimiter:
    """At most `per_second` permits per second across every process sharing `key`.

    Fixed windows: a process takes a few permits at a time from the window's counter, spends
    them locally, and when the window's share is gone waits (`acquire`) or is refused
    (`try_acquire`). Permits are only good in the window they were taken in and are only ever
    granted out of its share, so the rate holds however many processes run (a process may
    leave a few unused). Thread-safe.
    """

    def __init__(
        self,
        *,
        per_second: int,
        key: str = "sms:rate",
        chunk: int = 10,
        window_seconds: float = WINDOW,
    ) -> None:
        self.window_seconds = window_seconds
        self.per_window = max(1, int(per_second * window_seconds))
        self.chunk = max(1, min(chunk, self.per_window))
        self.key = key
        self.window = -1  # the window the permits in hand belong to
        self.permits = 0
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        window = int(time.time() / self.window_seconds)
        with self._lock:
            if window == self.window and self.permits > 0:
                self.permits -= 1
                return True
        expire = max(2, int(self.window_seconds * 2) + 1)
        count = script(_TAKE)(keys=[f"{self.key}:{window}"], args=[self.chunk, expire])
        granted = min(self.chunk, self.per_window - (count - self.chunk))
        if granted <= 0:
            return False
        with self._lock:
            self.window, self.permits = window, granted - 1
        return True

    def acquire(self) -> None:
        while not self.try_acquire():
            next_window = (int(time.time() / self.window_seconds) + 1) * self.window_seconds
            time.sleep(max(0.0, next_window - time.time()))


_shared: dict[tuple[str, int], RateLimiter] = {}
_shared_lock = threading.Lock()


def per_second_allowed(key: str, per_second: int) -> bool:
    """One request's permit from the process's limiter for `key` at `per_second` (the rate is
    for every process together). Permits come from Redis a few at a time, so the busiest
    requests do not each pay a round trip; a changed rate gets a limiter of its own."""
    with _shared_lock:
        limiter = _shared.get((key, per_second))
        if limiter is None:
            limiter = RateLimiter(
                per_second=per_second,
                key=key,
                chunk=max(1, min(10, per_second // 100)),
                window_seconds=1.0,
            )
            _shared[(key, per_second)] = limiter
    return limiter.try_acquire()

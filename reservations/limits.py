"""Counters in Redis for limits that must hold across every web process at once."""

import threading
import time
from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


# One round trip, atomic: count, start the window on the first event, report what is left.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count <= tonumber(ARGV[2]) then return {count, 0} end
return {count, redis.call('TTL', KEYS[1])}
"""


@lru_cache(maxsize=4)
def _hit_script(url: str):
    return _client(url).register_script(_HIT)


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event in a fixed window; None when allowed, else seconds until it resets.

    The count is atomic in Redis, so concurrent requests cannot all slip under the limit.
    """
    count, ttl = _hit_script(settings.REDIS_URL)(keys=[key], args=[window, limit])
    if count <= limit:
        return None
    return max(1, int(ttl))


def peek(key: str) -> int:
    value = redis_client().get(key)
    return int(value) if value else 0


def clear(key: str) -> None:
    redis_client().delete(key)


def client_ip(request) -> str:
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


# The site-wide burst counter: per second, permits taken from Redis a few at a time, so that the
# busiest requests do not each pay a round trip. Permits are only ever granted out of the
# second's limit, so the site as a whole never admits more than the limit (a process may leave a
# few unused).
_INCR_BY = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 2) end
return count
"""


@lru_cache(maxsize=4)
def _incr_by_script(url: str):
    return _client(url).register_script(_INCR_BY)


class BurstCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._permits: dict[str, tuple[int, int]] = {}  # scope -> (second, permits left)

    def allow(self, scope: str, per_second: int) -> bool:
        second = int(time.time())
        with self._lock:
            held_second, left = self._permits.get(scope, (-1, 0))
            if held_second == second and left > 0:
                self._permits[scope] = (second, left - 1)
                return True
        chunk = max(1, min(10, per_second // 100))
        script = _incr_by_script(settings.REDIS_URL)
        count = script(keys=[f"burst:{scope}:{second}"], args=[chunk])
        granted = min(chunk, per_second - (count - chunk))
        if granted <= 0:
            return False
        with self._lock:
            self._permits[scope] = (second, granted - 1)
        return True


burst_counter = BurstCounter()

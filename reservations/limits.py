"""Counters in Redis for limits that must hold across every web process at once."""

from functools import lru_cache

import redis
from django.conf import settings

from notifications.ratelimit import per_second_allowed
from notifications.redis_client import redis_client as _shared_client


def redis_client() -> redis.Redis:
    """REDIS_URL's client, with the project's timeouts (notifications/redis_client.py)."""
    return _shared_client()


# One round trip, atomic: count, start the window on the first event, report what is left.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count <= tonumber(ARGV[2]) then return {count, 0} end
return {count, redis.call('TTL', KEYS[1])}
"""


@lru_cache(maxsize=4)
def _hit_script(client: redis.Redis):
    return client.register_script(_HIT)


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event in a fixed window; None when allowed, else seconds until it resets.

    The count is atomic in Redis, so concurrent requests cannot all slip under the limit.
    """
    count, ttl = _hit_script(redis_client())(keys=[key], args=[window, limit])
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


def burst_allowed(scope: str, per_second: int) -> bool:
    """The site-wide burst protection: at most `per_second` POSTs of `scope` a second, all
    processes together."""
    return per_second_allowed(f"burst:{scope}", per_second)

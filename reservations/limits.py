"""Counters in Redis for limits that must hold across every web process at once."""

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event in a fixed window; None when allowed, else seconds until it resets.

    INCR is atomic, so concurrent requests cannot all slip under the limit.
    """
    pipe = redis_client().pipeline()
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    pipe.ttl(key)
    count, _, ttl = pipe.execute()
    if count <= limit:
        return None
    return max(1, ttl)


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

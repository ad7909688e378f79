"""The one place Redis clients are made, so every one has timeouts (docs/architecture.md,
"Outages").

redis-py's own defaults wait 5 s to connect and 5 s for each answer and retry ten times, so a
frozen Redis would hold a web request for most of a minute. Here a client waits at most
REDIS_CONNECT_TIMEOUT to connect and REDIS_SOCKET_TIMEOUT for an answer, and retries once, at
once, only when a pooled connection turned out to be closed (Redis restarted): never after a
timeout, which would double the wait. The error then reaches the view, and the site answers 503
(config/outage.py).

Lives in notifications, below the apps that use it: config, reservations and lottery import it,
not the reverse.
"""

from functools import lru_cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

# What a caller may treat as "Redis is unreachable" rather than as a bug.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)


def redis_client(*, url: str | None = None, decode_responses: bool = False) -> redis.Redis:
    """A client for `url` (REDIS_URL by default) with the project's timeouts.

    Clients (and their connection pools) are shared per URL and timeouts, so asking often
    costs nothing and a changed setting gets a client of its own.
    """
    return _client(
        url or settings.REDIS_URL,
        decode_responses,
        float(settings.REDIS_CONNECT_TIMEOUT),
        float(settings.REDIS_SOCKET_TIMEOUT),
    )


def script(source: str) -> Script:
    """The Lua `source` registered on REDIS_URL's client: its SHA is worked out once, and each
    call runs it by EVALSHA (loading it again if Redis restarted)."""
    return _script(redis_client(), source)


@lru_cache(maxsize=32)
def _script(client: redis.Redis, source: str) -> Script:
    return client.register_script(source)


@lru_cache(maxsize=16)
def _client(
    url: str, decode_responses: bool, connect_timeout: float, socket_timeout: float
) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=decode_responses,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )

"""Counters in Redis for limits that must hold across every web process at once."""

import ipaddress

import redis
from django.conf import settings

from notifications.ratelimit import per_second_allowed
from notifications.redis_client import redis_client as _shared_client
from notifications.redis_client import script


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


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event in a fixed window; None when allowed, else seconds until it resets.

    The count is atomic in Redis, so concurrent requests cannot all slip under the limit.
    """
    count, ttl = script(_HIT)(keys=[key], args=[window, limit])
    if count <= limit:
        return None
    return max(1, int(ttl))


# One round trip, atomic across every key: refuse (and count nothing) if any counter is at its
# limit, else count one in each, starting each window on its first event. Several processes
# checking the same counters at once therefore cannot all slip under a limit.
_TAKE = """
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 0 then
      redis.call('EXPIRE', key, ARGV[2 * i])
      ttl = tonumber(ARGV[2 * i])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
end
return 0
"""

# Undo one counted event (it turned out not to be a failure), never below zero.
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 0 then redis.call('DECR', key) end
end
return 0
"""


def take(counters: list[tuple[str, int, int]]) -> int | None:
    """Count one attempt against every (key, limit, window) at once, before the attempt is
    made; None when every counter was under its limit (each now counts one more), else the
    seconds until the longest blocking window ends (nothing was counted). A limit of 0 turns
    its counter off, as for the other limits.

    Counting before checking is what bounds concurrent attempts: the limit is on attempts let
    through, not on failures noticed afterwards. `give_back` undoes one for a success.
    """
    counters = [counter for counter in counters if counter[1] > 0]  # a limit of 0 is off
    if not counters:
        return None
    keys = [key for key, _, _ in counters]
    args = [value for _, limit, window in counters for value in (limit, window)]
    wait = int(script(_TAKE)(keys=keys, args=args))
    return wait or None


def give_back(keys: list[str]) -> None:
    """Return one event counted by `take` to each counter (it was a success, not a failure)."""
    if keys:
        script(_GIVE_BACK)(keys=keys, args=[])


def mark(key: str, *, seconds: int) -> None:
    """Remember `key` for `seconds` (a flag, such as a spent device cookie)."""
    redis_client().set(key, 1, ex=max(1, seconds))


def marked(key: str) -> bool:
    return bool(redis_client().exists(key))


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


def source_of(ip: str) -> str:
    """The unit per-source limits count: an IPv4 address, or an IPv6 address's /64 (one
    subscriber commonly holds a whole /64, so counting single IPv6 addresses limits nothing)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_source(request) -> str:
    """What per-source limits count for this request: its client address, as `source_of`."""
    return source_of(client_ip(request))


def burst_allowed(scope: str, per_second: int) -> bool:
    """The site-wide burst protection: at most `per_second` POSTs of `scope` a second, all
    processes together."""
    return per_second_allowed(f"burst:{scope}", per_second)

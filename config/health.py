"""`/healthz`: is the site able to reach its database and Redis? For load balancers and people."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.outage import RETRY_AFTER_SECONDS
from notifications.redis_client import UNAVAILABLE, redis_client


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _redis_ok() -> bool:
    # The shared client: the URL is read when asked, and its timeouts make a dead Redis answer
    # within the load balancer's patience rather than hang.
    try:
        return bool(redis_client().ping())
    except UNAVAILABLE:
        return False


@never_cache
@require_GET
def healthz(request):
    status = {
        "database": "ok" if _database_ok() else "error",
        "redis": "ok" if _redis_ok() else "error",
    }
    healthy = all(value == "ok" for value in status.values())
    response = JsonResponse(status, status=200 if healthy else 503)
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

"""Staff password sign-in with a lockout after repeated failures."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from reservations import limits


def _key(username: str) -> str:
    return f"staff-login-failures:{username.strip().lower()}"


def staff_locked_for(username: str) -> int:
    """Seconds the account stays locked, or 0."""
    if limits.peek(_key(username)) < settings.STAFF_LOGIN_MAX_FAILURES:
        return 0
    return max(1, limits.redis_client().ttl(_key(username)))


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses an account after STAFF_LOGIN_MAX_FAILURES wrong passwords
    within the lockout time, even with the right password, until the time has passed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        if staff_locked_for(username):
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            limits.hit(
                _key(username),
                limit=settings.STAFF_LOGIN_MAX_FAILURES,
                window=settings.STAFF_LOGIN_LOCKOUT_SECONDS,
            )
        else:
            limits.clear(_key(username))
        return user

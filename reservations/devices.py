"""Device cookies: a browser that has signed in to an account before is its owner's.

OWASP's "slow down online guessing attacks with device cookies": each successful sign-in (a
staff password, a resident's SMS code) gives the browser a signed cookie binding it to that
account, with a fresh nonce. A sign-in attempt presenting a valid, unspent cookie for the
account it names is counted only against that cookie, so an attacker flooding the account from
elsewhere slows only themselves and the owner on their own browser still gets in.

The cookie carries no personal data (the account is a keyed hash), is HttpOnly, SameSite=Strict
and Secure wherever the session cookie is, and is rotated on each use: the nonce it presented is
marked spent in Redis, so a copied cookie stops working once the owner signs in again.
"""

import logging
import secrets
import time

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from notifications.redis_client import UNAVAILABLE
from reservations import limits

logger = logging.getLogger(__name__)

COOKIE_NAME = "puhui_device"
_SALT = "reservations.devices"
# A shared family computer may be trusted for a few accounts; the oldest is forgotten first.
_MAX_ACCOUNTS = 5


def staff_account(username: str) -> str:
    return f"staff:{username.strip().lower()}"


def resident_account(phone: str) -> str:
    return f"phone:{phone}"


def _tag(account: str) -> str:
    return salted_hmac(f"{_SALT}.account", account).hexdigest()[:24]


def _max_age() -> int:
    return settings.SIGN_IN_DEVICE_COOKIE_DAYS * 24 * 3600


def _spent_key(nonce: str) -> str:
    return f"device-spent:{nonce}"


def _entries(request) -> list[tuple[str, str, int]]:
    """(account tag, nonce, issued at) of each account this browser's cookie vouches for."""
    raw = request.COOKIES.get(COOKIE_NAME) if request is not None else None
    if not raw:
        return []
    try:
        data = signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        return []
    entries = []
    if isinstance(data, list):
        for entry in data:
            if (
                isinstance(entry, list)
                and len(entry) == 3
                and isinstance(entry[0], str)
                and isinstance(entry[1], str)
                and isinstance(entry[2], int)
            ):
                entries.append((entry[0], entry[1], entry[2]))
    return entries


def trusted_nonce(request, *, account: str) -> str | None:
    """The nonce of this browser's valid, unexpired, unspent device cookie for `account`;
    None for any other browser."""
    tag, now = _tag(account), int(time.time())
    for entry_tag, nonce, issued in _entries(request):
        if entry_tag == tag and 0 <= now - issued < _max_age():
            if not limits.marked(_spent_key(nonce)):
                return nonce
    return None


def remember(request, *, account: str) -> None:
    """After a successful sign-in: `DeviceCookieMiddleware` gives this browser a fresh cookie
    for `account` once the person is actually signed in."""
    request.device_account = account


def _issue(request, response, account: str) -> None:
    tag, now, max_age = _tag(account), int(time.time()), _max_age()
    kept = []
    for entry_tag, nonce, issued in _entries(request):
        age = now - issued
        if entry_tag == tag:
            # Rotate: the cookie just used is spent for the rest of its life.
            if 0 <= age < max_age:
                limits.mark(_spent_key(nonce), seconds=max_age - age)
        elif 0 <= age < max_age:
            kept.append([entry_tag, nonce, issued])
    kept = [*kept[-(_MAX_ACCOUNTS - 1) :], [tag, secrets.token_urlsafe(16), now]]
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(kept, salt=_SALT, compress=True),
        max_age=max_age,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )


class DeviceCookieMiddleware:
    """Writes the device cookie `remember` asked for, once the sign-in really happened (a right
    password for an account the admin then refuses, say, gets no cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        account = getattr(request, "device_account", None)
        if account and request.user.is_authenticated:
            try:
                _issue(request, response, account)
            except UNAVAILABLE:
                # The sign-in is done (code used, session saved): a Redis failure now must not
                # turn it into an error. The browser just stays untrusted until next time.
                logger.warning("device cookie not issued: Redis unavailable", exc_info=True)
        return response

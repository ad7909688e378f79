"""Staff password sign-in, throttled so that guessing is slow and the owner is never locked out.

Every attempt is counted before its password is checked (atomically in Redis, so concurrent
attempts cannot slip past a limit), against:

- the account and the source address together (STAFF_LOGIN_MAX_FAILURES),
- the source address across every account name (STAFF_LOGIN_FAILURES_PER_IP: spraying),
- the account from every untrusted source (STAFF_LOGIN_FAILURES_PER_ACCOUNT: many addresses),

all within STAFF_LOGIN_LOCKOUT_SECONDS. A browser presenting a valid device cookie for the
account (`reservations.devices`) is counted only against that cookie, with
STAFF_LOGIN_MAX_FAILURES, and no limit on untrusted sources holds it back. Counters are per
typed name, existing or not, so what a refusal says reveals nothing about accounts.
"""

from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections

from reservations import devices, limits


def staff_sign_in_counters(
    *, account: str, ip: str, device: str | None
) -> list[tuple[str, int, int]]:
    """The (key, limit, window) an attempt on `account` from `ip` is counted against; the
    first is the one a success clears."""
    window = settings.STAFF_LOGIN_LOCKOUT_SECONDS
    if device:
        return [(f"staff-login:device:{device}", settings.STAFF_LOGIN_MAX_FAILURES, window)]
    return [
        (f"staff-login:account-ip:{account}:{ip}", settings.STAFF_LOGIN_MAX_FAILURES, window),
        (f"staff-login:ip:{ip}", settings.STAFF_LOGIN_FAILURES_PER_IP, window),
        (f"staff-login:account:{account}", settings.STAFF_LOGIN_FAILURES_PER_ACCOUNT, window),
    ]


class LockoutModelBackend(ModelBackend):
    """ModelBackend behind the throttles above. Over a limit the password is not even checked
    and `request.sign_in_wait` says for how many seconds (the sign-in form tells the person).

    The name is kept from the days of the per-account lockout: sessions record it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        account = devices.staff_account(username)
        ip = limits.client_source(request) if request is not None else ""
        device = devices.trusted_nonce(request, account=account)
        counters = staff_sign_in_counters(account=account, ip=ip, device=device)
        wait = limits.take(counters)
        if wait:
            if request is not None:
                request.sign_in_wait = wait
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None  # the attempt stays counted: it was a failure
        keys = [key for key, _, _ in counters]
        limits.clear(keys[0])  # the right password clears this source's failures
        limits.give_back(keys[1:])  # and is no failure for the wider counters
        if request is not None:
            devices.remember(request, account=account)
        return user

    def get_user(self, user_id):
        """The signed-in user, loaded on every signed-in request: the same row and the same
        answer as ModelBackend.get_user (None for a missing or inactive account), by a SELECT
        the ORM compiles once per process instead of once per request. Compiling it cost
        0.3 ms of CPU, three times the query's own round trip (docs/performance.md)."""
        model = get_user_model()
        alias, sql, names = _user_by_pk_query(model)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, names, row)
        return user if self.user_can_authenticate(user) else None


@cache
def _user_by_pk_query(model) -> tuple[str, str, list[str]]:
    """(database alias, SQL with one parameter for the primary key, the columns' attnames in
    the SELECT's order) of `model._default_manager.get(pk=…)`, as the ORM writes it."""
    manager = model._default_manager
    query = manager.filter(pk=0).query
    compiler = query.get_compiler(using=manager.db)
    sql, params = compiler.as_sql()
    columns = [column for column, _sql, _alias in compiler.select]
    if list(params) != [0] or compiler.get_converters(columns):
        # from_db() below takes the values as the driver returns them: no field may need one.
        raise RuntimeError("the user query is no longer one plain SELECT by primary key")
    names = [column.target.attname for column in columns]
    return manager.db, sql, names

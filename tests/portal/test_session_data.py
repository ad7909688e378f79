"""Sessions hold only what they need: the phone waits for its code, and not a moment longer."""

import datetime
import json

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from reservations.tasks import clear_expired_sessions
from tests.reservations.test_sign_in import latest_code, request_code

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def stored_sessions() -> list[str]:
    """Every session row as the database holds it, decoded to text."""
    return [json.dumps(SessionStore().decode(row.session_data)) for row in Session.objects.all()]


def test_it_keeps_no_phone_digits_in_the_session_after_sign_in(client):
    request_code(client)
    assert any(PHONE in data for data in stored_sessions())  # needed to check the code
    response = client.post(reverse("sign_in_code"), {"code": latest_code()})
    assert response["Location"] == reverse("me")
    assert client.get(reverse("me")).status_code == 200  # still signed in
    rows = stored_sessions()
    assert rows
    for data in rows:
        assert PHONE not in data and PHONE[-8:] not in data and PHONE[3:7] + PHONE[7:] not in data


def test_it_forgets_the_pending_phone_when_the_code_expires(client):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        request_code(client)
    row = Session.objects.get()
    # An anonymous session waiting for a code lives as long as the code: its row, and its copy
    # in Redis (SESSION_ENGINE cached_db), which Redis drops when its time is up.
    assert row.expire_date <= sent + datetime.timedelta(minutes=10, seconds=1)
    cache = caches[settings.SESSION_CACHE_ALIAS]
    copy = cache.make_and_validate_key(CachedStore(session_key=row.session_key).cache_key)
    assert 0 < cache._cache.get_client().ttl(copy) <= 10 * 60 + 1
    # The clock is moved, not Redis's: drop the copy as Redis would ten minutes from now.
    cache._cache.get_client().delete(copy)

    with time_machine.travel(sent + datetime.timedelta(minutes=10, seconds=1), tick=False):
        response = client.get(reverse("sign_in_code"))
        assert response["Location"] == reverse("sign_in")
        clear_expired_sessions()
    assert not Session.objects.exists()


def test_a_signed_in_session_keeps_its_lifetime_but_drops_an_expired_pending_phone(
    client, official
):
    client.force_login(official)
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        before = client.session.get_expiry_age()
        request_code(client)
        assert client.session.get_expiry_age() == before  # not cut to the code's ten minutes
    with time_machine.travel(sent + datetime.timedelta(minutes=10, seconds=1), tick=False):
        assert client.get(reverse("sign_in_code"))["Location"] == reverse("sign_in")
    (data,) = stored_sessions()
    assert PHONE not in data

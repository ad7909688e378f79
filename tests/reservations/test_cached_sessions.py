"""Sessions are read from Redis and written through to PostgreSQL (SESSION_ENGINE cached_db):
a signed-in request costs no session query, signing out ends the session in both places, and a
Redis that lost its keys signs nobody out."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _session_cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def _cache_key(session_key: str) -> str:
    from importlib import import_module

    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).cache_key


def test_a_signed_in_request_reads_its_session_without_a_query(client, fuzhou, resident):
    client.force_login(resident)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"]]
    assert client.get(reverse("me")).status_code == 200


def test_the_session_is_kept_in_the_database_too(client, resident):
    client.force_login(resident)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    assert _session_cache().get(_cache_key(key)) is not None


def test_signing_out_ends_the_session_in_redis_and_in_the_database(client, fuzhou, resident):
    client.force_login(resident)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    assert _session_cache().get(_cache_key(key)) is None
    # The old cookie, sent again, signs nobody in.
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get(reverse("me"))
    assert response.status_code == 302 and reverse("sign_in") in response["Location"]


def test_a_session_redis_lost_is_read_back_from_the_database(client, fuzhou, resident):
    client.force_login(resident)
    _session_cache().clear()
    assert client.get(reverse("me")).status_code == 200


def test_a_session_deleted_from_the_database_by_expiry_is_gone_from_redis_when_it_expires(
    client, resident
):
    client.force_login(resident)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # cached_db keeps the Redis copy no longer than the session itself.
    ttl = (
        _session_cache()
        ._cache.get_client()
        .ttl(_session_cache().make_and_validate_key(_cache_key(key)))
    )
    session = Session.objects.get(session_key=key)
    from django.utils import timezone

    assert 0 < ttl <= (session.expire_date - timezone.now()).total_seconds() + 1

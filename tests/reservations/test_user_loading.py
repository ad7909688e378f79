"""The signed-in user is loaded on every signed-in request by one SELECT the ORM compiled once
(reservations.auth.LockoutModelBackend.get_user): the same user, field for field, as the ORM's
own get(), and the same refusals (a missing or deactivated account signs nobody in)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reservations.auth import LockoutModelBackend, _user_by_pk_query
from reservations.models import User

pytestmark = pytest.mark.django_db


def test_the_loaded_user_has_every_field_the_orm_gives(resident):
    loaded = LockoutModelBackend().get_user(resident.pk)
    orm = User.objects.get(pk=resident.pk)
    fields = [field.attname for field in User._meta.concrete_fields]
    assert _user_by_pk_query(User)[2] == fields
    assert {name: getattr(loaded, name) for name in fields} == {
        name: getattr(orm, name) for name in fields
    }
    assert loaded._state.db == "default" and not loaded._state.adding


def test_a_deactivated_or_missing_account_is_not_loaded(resident):
    backend = LockoutModelBackend()
    User.objects.filter(pk=resident.pk).update(is_active=False)
    assert backend.get_user(resident.pk) is None
    assert backend.get_user(resident.pk + 1_000_000) is None


def test_a_signed_in_page_loads_its_user_with_one_query(client, fuzhou, resident):
    client.force_login(resident)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("me")).status_code == 200
    user_queries = [q for q in queries if 'FROM "reservations_user"' in q["sql"]]
    assert len(user_queries) == 1


def test_a_session_of_a_deactivated_account_signs_nobody_in(client, fuzhou, resident):
    client.force_login(resident)
    User.objects.filter(pk=resident.pk).update(is_active=False)
    response = client.get(reverse("me"))
    assert response.status_code == 302 and reverse("sign_in") in response["Location"]
    assert settings.AUTHENTICATION_BACKENDS == ["reservations.auth.LockoutModelBackend"]

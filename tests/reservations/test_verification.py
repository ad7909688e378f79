import socket

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from reservations.models import Resident, User
from tests.fakes.identity_provider import FakeIdentityProvider
from tests.reservations.conftest import at, resident_id

pytestmark = pytest.mark.django_db

NUMBER = resident_id("35010219900307123")


@pytest.fixture
def signed_in(client, db):
    user = User.objects.create_user(username="13800000001", phone="13800000001")
    Resident.objects.create(user=user)
    client.force_login(user)
    return user


def verify(client, number: str = NUMBER, **extra):
    data = {
        "name": "林小梅",
        "document_type": "resident_id",
        "document_number": number,
        "method": "face",
        **extra,
    }
    return client.post(reverse("verify"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_well_formed_document_with_face_recognition_reaches_l2(client, signed_in):
    response = verify(client, f"  {NUMBER.lower()}  ")
    assert response.status_code == 302
    resident = signed_in.resident
    resident.refresh_from_db()
    assert (resident.level, resident.method, resident.name) == ("L2", "face", "林小梅")
    assert resident.verified_at is not None
    assert resident.document_masked == NUMBER[:3] + "*" * 11 + NUMBER[-4:]
    assert NUMBER not in resident.document_hash


def test_a_malformed_document_is_refused_and_not_echoed(client, signed_in):
    bad = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    response = verify(client, bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "errorlist" in body
    assert bad not in body
    signed_in.resident.refresh_from_db()
    assert signed_in.resident.level == ""


def test_one_account_per_document(client, signed_in):
    assert verify(client).status_code == 302
    other = User.objects.create_user(username="13800000002", phone="13800000002")
    Resident.objects.create(user=other)
    client.force_login(other)
    response = verify(client)
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    other.resident.refresh_from_db()
    assert other.resident.level == ""


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        ("foreign_permanent", "USA123456789012"),
        ("hmt", "H12345678"),
        ("passport", "E12345678"),
    ],
)
def test_other_documents_are_accepted_in_their_own_format(client, signed_in, document_type, number):
    assert verify(client, number, document_type=document_type).status_code == 302


@pytest.fixture
def provider(settings):
    with FakeIdentityProvider() as running:
        settings.IDENTITY_BACKEND = "http"
        settings.IDENTITY_PROVIDER_URL = running.url
        settings.IDENTITY_PROVIDER_TIMEOUT = 2
        yield running


def test_the_http_provider_is_asked_and_its_level_stored(client, signed_in, provider):
    provider.answer = {"verified": True, "level": "L3"}
    assert verify(client, method="bank_card").status_code == 302
    assert provider.received == [
        {
            "name": "林小梅",
            "document_type": "resident_id",
            "document_number": NUMBER,
            "method": "bank_card",
        }
    ]
    signed_in.resident.refresh_from_db()
    assert (signed_in.resident.level, signed_in.resident.method) == ("L3", "bank_card")


def test_a_provider_that_says_no_is_a_clear_refusal(client, signed_in, provider):
    provider.answer = {"verified": False, "level": "L1"}
    response = verify(client)
    assert response.status_code == 400
    assert "could not confirm" in response.content.decode()


def test_l1_is_stored_but_does_not_allow_reserving(client, signed_in, provider):
    provider.answer = {"verified": True, "level": "L1"}
    verify(client)
    signed_in.resident.refresh_from_db()
    assert signed_in.resident.level == "L1" and not signed_in.resident.is_verified


@pytest.mark.parametrize("answer", [(500, {"error": "x"}), (200, "not json"), (200, {"x": 1})])
def test_a_provider_in_trouble_gives_a_clear_message_and_saves_nothing(
    client, signed_in, provider, answer
):
    provider.status, provider.answer = answer
    response = verify(client)
    assert response.status_code == 503
    assert "not answering" in response.content.decode()
    signed_in.resident.refresh_from_db()
    assert signed_in.resident.level == ""


def test_a_provider_that_is_down_gives_a_clear_message(client, signed_in, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.IDENTITY_BACKEND = "http"
    settings.IDENTITY_PROVIDER_URL = f"http://127.0.0.1:{port}/verify"
    response = verify(client)
    assert response.status_code == 503
    assert NUMBER not in response.content.decode()


def test_no_clear_document_number_is_stored_anywhere(client, signed_in, committee_staff, campaign):
    verify(client)
    committee_number = resident_id("35010219400101001")
    client.force_login(committee_staff)
    with time_machine.travel(at(2020, 2, 18, 9, 0), tick=False):
        client.post(
            reverse("admin:reservations_resident_add"),
            {
                "name": "陈阿婆",
                "category": "elderly_alone",
                "document_type": "resident_id",
                "document_number": committee_number,
            },
        )
    assert Resident.objects.filter(category="elderly_alone").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            for number in (NUMBER, committee_number):
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s', [f"%{number}%"]
                )
                assert cursor.fetchone()[0] == 0, f"{table} holds a document number"


def test_a_verified_account_cannot_swap_its_document(client, signed_in):
    assert verify(client).status_code == 302
    response = verify(client, resident_id("35010219800101111"))
    assert response.status_code == 400
    assert "already verified with another document" in response.content.decode()
    signed_in.resident.refresh_from_db()
    assert signed_in.resident.document_masked.endswith(NUMBER[-4:])


def test_the_same_number_under_another_document_type_is_the_same_document(client, signed_in):
    assert verify(client, "H12345678", document_type="hmt").status_code == 302
    other = User.objects.create_user(username="13800000002", phone="13800000002")
    Resident.objects.create(user=other)
    client.force_login(other)
    response = verify(client, "H12345678", document_type="passport")
    assert response.status_code == 400
    assert "already registered" in response.content.decode()

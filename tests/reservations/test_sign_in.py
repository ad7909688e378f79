import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from city.errors import Refused
from notifications.models import Kind, OutboxMessage
from notifications.sealing import unseal
from reservations.models import Resident, SignInCode, User
from reservations.services import sign_in_code_check, sign_in_code_send
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def latest_code() -> str:
    """The code as the gateway would get it: the outbox holds it sealed."""
    message = OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE).latest("id")
    return re.search(r"\d{6}", unseal(message.text)).group()


def request_code(client, phone: str = "+86 138-0013-8000", **extra):
    return client.post(reverse("sign_in"), {"phone": phone}, **extra)


def test_a_code_is_sent_through_the_outbox_and_stored_only_as_a_hash(client, db):
    response = request_code(client)
    assert response.status_code == 302 and response["Location"] == reverse("sign_in_code")
    message = OutboxMessage.objects.get()
    assert message.recipient == "+8613800138000"
    code = latest_code()
    row = SignInCode.objects.get()
    assert row.phone == PHONE
    assert code not in row.code_hash


def test_the_right_code_signs_in_and_creates_one_account_per_phone(client, db):
    request_code(client)
    response = client.post(reverse("sign_in_code"), {"code": latest_code()})
    assert response.status_code == 302 and response["Location"] == reverse("me")
    user = User.objects.get(phone=PHONE)
    assert not user.has_usable_password()
    assert Resident.objects.filter(user=user).exists()
    assert 29 * 86400 < client.session.get_expiry_age() <= 30 * 86400
    assert client.get(reverse("me")).status_code == 200

    client.post(reverse("sign_out"))
    request_code(client, "138 0013 8000")
    client.post(reverse("sign_in_code"), {"code": latest_code()})
    assert User.objects.filter(phone=PHONE).count() == 1


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "abc", ""])
def test_a_number_that_is_not_a_mainland_mobile_is_refused(client, db, phone):
    response = request_code(client, phone, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_a_code_works_once(db):
    sign_in_code_send(phone=PHONE, ip="1.2.3.4", language="zh-hans", now=timezone.now())
    code = latest_code()
    assert sign_in_code_check(phone=PHONE, code=code, now=timezone.now())
    with pytest.raises(Refused):
        sign_in_code_check(phone=PHONE, code=code, now=timezone.now())


def test_a_code_expires_after_ten_minutes(db):
    sent = timezone.now()
    sign_in_code_send(phone=PHONE, ip="1.2.3.4", language="zh-hans", now=sent)
    code = latest_code()
    with pytest.raises(Refused) as refused:
        sign_in_code_check(phone=PHONE, code=code, now=sent + datetime.timedelta(minutes=10))
    assert refused.value.code == "no_code"
    assert sign_in_code_check(
        phone=PHONE, code=code, now=sent + datetime.timedelta(minutes=9, seconds=59)
    )


def test_five_wrong_tries_use_up_a_code(client, db):
    request_code(client)
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = client.post(reverse("sign_in_code"), {"code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert f"{left} more tries" in response.content.decode()
    response = client.post(reverse("sign_in_code"), {"code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert "request a new code" in response.content.decode()
    response = client.post(reverse("sign_in_code"), {"code": code})
    assert response.status_code == 400
    assert not User.objects.filter(phone=PHONE).exists()


def test_the_code_page_without_a_requested_code_goes_back_to_the_phone(client, db):
    assert client.get(reverse("sign_in_code"))["Location"] == reverse("sign_in")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_malformed_code_is_refused_with_a_reason(client, db, code):
    request_code(client)
    response = client.post(reverse("sign_in_code"), {"code": code})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_over_the_burst_rate_sign_in_answers_429(client, db, settings):
    settings.SIGN_IN_BURST_PER_SECOND = 1
    with time_machine.travel(timezone.now(), tick=True):
        statuses = [request_code(client, f"1390000001{n}").status_code for n in range(3)]
    assert 429 in statuses


@pytest.mark.django_db(transaction=True)
def test_one_code_used_twice_at_once_signs_in_once():
    sign_in_code_send(phone=PHONE, ip="1.2.3.4", language="zh-hans", now=timezone.now())
    code = latest_code()

    def attempt() -> str:
        sign_in_code_check(phone=PHONE, code=code, now=timezone.now())
        return "in"

    results = at_once(10, attempt)
    assert results.count("in") == 1


# --- staff --------------------------------------------------------------------------------


# Password throttles, device cookies and code limits: tests/reservations/test_throttles.py.


def test_a_staff_account_never_signs_in_by_sms(client, official):
    official.phone = PHONE
    official.save()
    request_code(client)
    response = client.post(
        reverse("sign_in_code"), {"code": latest_code()}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_are_sent_from_the_residents_pages_to_the_admin(client, official):
    client.force_login(official)
    response = client.get(reverse("me"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert not Resident.objects.filter(user=official).exists()


def test_expired_codes_leave_the_outbox_so_no_table_holds_a_code_in_clear(client, db):
    from notifications.services import outbox_forget_sign_in_codes

    request_code(client)
    code = latest_code()
    assert outbox_forget_sign_in_codes(older_than=datetime.timedelta(minutes=15)) == 0
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    assert outbox_forget_sign_in_codes(older_than=datetime.timedelta(minutes=15)) == 1
    with connection.cursor() as cursor:
        for table in ("notifications_outboxmessage", "reservations_signincode"):
            cursor.execute(
                f"SELECT count(*) FROM {table} AS t WHERE t::text LIKE %s", [f"%{code}%"]
            )
            assert cursor.fetchone()[0] == 0

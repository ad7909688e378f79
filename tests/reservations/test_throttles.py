"""Sign-in throttles slow an attacker without locking the owner out (OWASP ASVS 2.2.1).

Counters live in Redis (emptied before each test); the concurrency tests run real threads in a
`transaction=True` test, each thread with its own database connection and its own Redis
connection from the client's pool, so the limit is held by the atomic Redis script, not by
any lock in the test process.
"""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, OutboxMessage
from notifications.sealing import unseal
from reservations import limits
from reservations.devices import COOKIE_NAME
from reservations.models import SignInCode, User
from reservations.services import sign_in_code_send
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
OWNER_IP = "198.51.100.7"
ATTACKER_IP = "203.0.113.9"
WRONG_ANSWER = "Please enter the correct username and password"
THROTTLED = "Too many failed sign-ins. Please try again in 15 minutes."


# --- staff --------------------------------------------------------------------------------


def admin_login(client, username: str, password: str, *, ip: str, language: str = "en"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        HTTP_ACCEPT_LANGUAGE=language,
        REMOTE_ADDR=ip,
    )


def browser(device: str | None = None) -> Client:
    """A fresh browser; with `device`, one that kept that device cookie."""
    client = Client()
    if device:
        client.cookies[COOKIE_NAME] = device
    return client


def signed_in(client, response, user: User) -> bool:
    return response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)


def refused(client, response, text: str) -> bool:
    return (
        response.status_code == 200
        and text in response.content.decode()
        and "_auth_user_id" not in client.session
    )


def device_cookie(username: str, password: str, *, ip: str = OWNER_IP) -> str:
    """The device cookie a browser keeps after signing in to `username`."""
    client = browser()
    assert admin_login(client, username, password, ip=ip).status_code == 302
    return client.cookies[COOKIE_NAME].value


@pytest.fixture
def owner(official) -> User:
    official.set_password("right-password")
    official.save()
    return official


def test_five_wrong_passwords_from_one_address_refuse_even_the_right_one_from_there(owner):
    attacker = browser()
    for _ in range(5):
        assert refused(
            attacker, admin_login(attacker, "official", "wrong", ip=ATTACKER_IP), WRONG_ANSWER
        )
    response = admin_login(attacker, "official", "right-password", ip=ATTACKER_IP)
    assert refused(attacker, response, THROTTLED)
    response = admin_login(
        attacker, "official", "right-password", ip=ATTACKER_IP, language="zh-hans"
    )
    assert refused(attacker, response, "登录失败次数过多，请15分钟后再试。")


def test_an_attackers_failures_from_one_address_do_not_stop_the_owner_from_another(owner):
    attacker = browser()
    for _ in range(12):
        admin_login(attacker, "official", "wrong", ip=ATTACKER_IP)
    assert refused(
        attacker, admin_login(attacker, "official", "right-password", ip=ATTACKER_IP), THROTTLED
    )
    client = browser()
    assert signed_in(client, admin_login(client, "official", "right-password", ip=OWNER_IP), owner)


def test_the_owner_gets_in_from_the_attackers_address_with_their_device_cookie(owner):
    device = device_cookie("official", "right-password")
    attacker = browser()
    for n in range(25):  # past the per-account and the per-address limits
        admin_login(attacker, "official" if n % 2 else f"someone-{n}", "wrong", ip=ATTACKER_IP)
    same_address = browser()
    response = admin_login(same_address, "official", "right-password", ip=ATTACKER_IP)
    assert refused(same_address, response, THROTTLED)
    owners_browser = browser(device)
    response = admin_login(owners_browser, "official", "right-password", ip=ATTACKER_IP)
    assert signed_in(owners_browser, response, owner)


def test_attackers_on_many_addresses_lock_the_account_only_for_untrusted_browsers(owner):
    device = device_cookie("official", "right-password")
    answered = 0
    for n in range(8):  # 8 addresses x 5 = 40 tries against a limit of 30
        for _ in range(5):
            attacker = browser()
            response = admin_login(attacker, "official", "wrong", ip=f"203.0.113.{n + 10}")
            answered += WRONG_ANSWER in response.content.decode()
    assert answered == 30
    new_browser = browser()
    response = admin_login(new_browser, "official", "right-password", ip=OWNER_IP)
    assert refused(new_browser, response, THROTTLED)
    owners_browser = browser(device)
    response = admin_login(owners_browser, "official", "right-password", ip=OWNER_IP)
    assert signed_in(owners_browser, response, owner)


def test_a_right_password_before_the_limit_clears_the_failures(client, owner):
    for _ in range(4):
        admin_login(client, "official", "wrong", ip=OWNER_IP)
    assert admin_login(client, "official", "right-password", ip=OWNER_IP).status_code == 302
    client.logout()
    for _ in range(4):
        admin_login(client, "official", "wrong", ip=OWNER_IP)
    assert admin_login(client, "official", "right-password", ip=OWNER_IP).status_code == 302


def test_forty_usernames_sprayed_from_one_address_are_cut_off_at_the_per_address_limit(owner):
    attacker = browser()
    answers = [
        admin_login(attacker, f"staff-{n:02d}", "Spring2020!", ip=ATTACKER_IP).content.decode()
        for n in range(40)
    ]
    assert [WRONG_ANSWER in answer for answer in answers] == [True] * 20 + [False] * 20
    assert all(THROTTLED in answer for answer in answers[20:])
    # During the block a right password for a real account is not even checked from there...
    response = admin_login(attacker, "official", "right-password", ip=ATTACKER_IP)
    assert refused(attacker, response, THROTTLED)
    # ...while its owner elsewhere is not held back.
    client = browser()
    assert signed_in(client, admin_login(client, "official", "right-password", ip=OWNER_IP), owner)


def test_spraying_from_many_addresses_of_one_ipv6_subscriber_counts_as_one_source(owner):
    answers = [
        admin_login(browser(), f"staff-{n:02d}", "wrong", ip=f"2001:db8:1:2::{n:x}").content
        for n in range(25)
    ]
    assert [WRONG_ANSWER.encode() in answer for answer in answers] == [True] * 20 + [False] * 5
    client = browser()
    response = admin_login(client, "official", "right-password", ip="2001:db8:1:2:ffff::1")
    assert refused(client, response, THROTTLED)
    client = browser()  # the neighbouring /64 is someone else
    response = admin_login(client, "official", "right-password", ip="2001:db8:1:3::1")
    assert signed_in(client, response, owner)


def test_the_refusal_reads_the_same_whether_the_account_exists_or_not(owner):
    def refusal(username: str, ip: str) -> str:
        client = browser()
        for _ in range(5):
            admin_login(client, username, "wrong", ip=ip)
        page = admin_login(client, username, "right-password", ip=ip).content.decode()
        return re.search(r'<p class="errornote">(.*?)</p>', page, re.S).group(1).strip()

    assert refusal("official", "203.0.113.1") == refusal("no-such-person", "203.0.113.2")
    assert refusal("official", "203.0.113.3") == THROTTLED


def test_a_device_cookie_is_http_only_same_site_strict_and_secure_in_production(owner, settings):
    client = browser()
    admin_login(client, "official", "right-password", ip=OWNER_IP)
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    assert int(cookie["max-age"]) == settings.SIGN_IN_DEVICE_COOKIE_DAYS * 24 * 3600
    assert "official" not in cookie.value  # no personal data: the account is a keyed hash
    settings.SESSION_COOKIE_SECURE = True  # as config.settings.production sets it
    client = browser()
    admin_login(client, "official", "right-password", ip=OWNER_IP)
    assert client.cookies[COOKIE_NAME]["secure"]


def test_a_device_cookie_is_rotated_on_use_and_the_old_one_then_counts_for_nothing(owner):
    first = device_cookie("official", "right-password")
    client = browser(first)
    assert admin_login(client, "official", "right-password", ip=OWNER_IP).status_code == 302
    second = client.cookies[COOKIE_NAME].value
    assert second != first
    for n in range(20):
        admin_login(browser(), f"someone-{n}", "wrong", ip=ATTACKER_IP)
    old = browser(first)
    assert refused(old, admin_login(old, "official", "right-password", ip=ATTACKER_IP), THROTTLED)
    new = browser(second)
    assert signed_in(new, admin_login(new, "official", "right-password", ip=ATTACKER_IP), owner)


def test_a_forged_cookie_or_another_accounts_cookie_is_not_trusted(owner, notary):
    genuine = device_cookie("official", "right-password")
    notarys = device_cookie("notary", "pw")
    for n in range(20):
        admin_login(browser(), f"someone-{n}", "wrong", ip=ATTACKER_IP)
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    for cookie in (forged, notarys):
        client = browser(cookie)
        response = admin_login(client, "official", "right-password", ip=ATTACKER_IP)
        assert refused(client, response, THROTTLED)


def test_a_trusted_browser_is_limited_by_its_own_failures(owner):
    device = device_cookie("official", "right-password")
    client = browser(device)
    for _ in range(5):
        assert refused(client, admin_login(client, "official", "wrong", ip=OWNER_IP), WRONG_ANSWER)
    assert refused(
        client, admin_login(client, "official", "right-password", ip=OWNER_IP), THROTTLED
    )
    # Its failures are its own: the same address without the cookie is not blocked by them.
    other = browser()
    assert signed_in(other, admin_login(other, "official", "right-password", ip=OWNER_IP), owner)


def concurrent_logins(count: int, username_of) -> list[str]:
    """`count` browsers post a wrong password at once, from one address, each in its own thread
    (own database connection); what each was told."""
    numbers = iter(range(count))

    def attempt() -> str:
        page = admin_login(browser(), username_of(next(numbers)), "wrong", ip=ATTACKER_IP)
        text = page.content.decode()
        return "checked" if WRONG_ANSWER in text else "throttled" if THROTTLED in text else "?"

    return at_once(count, attempt)


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_on_one_account_cannot_exceed_the_limit(role_groups):
    User.objects.create_user(username="official", password="right-password", is_staff=True)
    outcomes = concurrent_logins(24, lambda n: "official")
    assert sorted(outcomes) == ["checked"] * 5 + ["throttled"] * 19


@pytest.mark.django_db(transaction=True)
def test_concurrent_spraying_from_one_address_cannot_exceed_the_limit(role_groups):
    outcomes = concurrent_logins(32, lambda n: f"staff-{n:02d}")
    assert sorted(outcomes) == ["checked"] * 20 + ["throttled"] * 12


# --- residents' SMS codes ---------------------------------------------------------------


def request_code(client, *, ip: str, phone: str = PHONE, language: str = "en", **extra):
    return client.post(
        reverse("sign_in"), {"phone": phone}, HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=ip, **extra
    )


def codes_sent() -> int:
    return OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE).count()


def latest_code() -> str:
    """The code as the gateway would get it: the outbox holds it sealed."""
    message = OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE).latest("id")
    return re.search(r"\d{6}", unseal(message.text)).group()


def enter_code(client, code: str, *, ip: str):
    return client.post(reverse("sign_in_code"), {"code": code}, REMOTE_ADDR=ip)


def resident_device_cookie() -> str:
    """The device cookie of the resident's own phone browser, after one sign-in."""
    client = browser()
    assert request_code(client, ip=OWNER_IP).status_code == 302
    assert enter_code(client, latest_code(), ip=OWNER_IP).status_code == 302
    return client.cookies[COOKIE_NAME].value


def test_at_most_five_codes_per_phone_from_one_address_per_hour(client):
    for _ in range(5):
        assert request_code(client, ip=ATTACKER_IP).status_code == 302
    response = request_code(client, ip=ATTACKER_IP)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3500
    assert "try again in 60 minutes" in response.content.decode()
    assert codes_sent() == 5


def test_an_attackers_five_code_requests_do_not_stop_the_victim_from_another_address():
    attacker = browser()
    for _ in range(5):
        request_code(attacker, ip=ATTACKER_IP)
    assert request_code(attacker, ip=ATTACKER_IP).status_code == 429
    victim = browser()
    assert request_code(victim, ip=OWNER_IP).status_code == 302
    assert codes_sent() == 6
    assert enter_code(victim, latest_code(), ip=OWNER_IP).status_code == 302
    assert victim.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


def test_the_victim_gets_a_code_from_the_attackers_address_with_a_device_cookie():
    device = resident_device_cookie()
    attacker = browser()
    for _ in range(5):
        assert request_code(attacker, ip=ATTACKER_IP).status_code == 302
    assert request_code(attacker, ip=ATTACKER_IP).status_code == 429
    for n in range(2):  # and from elsewhere, past the phone-wide cap
        for _ in range(3):
            request_code(browser(), ip=f"203.0.113.{n}")
    # The owner's first sign-in and 9 of the attacker's 11 requests filled the phone-wide cap.
    assert codes_sent() == 10
    sent = codes_sent()
    victim = browser(device)
    assert request_code(victim, ip=ATTACKER_IP).status_code == 302
    assert codes_sent() == sent + 1  # a fresh code, past every cap the attacker filled
    assert enter_code(victim, latest_code(), ip=ATTACKER_IP).status_code == 302
    assert victim.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


def test_the_phone_wide_cap_stops_sms_bombing_and_the_latest_code_keeps_working():
    for n in range(4):  # 4 addresses x 3 requests: 12, against a cap of 10
        for _ in range(3):
            assert request_code(browser(), ip=f"203.0.113.{n}").status_code == 302
    assert codes_sent() == 10
    victim = browser()
    response = request_code(victim, ip=OWNER_IP, follow=True)
    assert codes_sent() == 10  # no new SMS...
    assert "Please enter the latest code you received." in response.content.decode()
    # ...and the latest one the attacker caused to be sent still signs the owner in.
    assert enter_code(victim, latest_code(), ip=OWNER_IP).status_code == 302
    assert victim.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


def test_past_the_phone_cap_with_no_live_code_one_code_goes_out_per_code_lifetime():
    for n in range(10):
        request_code(browser(), ip=f"203.0.113.{n}")
    later = timezone.now() + datetime.timedelta(minutes=11)  # every code has expired
    with time_machine.travel(later):
        owner = browser()
        assert request_code(owner, ip=OWNER_IP).status_code == 302
        assert codes_sent() == 11  # the owner is not kept out for the rest of the hour...
        assert enter_code(owner, latest_code(), ip=OWNER_IP).status_code == 302
        assert owner.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)
        # ...but with no live code left, a second one within the code's lifetime waits.
        response = request_code(browser(), ip=OWNER_IP)
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 600
        assert re.search(r"try again in \d+ minutes", response.content.decode())
        response = request_code(browser(), ip=OWNER_IP, language="zh-hans")
        assert "分钟后再试" in response.content.decode()
    assert codes_sent() == 11
    # The allowance comes back with the next code lifetime (Redis keeps real time, not the
    # test's travelled clock, so its window is read rather than waited out).
    assert 0 < limits.redis_client().ttl(f"sign-in:phone-overflow:{PHONE}") <= 600


def test_a_code_burnt_by_an_attackers_wrong_tries_does_not_keep_the_owner_out():
    for n in range(4):  # the cap is full, and the latest code is live...
        for _ in range(3):
            request_code(browser(), ip=f"203.0.113.{n}")
    attacker = browser()
    request_code(attacker, ip=ATTACKER_IP)
    # ...until the attacker burns every live code with wrong tries (5 each).
    for _ in range(10 * 5):
        enter_code(attacker, "000000" if latest_code() != "000000" else "111111", ip=ATTACKER_IP)
    assert not SignInCode.objects.filter(wrong_tries__lt=5).exists()
    sent = codes_sent()
    owner = browser()
    assert request_code(owner, ip=OWNER_IP).status_code == 302
    assert codes_sent() == sent + 1
    assert enter_code(owner, latest_code(), ip=OWNER_IP).status_code == 302
    assert owner.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


def test_codes_from_one_address_across_phones_are_limited_too(client, settings):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 3
    for n in range(3):
        assert request_code(client, ip=ATTACKER_IP, phone=f"1390000000{n}").status_code == 302
    assert request_code(client, ip=ATTACKER_IP, phone="13900000009").status_code == 429
    # The block is on that address: the phone itself is not blocked from elsewhere.
    assert request_code(browser(), ip=OWNER_IP, phone="13900000009").status_code == 302
    assert codes_sent() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_code_requests_cannot_exceed_the_limit():
    def attempt() -> bool:
        return sign_in_code_send(phone=PHONE, ip=ATTACKER_IP, language="en", now=timezone.now())

    outcomes = at_once(20, attempt)
    assert sorted(outcomes) == ["True"] * 5 + ["too_many_codes"] * 15
    assert codes_sent() == 5


def test_a_sign_in_that_succeeded_stays_a_success_when_redis_fails_before_its_cookie(settings):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from reservations import devices
    from tests.fakes.dead_services import closed_port

    cookie = resident_device_cookie()  # a browser that signed in before: its cookie rotates
    request = RequestFactory().get("/me/", REMOTE_ADDR=OWNER_IP)
    request.COOKIES[COOKIE_NAME] = cookie
    request.user = User.objects.get(phone=PHONE)
    devices.remember(request, account=devices.resident_account(PHONE))
    with closed_port() as port:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        response = devices.DeviceCookieMiddleware(lambda request: HttpResponse("signed in"))(
            request
        )
    assert (response.status_code, response.content) == (200, b"signed in")
    assert COOKIE_NAME not in response.cookies  # untrusted until the next sign-in

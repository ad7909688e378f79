"""A live sign-in code is never stored readable (issue 11, item 1): the outbox holds it sealed,
the worker opens it only to hand it to the gateway, and then nothing of it remains."""

import logging
import re
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.backends import backend_get
from notifications.models import Kind, OutboxMessage, State
from notifications.sealing import SEALED_PREFIX, Unsealable, seal, unseal
from notifications.services import message_enqueue, outbox_drain, outbox_retry_failed
from reservations.models import User
from reservations.services import sign_in_code_send
from tests.helpers import subprocess_env
from tests.notifications.conftest import TOKEN

PHONE = "13800138001"


def drain():
    backend = backend_get()
    try:
        return outbox_drain(backend=backend, worker="test")
    finally:
        backend.close()


def send_code(phone: str = PHONE) -> str:
    """Request a code as a resident does; returns it as only the gateway should see it."""
    sign_in_code_send(phone=phone, ip="10.0.0.1", language="en", now=timezone.now())
    message = OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE).latest("id")
    return re.search(r"\d{6}", unseal(message.text)).group()


def code_row() -> OutboxMessage:
    return OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE).latest("id")


@pytest.mark.django_db
def test_it_stores_a_queued_sign_in_code_sealed():
    code = send_code()
    row = code_row()
    assert row.state == State.QUEUED
    assert row.text.startswith(SEALED_PREFIX)
    assert code not in row.text
    assert not OutboxMessage.objects.filter(text__contains=code).exists()


@pytest.mark.django_db
def test_it_leaves_other_messages_readable(settings):
    message_enqueue(
        recipient="+8613800000001",
        kind=Kind.ORDER_PLACED,
        dedupe_key="order:1",
        context={"number": "12345678", "date": "02-20"},
    )
    assert "12345678" in OutboxMessage.objects.get().text


@pytest.mark.django_db
def test_a_worker_hands_the_gateway_the_clear_code_and_then_keeps_nothing(http_sms, caplog):
    caplog.set_level(logging.DEBUG)
    code = send_code()
    result = drain()
    assert result.sent == 1
    (received,) = http_sms.received
    assert code in received["text"] and not received["text"].startswith(SEALED_PREFIX)
    row = code_row()
    assert (row.state, row.text, row.last_error) == (State.SENT, "", "")
    assert code not in caplog.text


@pytest.mark.django_db
def test_a_code_waiting_for_a_retry_stays_sealed(http_sms):
    code = send_code()
    http_sms.answer_next(500)
    assert drain().retried == 1
    row = code_row()
    assert row.state == State.QUEUED and row.text.startswith(SEALED_PREFIX)
    assert code not in row.text and code not in row.last_error


@pytest.mark.django_db
def test_a_code_that_fails_for_good_is_forgotten_and_not_retried(http_sms):
    code = send_code()
    http_sms.answer(400)
    assert drain().failed == 1
    row = code_row()
    assert (row.state, row.text) == (State.FAILED, "")
    assert code not in row.last_error
    # An official's retry has nothing to send again: the resident asks for a new code.
    assert outbox_retry_failed(ids=[row.id]) == 0
    assert code_row().state == State.FAILED


@pytest.mark.django_db
def test_the_console_page_shows_the_clear_code_with_no_worker_and_after_one(client):
    code = send_code()
    assert code_row().state == State.QUEUED
    assert code in client.get(reverse("console_messages")).content.decode()
    assert drain().sent == 1  # the console backend
    assert code_row().text.startswith(SEALED_PREFIX)  # kept for the page, until forgotten
    assert code in client.get(reverse("console_messages")).content.decode()


@pytest.mark.django_db
def test_a_code_sealed_under_another_secret_key_does_not_open(settings, http_sms):
    settings.SECRET_KEY = "an-old-secret-key-of-more-than-32-characters"
    sealed = seal("Your sign-in code is 424242")
    send_code()
    settings.SECRET_KEY = "a-new-secret-key-of-more-than-32-characters!"
    with pytest.raises(Unsealable):
        unseal(sealed)
    # A worker does not send what it cannot open, and forgets it.
    assert drain().failed == 1
    assert http_sms.received == []
    assert code_row().text == ""
    # The key it was sealed under, kept as a fallback while rotating, still opens it.
    settings.SECRET_KEY_FALLBACKS = ["an-old-secret-key-of-more-than-32-characters"]
    assert unseal(sealed) == "Your sign-in code is 424242"


@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_process_delivers_the_clear_code(gateway):
    code = send_code()
    worker = subprocess.run(
        [sys.executable, "manage.py", "send_notifications"],
        env=subprocess_env(
            SMS_BACKEND="http",
            SMS_GATEWAY_URL=gateway.url,
            SMS_GATEWAY_TOKEN=TOKEN,
            SMS_GATEWAY_TIMEOUT="1",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert [code in request["text"] for request in gateway.received] == [True]
    row = code_row()
    assert (row.state, row.text) == (State.SENT, "")
    assert code not in worker.stdout + worker.stderr


# --- the probe's own steps ------------------------------------------------------------------

OUTBOX = reverse("admin:notifications_outboxmessage_changelist")
LOOKUPS = [
    "",
    "__exact",
    "__iexact",
    "__contains",
    "__icontains",
    "__startswith",
    "__istartswith",
    "__endswith",
    "__iendswith",
    "__regex",
    "__iregex",
    "__gt",
    "__gte",
    "__lt",
    "__lte",
    "__range",
    "__in",
    "__isnull",
]


def guesses(code: str) -> list[dict]:
    """Queries a reader of the outbox might use to learn a code, one digit at a time or whole."""
    queries = []
    for field in ("text", "recipient", "dedupe_key", "last_error", "id"):
        for lookup in LOOKUPS:
            value = {"__range": f"{code[:3]},{code}", "__isnull": "false"}.get(lookup, code[:1])
            queries.append({field + lookup: value})
    queries += [
        {"kind__exact": "sign_in_code", "text__contains": code[:1]},
        {"_changelist_filters": f"text__contains={code[:1]}"},
        {"q": code},
        {"q": code[:3]},
        {"q": "+86" + PHONE},
        {"kind__exact": "sign_in_code"},
        {"kind__exact": "sign_in_code", "state__exact": "queued", "_facets": "1"},
        {"created_at__year": str(timezone.localtime().year)},
    ]
    return queries


@pytest.mark.django_db
def test_an_official_or_a_superuser_cannot_read_a_code_requested_for_another_phone(
    client, official, caplog
):
    caplog.set_level(logging.DEBUG)
    User.objects.create_superuser(username="root", password="pw")
    codes = []
    for username in ("official", "root"):
        client.logout()
        signed_in = client.post(
            reverse("admin:login"), {"username": username, "password": "pw", "next": "/admin/"}
        )
        assert signed_in.status_code == 302, username
        # A code for somebody else's phone, requested where anybody can.
        assert client.post(reverse("sign_in"), {"phone": PHONE}).status_code == 302
        row = code_row()
        code = re.search(r"\d{6}", unseal(row.text)).group()
        codes.append(code)
        sealed = row.text.removeprefix(SEALED_PREFIX)

        queries = guesses(code) + [{"text__contains": digit} for digit in "0123456789"]
        pages = [client.get(OUTBOX, query) for query in queries]
        pages.append(client.get(reverse("admin:notifications_outboxmessage_change", args=[row.pk])))
        pages.append(
            client.get(reverse("admin:notifications_outboxmessage_history", args=[row.pk]))
        )
        for query, response in zip([*queries, {}, {}], pages, strict=True):
            assert response.status_code in (200, 302, 400), (query, response.status_code)
            body = response.content.decode()
            if "q" in query:  # the search box shows back what was searched for
                body = body.replace(f'value="{query["q"]}"', "")
                body = body.replace(urlencode({"q": query["q"]}), "")
            assert code not in body and sealed not in body, query
        # Whether a guessed digit is in the code or not, the answer is the same refusal.
        refusals = {(r.status_code, r.content) for r in pages[-12:-2]}
        assert refusals == {(400, pages[-12].content)}
    assert not any(code in caplog.text for code in codes)


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_codes_queued_in_clear_and_blanks_sent_ones():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("notifications", "0004_dedupe_key_one_index"),
        (
            "notifications",
            "0005_seal_sign_in_codes",
        ),
    )
    # Going back to 0004 also unapplies what depends on 0005 (later migrations of this and
    # other apps): every leaf is migrated to again at the end, for the tests that follow.
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([before])
        now = timezone.now()
        for key, state in [("queued", State.QUEUED), ("sent", State.SENT), ("win", State.QUEUED)]:
            OutboxMessage.objects.create(
                recipient="+8613800000009",
                kind=Kind.WIN if key == "win" else Kind.SIGN_IN_CODE,
                dedupe_key=key,
                text=f"code 424242 ({key})",
                state=state,
                sent_at=now if state == State.SENT else None,
            )
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        texts = dict(OutboxMessage.objects.values_list("dedupe_key", "text"))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaf)
    assert texts["queued"].startswith(SEALED_PREFIX)
    assert unseal(texts["queued"]) == "code 424242 (queued)"
    assert texts["sent"] == ""
    assert texts["win"] == "code 424242 (win)"

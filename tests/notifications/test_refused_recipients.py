"""No SMS is ever sent to a number that is not a mobile (issue 13): the outbox refuses such a
recipient on every path in, keeps the row with the reason, and no worker ever claims it."""

import pytest
from django.urls import reverse

from city.phones import committee_recipient, is_sms_recipient
from notifications.models import Kind, OutboxMessage, State
from notifications.services import (
    COPY_FROM,
    REFUSED_NOT_A_MOBILE,
    NewMessage,
    message_enqueue,
    messages_enqueue,
    messages_enqueue_new,
    outbox_claim,
    outbox_retry_failed,
)
from tests.notifications.test_outbox import drain

pytestmark = pytest.mark.django_db

LANDLINE = "0591-87010100"


def committee_win(recipient: str, key: str) -> NewMessage:
    return NewMessage(
        recipient=recipient,
        kind=Kind.COMMITTEE_WIN,
        dedupe_key=key,
        context={"committee": "庆城社区", "numbers": "12345678", "closes": "02-20 14:00"},
    )


@pytest.mark.parametrize(
    "value",
    [
        LANDLINE,
        "059187010100",
        "+86059187010100",
        "+8659187010100",  # a fixed line in E.164: not a mobile either
        "13800138000",  # a mobile without +86: the outbox holds E.164 only
        "+8612800138000",  # 12…: no mainland mobile starts so
        "+86138001380001",
        "+86１３８００１３８０００",  # full-width digits
        "",
    ],
)
def test_only_a_mainland_mobile_in_e164_is_a_recipient(value):
    assert not is_sms_recipient(value)


@pytest.mark.parametrize("value", ["+8613800138000", "+8619912345678", "+8616612345678"])
def test_mainland_mobiles_in_e164_are_recipients(value):
    assert is_sms_recipient(value)


def test_a_landline_is_refused_with_its_reason_and_never_reaches_the_gateway(http_sms):
    message_enqueue(
        recipient=LANDLINE,
        kind=Kind.COMMITTEE_WIN,
        dedupe_key="committee-win:1:1:1",
        context={"committee": "庆城社区", "numbers": "12345678", "closes": "02-20 14:00"},
    )
    message = OutboxMessage.objects.get()
    assert message.state == State.REFUSED
    assert message.last_error == REFUSED_NOT_A_MOBILE
    assert "12345678" in message.text  # what would have been said, kept for the record

    result = drain()

    assert (result.sent, result.failed) == (0, 0)
    assert http_sms.received == []
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.REFUSED, 0)


@pytest.mark.parametrize("path", ["insert", "copy", "draw"])
def test_every_path_into_the_outbox_refuses_landlines_and_queues_mobiles(path):
    """The few messages of an event (multi-row INSERT), a reminder round's thousands (COPY into
    a temporary table) and a draw's (COPY straight into the outbox)."""
    count = {"insert": 10, "copy": COPY_FROM + 10, "draw": COPY_FROM + 10}[path]
    messages = [
        committee_win(LANDLINE if i % 5 == 0 else f"+86139{i:08d}", f"test:{i}")
        for i in range(count)
    ]
    if path == "draw":
        assert messages_enqueue_new(messages=iter(messages)) == count
    else:
        messages_enqueue(messages=messages)

    refused = OutboxMessage.objects.filter(state=State.REFUSED)
    assert refused.count() == len(range(0, count, 5))
    assert set(refused.values_list("recipient", flat=True)) == {LANDLINE}
    assert set(refused.values_list("last_error", flat=True)) == {REFUSED_NOT_A_MOBILE}
    queued = OutboxMessage.objects.filter(state=State.QUEUED)
    assert queued.count() == count - refused.count()
    assert set(queued.values_list("last_error", flat=True)) == {""}


def test_workers_never_claim_a_refused_message_and_a_retry_does_not_queue_it():
    messages_enqueue(messages=[committee_win(LANDLINE, "a"), committee_win("+8613900000001", "b")])
    refused = OutboxMessage.objects.get(state=State.REFUSED)

    claimed = outbox_claim(token="worker:1", limit=10, lease_seconds=30)

    assert [message.recipient for message in claimed] == ["+8613900000001"]
    assert outbox_retry_failed(ids=[refused.pk]) == 0
    refused.refresh_from_db()
    assert refused.state == State.REFUSED


def test_the_same_refused_event_is_recorded_once():
    for _ in range(3):
        messages_enqueue(messages=[committee_win(LANDLINE, "committee-win:1:1:1")])
    assert OutboxMessage.objects.count() == 1


def test_a_committee_s_messages_go_to_its_mobile_or_else_to_its_line_which_is_refused():
    assert committee_recipient(sms_phone="13900001111", phone=LANDLINE) == "+8613900001111"
    assert committee_recipient(sms_phone="", phone=LANDLINE) == LANDLINE


def test_officials_filter_the_refused_messages_and_read_why_in_their_language(client, official):
    messages_enqueue(messages=[committee_win(LANDLINE, "a"), committee_win("+8613900000001", "b")])
    client.force_login(official)
    url = reverse("admin:notifications_outboxmessage_changelist")

    english = client.get(url + "?state__exact=refused", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(url + "?state__exact=refused", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 200
    assert [m.recipient for m in english.context["cl"].result_list] == [LANDLINE]
    assert "not a mobile number: no SMS can reach it" in english.content.decode()
    assert "不是手机号码：无法接收短信" in chinese.content.decode()
    assert LANDLINE not in english.content.decode()  # masked, as every recipient


def test_a_landline_queued_before_the_outbox_refused_them_is_not_sent_either(http_sms):
    """A row written around the outbox's check (or queued by an older release): the worker
    refuses it at the last step, before the gateway."""
    messages_enqueue(messages=[committee_win("+8613900000001", "b")])
    old = OutboxMessage.objects.create(
        recipient=LANDLINE, text="【福州普惠】…", kind=Kind.COMMITTEE_WIN, dedupe_key="old"
    )
    assert old.state == State.QUEUED

    result = drain()

    assert (result.sent, result.refused) == (1, 1)
    assert [m["to"] for m in http_sms.received] == ["+8613900000001"]
    old.refresh_from_db()
    assert (old.state, old.last_error, old.leased_by) == (
        State.REFUSED,
        REFUSED_NOT_A_MOBILE,
        "",
    )

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from city.models import AuditAction, AuditEntry
from notifications.models import Kind, OutboxMessage, State
from notifications.sealing import SEALED_PREFIX
from notifications.services import message_enqueue, sms_render, sms_segments
from tests.notifications.conftest import queue_wins

pytestmark = pytest.mark.django_db

LONGEST = {
    Kind.SIGN_IN_CODE: {"code": "123456", "minutes": 10},
    Kind.WIN: {"number": "12345678", "opens": "02-19 14:00", "closes": "02-20 14:00"},
    Kind.COMMITTEE_WIN: {
        "committee": "城门镇林浦村村民委员会",
        "numbers": "12345678, 23456789, 34567890",
        "closes": "02-20 14:00",
    },
    Kind.LAPSE_REMINDER: {"number": "12345678", "closes": "02-20 14:00"},
    Kind.PICKUP_NOTICE: {
        "number": "12345678",
        "point": "仓山区普惠口罩代收点",
        "date": "02-20",
        "then": "由村（居）委会转交，领取时请出示中签号。 Show your winning number.",
    },
    Kind.ORDER_PLACED: {"number": "12345678", "date": "02-20"},
    Kind.PARCEL_READY: {"number": "12345678", "place": "城门镇林浦村村民委员会", "until": "02-27"},
    Kind.RESERVATION_CONFIRMED: {"number": "12345678"},
}


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_text_fits_in_two_segments_in_both_languages(kind, language):
    text = sms_render(kind=kind, context=LONGEST[kind], language=language)
    assert sms_segments(text) <= 2
    assert ("福州" in text) == (language == "zh-hans")


def test_segments_are_counted_as_phones_count_them():
    assert sms_segments("口" * 70) == 1
    assert sms_segments("口" * 71) == 2
    assert sms_segments("口" * 134) == 2
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("€" * 80) == 1  # two septets each


def test_a_text_too_long_for_two_segments_is_refused():
    with pytest.raises(ValueError):
        sms_render(
            kind=Kind.COMMITTEE_WIN,
            context={**LONGEST[Kind.COMMITTEE_WIN], "numbers": "12345678, " * 20},
            language="zh-hans",
        )


def test_send_notifications_reports_what_it_did():
    queue_wins(3)
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue().strip() == "sent 3, failed 0, waiting 0"
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 3


def test_the_console_page_lists_messages_with_the_console_backend(client):
    message_enqueue(
        recipient="+8613800000009",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:9",
        context={"code": "424242", "minutes": 10},
    )
    response = client.get(reverse("console_messages"))
    assert response.status_code == 200
    assert "424242" in response.content.decode()


def test_the_console_page_does_not_exist_with_a_real_gateway(client, settings):
    settings.SMS_BACKEND = "http"
    assert client.get(reverse("console_messages")).status_code == 404


def test_officials_read_the_outbox_without_sign_in_codes(client, official):
    message_enqueue(
        recipient="+8613800000009",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:9",
        context={"code": "424242", "minutes": 10},
    )
    message = OutboxMessage.objects.get()
    client.force_login(official)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist"))
    assert listing.status_code == 200
    assert "138****0009" in listing.content.decode()
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert "424242" not in page.content.decode()
    assert message.text.startswith(SEALED_PREFIX)
    assert message.text.removeprefix(SEALED_PREFIX) not in page.content.decode()
    assert "已加密" in page.content.decode()  # "(sealed: opened only to send it)"


def test_a_sign_in_code_stored_in_clear_before_sealing_is_masked_in_the_admin(client, official):
    message = OutboxMessage.objects.create(
        recipient="+8613800000009",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:old",
        text="Your sign-in code is 424242, valid for 10 minutes.",
    )
    client.force_login(official)
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert "424242" not in page.content.decode()
    assert "******" in page.content.decode()


def test_officials_retry_failed_messages(client, official):
    queue_wins(2)
    OutboxMessage.objects.update(state=State.FAILED, attempts=3, last_error="HTTP 400")
    client.force_login(official)
    response = client.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {
            "action": "retry_failed",
            "_selected_action": list(OutboxMessage.objects.values_list("id", flat=True)),
        },
    )
    assert response.status_code == 302
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(State.QUEUED, 0)}
    # In the audit trail, by the official, with how many and which (ids, not recipients).
    entry = AuditEntry.objects.get(action=AuditAction.OUTBOX_RETRIED)
    assert entry.actor == official and entry.summary["count"] == 2
    assert sorted(entry.summary["messages"]) == sorted(
        OutboxMessage.objects.values_list("id", flat=True)
    )


def test_committee_staff_cannot_read_the_outbox(client, committee_staff):
    client.force_login(committee_staff)
    response = client.get(reverse("admin:notifications_outboxmessage_changelist"))
    assert response.status_code == 403


def test_the_outbox_cannot_be_edited_by_hand(client, official):
    queue_wins(1)
    client.force_login(official)
    message = OutboxMessage.objects.get()
    url = reverse("admin:notifications_outboxmessage_change", args=[message.pk])
    client.post(url, {"text": "changed", "state": "sent"})
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.text != "changed"


def test_texts_are_not_html_escaped():
    text = sms_render(
        kind=Kind.COMMITTEE_WIN,
        context={"committee": "A&B <村>", "numbers": "12345678", "closes": "02-20 14:00"},
        language="en",
    )
    assert "A&B <村>" in text and "&amp;" not in text

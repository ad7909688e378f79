"""Messages for residents a committee registered (rule 10, issue 13): the win, the reminder
and the order notice reach the committee's mobile number for messages when it has one; without
one, nothing goes to its fixed line: the outbox refuses it and keeps the record, and the
committee follows its wins in the admin."""

import datetime

import pytest

from city.models import Community
from notifications.models import Kind, OutboxMessage, State
from notifications.services import REFUSED_NOT_A_MOBILE
from orders import tasks
from tests.notifications.conftest import gateway, http_sms  # noqa: F401 - fixtures
from tests.notifications.test_outbox import drain
from tests.orders.conftest import CLOSES, DURING, committee_reserve, draw_all, order_body

pytestmark = pytest.mark.django_db

LANDLINE = "0591-87010100"
MOBILE = "13900001111"


@pytest.fixture
def with_mobile(committee_staff):
    Community.objects.filter(pk=committee_staff.community_id).update(sms_phone=MOBILE)


def committee_wins(staff, count: int = 1):
    return draw_all(
        *[committee_reserve(staff, name=f"陈伯{n}", serial=n) for n in range(1, count + 1)]
    )


def test_the_committee_s_mobile_gets_the_win_sms(campaign, committee_staff, with_mobile):
    (elder,) = committee_wins(committee_staff)
    message = OutboxMessage.objects.get(kind=Kind.COMMITTEE_WIN)
    assert (message.recipient, message.state) == ("+86" + MOBILE, State.QUEUED)
    assert elder.number_display in message.text
    assert elder.phone == LANDLINE  # the reservation keeps the phone the partner is given


def test_without_a_mobile_no_win_sms_is_sent_the_refusal_is_recorded(
    campaign,
    committee_staff,
    http_sms,  # noqa: F811 - the fixture, imported above
):
    committee_wins(committee_staff, count=4)
    messages = OutboxMessage.objects.filter(kind=Kind.COMMITTEE_WIN)
    assert messages.count() == 2  # three numbers a message
    assert {(m.recipient, m.state, m.last_error) for m in messages} == {
        (LANDLINE, State.REFUSED, REFUSED_NOT_A_MOBILE)
    }
    drain()
    assert http_sms.received == []


def test_the_reminder_goes_to_the_committee_s_mobile_once(
    campaign, committee_staff, with_mobile, at_time
):
    (elder,) = committee_wins(committee_staff)
    at_time(CLOSES - datetime.timedelta(hours=1))
    tasks.send_lapse_reminders()
    tasks.send_lapse_reminders()
    reminder = OutboxMessage.objects.get(kind=Kind.LAPSE_REMINDER)
    assert (reminder.recipient, reminder.state) == ("+86" + MOBILE, State.QUEUED)
    assert elder.number_display in reminder.text


def test_without_a_mobile_the_reminder_is_refused_and_recorded_once(
    campaign, committee_staff, at_time
):
    committee_wins(committee_staff)
    at_time(CLOSES - datetime.timedelta(hours=1))
    tasks.send_lapse_reminders()
    tasks.send_lapse_reminders()  # the refused row's key marks the win reminded
    reminder = OutboxMessage.objects.get(kind=Kind.LAPSE_REMINDER)
    assert (reminder.recipient, reminder.state) == (LANDLINE, State.REFUSED)


@pytest.mark.parametrize("mobile", [True, False])
def test_the_order_notice_follows_the_same_rule(
    request, api, campaign, committee_staff, at_time, mobile
):
    if mobile:
        request.getfixturevalue("with_mobile")
    (elder,) = committee_wins(committee_staff)
    at_time(DURING)
    body = {**order_body(elder, "C-1"), "reservation_number": elder.number_display}
    assert api("orders", body).status_code == 201
    notice = OutboxMessage.objects.get(kind=Kind.ORDER_PLACED)
    if mobile:
        assert (notice.recipient, notice.state) == ("+86" + MOBILE, State.QUEUED)
    else:
        assert (notice.recipient, notice.state) == (LANDLINE, State.REFUSED)

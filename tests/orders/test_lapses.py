"""Rule 6: a win unordered when its purchase window closes lapses, its pack returns to stock,
and winners who have not ordered are reminded before that. Both are beat tasks."""

import datetime

import pytest
from django.conf import settings

from city.errors import Refused
from lottery.selectors import stock_packs
from notifications.models import OutboxMessage
from orders import tasks
from reservations.models import Reservation
from reservations.services import reservation_create
from tests.orders.conftest import CLOSES, DURING, committee_reserve, draw_all, order_body, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def winners(campaign, committee_staff):
    first = make_resident(phone="13800000081", town="苍霞街道", serial=81)
    second = make_resident(phone="13800000082", town="城门镇", serial=82)
    elder = committee_reserve(committee_staff, name="陈伯", serial=1)
    return draw_all(reserve(first), reserve(second), elder)


def states(reservations) -> list[str]:
    return [Reservation.objects.get(pk=r.pk).state for r in reservations]


def test_unordered_wins_lapse_when_the_window_closes_not_before(winners, api, at_time):
    second = winners[1]
    at_time(DURING)
    assert api("orders", order_body(second)).status_code == 201
    stock = stock_packs()
    at_time(CLOSES - datetime.timedelta(microseconds=1))
    tasks.lapse_wins()
    assert states(winners) == ["won", "ordered", "won"]
    at_time(CLOSES)
    tasks.lapse_wins()
    assert states(winners) == ["lapsed", "ordered", "lapsed"]
    assert stock_packs() == stock + 2  # the lapsed packs are in stock again
    tasks.lapse_wins()  # again: nothing more changes
    assert states(winners) == ["lapsed", "ordered", "lapsed"]
    assert stock_packs() == stock + 2


def test_a_lapsed_win_can_no_longer_be_bought(winners, api, at_time):
    at_time(CLOSES + datetime.timedelta(hours=1))
    tasks.lapse_wins()
    response = api("orders", order_body(winners[0]))
    assert (response.status_code, response.json()["reason"]) == (409, "lapsed")


def test_the_cooldown_after_a_lapse_runs_from_the_draw(winners, at_time):
    """Rule 7: drawn on 19 Feb, the winner may reserve again from 29 Feb, lapsed or not."""
    at_time(CLOSES)
    tasks.lapse_wins()
    resident = Reservation.objects.get(pk=winners[0].pk).resident
    with pytest.raises(Refused) as refusal:
        reservation_create(resident=resident, now=at(2020, 2, 28, 19, 30))
    assert refusal.value.code == "cooldown"
    again = reservation_create(resident=resident, now=at(2020, 2, 29, 19, 30))
    assert again.state == "waiting" and again.number != winners[0].number


def test_winners_who_have_not_ordered_are_reminded_once_four_hours_before(winners, api, at_time):
    first, second, elder = winners
    at_time(DURING)
    api("orders", order_body(second))
    at_time(CLOSES - datetime.timedelta(hours=4, seconds=1))
    tasks.send_lapse_reminders()
    assert not OutboxMessage.objects.filter(kind="lapse_reminder").exists()
    at_time(CLOSES - datetime.timedelta(hours=4))
    tasks.send_lapse_reminders()
    tasks.send_lapse_reminders()
    at_time(CLOSES - datetime.timedelta(hours=1))
    tasks.send_lapse_reminders()
    reminders = OutboxMessage.objects.filter(kind="lapse_reminder").order_by("recipient")
    # Once per unordered win: the resident, and the committee for the resident it registered.
    assert [m.recipient for m in reminders] == ["+8613800000081", "0591-87010100"]
    assert first.number_display in reminders[0].text
    assert "02-20 14:00" in reminders[0].text
    assert elder.number_display in reminders[1].text
    at_time(CLOSES)
    tasks.send_lapse_reminders()
    assert OutboxMessage.objects.filter(kind="lapse_reminder").count() == 2


def test_the_reminders_lead_time_is_the_campaigns(winners, campaign, at_time):
    campaign.lapse_reminder_hours = 1
    campaign.save()
    at_time(CLOSES - datetime.timedelta(hours=2))
    tasks.send_lapse_reminders()
    assert not OutboxMessage.objects.filter(kind="lapse_reminder").exists()
    at_time(CLOSES - datetime.timedelta(minutes=59))
    tasks.send_lapse_reminders()
    assert OutboxMessage.objects.filter(kind="lapse_reminder").count() == 3
    campaign.lapse_reminder_hours = 0  # none at all
    campaign.save()
    OutboxMessage.objects.all().delete()
    tasks.send_lapse_reminders()
    assert not OutboxMessage.objects.filter(kind="lapse_reminder").exists()


def test_the_english_reminder_is_in_english(campaign, at_time):
    resident = make_resident(phone="13800000085", town="苍霞街道", serial=85)
    resident.language = "en"  # signed up in English
    resident.save()
    draw_all(reserve(resident))
    at_time(CLOSES - datetime.timedelta(hours=2))
    tasks.send_lapse_reminders()
    message = OutboxMessage.objects.get(kind="lapse_reminder", recipient="+8613800000085")
    assert message.text.startswith("[Fuzhou Puhui masks]")
    win = OutboxMessage.objects.get(kind="win", recipient="+8613800000085")
    assert win.text.startswith("[Fuzhou Puhui masks]")


def test_beat_runs_both_tasks_every_minute():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["orders.tasks.lapse_wins"] == 60.0
    assert schedule["orders.tasks.send_lapse_reminders"] == 60.0


def test_a_draw_whose_wins_have_settled_is_not_searched_again(winners, at_time):
    from lottery.models import Draw

    draw = Draw.objects.get(pk=Reservation.objects.get(pk=winners[0].pk).won_draw_id)
    at_time(CLOSES)
    tasks.lapse_wins()
    draw.refresh_from_db()
    assert draw.wins_lapsed_at is None  # a cancel stamped just before the close may still land

    at_time(CLOSES + datetime.timedelta(hours=1))
    tasks.lapse_wins()
    draw.refresh_from_db()
    assert draw.wins_lapsed_at == CLOSES + datetime.timedelta(hours=1)
    assert states(winners) == ["lapsed", "lapsed", "lapsed"]

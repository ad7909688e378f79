"""A draw records its wins (lottery.Win) when it commits; copying them onto the reservations
("settling") follows moments later, or later still if a worker dies in between. In between,
every reader tells a win from a waiting reservation all the same."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from city.errors import Refused
from lottery import services as lottery
from lottery import tasks as lottery_tasks
from lottery.models import Draw, DrawFile, DrawLog
from orders import tasks as order_tasks
from reservations.models import Reservation, Win
from reservations.services import reservation_cancel
from tests.helpers import at_once
from tests.lottery.helpers import COMMITMENT, SECRET, ceremony
from tests.orders.conftest import (
    CLOSES,
    DURING,
    body_of,
    committee_reserve,
    draw_all,
    order_body,
    reserve,
)
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(campaign):
    """Two winners whose draw has committed but not been settled, and one who did not win."""
    first = make_resident(phone="13800000091", town="苍霞街道", serial=91)
    second = make_resident(phone="13800000092", town="城门镇", serial=92)
    return draw_all(reserve(first), reserve(second), settle=False)


def state(reservation) -> str:
    return Reservation.objects.get(pk=reservation.pk).state


def test_settling_marks_the_wins_on_their_reservations_once(pending):
    draw = Draw.objects.get()
    assert draw.wins_settled_at is None
    assert lottery.draw_wins_settle(draw_id=draw.pk, now=at(2020, 2, 19, 10, 1)) == 2
    for reservation in pending:
        reservation.refresh_from_db()
        assert (reservation.state, reservation.won_draw_id) == ("won", draw.pk)
        assert reservation.won_at == draw.drawn_at
    draw.refresh_from_db()
    assert draw.wins_settled_at == at(2020, 2, 19, 10, 1)
    assert lottery.draw_wins_settle(draw_id=draw.pk, now=at(2020, 2, 19, 10, 2)) == 0
    (entry,) = DrawLog.objects.filter(draw=draw, action="wins_settled")  # once, in the log
    assert entry.details == {"settled_now": 2}


def test_beat_settles_a_draw_whose_worker_died_before_settling_it(pending):
    lottery_tasks.settle_wins()
    assert [state(r) for r in pending] == ["won", "won"]
    assert Draw.objects.get().wins_settled_at is not None


@pytest.mark.django_db(transaction=True)
def test_settling_from_several_workers_at_once_settles_each_win_once(pending):
    draw = Draw.objects.get()
    settled = at_once(4, lambda: lottery.draw_wins_settle(draw_id=draw.pk, now=DURING))
    assert sorted(settled) == ["0", "0", "0", "2"]  # at_once reports results as text
    assert [state(r) for r in pending] == ["won", "won"]


def test_the_public_results_say_won_before_settling(client, pending):
    draw = Draw.objects.get()
    response = client.get(
        reverse("results"), {"number": pending[0].number_display}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {
        "number": pending[0].number_display,
        "status": "won",
        "draw": draw.pk,
    }


def test_the_winners_page_shows_the_win_before_settling(client, pending):
    client.force_login(pending[0].resident.user)
    with time_machine.travel(at(2020, 2, 19, 10, 5), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Congratulations, your number won." in body


def test_a_pending_win_cannot_be_cancelled(pending):
    with pytest.raises(Refused) as refusal:
        reservation_cancel(resident=pending[0].resident, now=at(2020, 2, 19, 11))
    assert refusal.value.code == "nothing_to_cancel"
    assert state(pending[0]) == "waiting"  # untouched; settling makes it won
    lottery.wins_settle_pending(now=at(2020, 2, 19, 11))
    assert state(pending[0]) == "won"


def test_the_next_pool_leaves_out_wins_not_settled_yet(campaign):
    winner = reserve(make_resident(phone="13800000093", town="苍霞街道", serial=93))
    loser = reserve(make_resident(phone="13800000094", town="苍霞街道", serial=94))
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=100)
    first = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    first = ceremony(first, quota=1, settle=False)
    (won,) = Win.objects.values_list("reservation_id", flat=True)
    waiting = loser if won == winner.pk else winner
    second = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 21, 10), pool_cutoff=at(2020, 2, 20, 21), actor=None
    )
    lottery.draw_commit(draw=second, notary=None, commitment=None, now=at(2020, 2, 20, 9))
    second = lottery.draw_close_pool(draw=second, quota=1, actor=None, now=at(2020, 2, 20, 21))
    pool = DrawFile.objects.get(draw=second, name="pool").content
    assert bytes(pool) == f"{waiting.number_display}\n".encode()


def test_a_partner_sees_and_sells_a_win_before_settling(api, pending, at_time):
    at_time(DURING)
    verified = api("verify", body_of(pending[0])).json()
    assert verified["eligible"] is True
    assert verified["order_deadline"] == "2020-02-20T14:00:00+08:00"
    assert api("orders", order_body(pending[0])).status_code == 201
    assert state(pending[0]) == "ordered"
    assert state(pending[1]) == "waiting"  # its own win is still only recorded
    lottery.wins_settle_pending(now=DURING)
    assert [state(r) for r in pending] == ["ordered", "won"]


def test_a_committee_win_is_sold_before_settling(api, campaign, committee_staff, at_time):
    elder = committee_reserve(committee_staff, name="陈伯", serial=3)
    (elder,) = draw_all(elder, settle=False)
    at_time(DURING)
    body = order_body(elder, reservation_number=elder.number_display)
    assert api("orders", body).status_code == 201
    assert state(elder) == "ordered"


def test_unsettled_wins_still_lapse_when_their_window_closes(pending, at_time):
    at_time(CLOSES + datetime.timedelta(minutes=1))
    order_tasks.lapse_wins()
    assert [state(r) for r in pending] == ["lapsed", "lapsed"]


def test_fairness_counts_the_wins_before_settling(pending):
    draw = Draw.objects.get()
    figures = lottery.draw_fairness_compute(draw=draw)
    assert sum(group["winners"] for group in figures["by_district"]["groups"]) == 2


def test_officials_see_the_win_in_the_reservations_admin_before_settling(client, official, pending):
    draw = Draw.objects.get()
    client.force_login(official)
    response = client.get(
        reverse("admin:reservations_reservation_changelist"),
        {"q": pending[0].number_display},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    row = response.context["cl"].result_list[0]
    assert (row.state, row.win.draw_id) == ("waiting", draw.pk)
    assert f'<td class="field-won_in_draw">{draw.pk}</td>' in response.content.decode()


def test_cancelling_updates_the_one_row_directly_not_through_a_subquery(campaign):
    """A join in the cancel's filter made Django's UPDATE an `id IN (subquery)` whose pool test
    pointed at the outer row: a scan of the whole table for every cancel."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reservation = reserve(make_resident(phone="13800000095", town="苍霞街道", serial=95))
    with CaptureQueriesContext(connection) as queries:
        reservation_cancel(resident=reservation.resident, now=at(2020, 2, 18, 20))
    (update,) = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert "IN (SELECT" not in update and "NOT EXISTS" in update
    assert state(reservation) == "cancelled"


def test_settling_goes_in_batches_and_settles_every_win(pending):
    draw = Draw.objects.get()
    assert lottery.draw_wins_settle(draw_id=draw.pk, now=DURING, batch=1) == 2
    assert [state(r) for r in pending] == ["won", "won"]
    assert Draw.objects.get().wins_settled_at == DURING


def test_officials_can_filter_reservations_by_their_recorded_win(client, official, pending):
    loser = reserve(make_resident(phone="13800000096", town="苍霞街道", serial=96))
    client.force_login(official)
    url = reverse("admin:reservations_reservation_changelist")
    won = client.get(url, {"won": "yes"}).context["cl"].result_list
    assert sorted(r.pk for r in won) == sorted(r.pk for r in pending)
    others = client.get(url, {"won": "no"}).context["cl"].result_list
    assert [r.pk for r in others] == [loser.pk]


def test_beat_looks_for_unsettled_draws_every_minute():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["lottery.tasks.settle_wins"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_the_draw_task_settles_the_wins_after_the_draw(campaign):
    """The Celery task as a worker runs it: the draw, then its wins on their reservations."""
    winner = reserve(make_resident(phone="13800000097", town="苍霞街道", serial=97))
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=10)
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = lottery.draw_close_pool(draw=draw, quota=1, actor=None, now=at(2020, 2, 18, 21))
    draw = lottery.draw_fix_public_value(draw=draw, value="1", actor=None)
    lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)
    lottery_tasks.run_draw_task(draw.pk, None)
    assert state(winner) == "won"
    assert Draw.objects.get().wins_settled_at is not None

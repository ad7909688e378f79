"""How many queries "My reservation" asks, whatever the reservation's history: a change that
adds a query per draw it was in or per order it had fails here."""

import datetime

import pytest
from django.urls import reverse

from lottery import services as lottery
from orders.models import OrderStatus
from orders.services import order_place, order_set_status
from tests.lottery.helpers import COMMITMENT, SECRET
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

# The session comes from Redis (SESSION_ENGINE cached_db): no query. The schedule's pause and
# next draw are asked on a first visit only (then kept a few seconds, portal/page_cache.py).
# A waiting reservation's page: the user, the resident, the campaign's configuration, the
# reservation, its pending win, the district's windows, the last win (for the cooldown),
# whether any draw is recorded, the draws it was in, its town (for the route), its order, the
# schedule's pause, the next draw, and the configuration again (for the plain schedule, when
# no draw is coming).
WAITING_PAGE_QUERIES = 14
# A won reservation's page: the user, the resident, the configuration, the
# reservation (a settled win: no pending one to look for), the district's windows, the last win,
# whether any draw is recorded, the draw it won (where the draws it was in end), the draws it
# was in, its town, its district's pickup point, and its orders; for a pickup order, its parcel
# (with its batch, point and committee) and the parcel's steps, however many.
WON_PAGE_QUERIES = 14


def _drawn_without_winners(day: int) -> None:
    """A real draw on 19 Feb + `day` days at 10:00, whose quota is nought."""
    later = datetime.timedelta(days=day)
    draw_at, cutoff = at(2020, 2, 19, 10) + later, at(2020, 2, 18, 21) + later
    draw = lottery.draw_add_extra(scheduled_at=draw_at, pool_cutoff=cutoff, actor=None)
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = lottery.draw_close_pool(draw=draw, quota=0, actor=None, now=cutoff)
    draw = lottery.draw_fix_public_value(draw=draw, value="1", actor=None)
    draw = lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)
    lottery.draw_run(draw=draw, actor=None, now=draw_at)


@pytest.mark.parametrize("draws", [1, 6])
def test_my_reservation_asks_as_many_queries_however_many_draws_it_was_in(
    client, campaign, time_machine, draws, django_assert_num_queries
):
    resident = make_resident(phone="13800000071", town="苍霞街道", serial=71)
    reserve(resident)
    for day in range(0, 2 * draws, 2):
        _drawn_without_winners(day)
    time_machine.move_to(at(2020, 2, 19, 9) + datetime.timedelta(days=2 * draws), tick=False)
    client.force_login(resident.user)
    with django_assert_num_queries(WAITING_PAGE_QUERIES):
        page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Draws it has been in" in page
    assert page.count(", ") >= draws - 1  # every draw listed


@pytest.mark.parametrize("cancelled", [0, 4])
def test_my_reservation_asks_as_many_queries_however_many_orders_the_win_had(
    client, campaign, partner, time_machine, cancelled, django_assert_num_queries
):
    resident = make_resident(phone="13800000072", town="鼓山镇", serial=72)  # a pickup point's
    (win,) = draw_all(reserve(resident))
    time_machine.move_to(DURING, tick=False)
    record, _token = partner
    for attempt in range(cancelled + 1):
        placed = order_place(
            partner=record,
            partner_order_id=f"Q-{attempt}",
            phone=win.phone,
            address=win.address,
            number=None,
            quantity=1,
            now=DURING,
        )
        if attempt < cancelled:  # given back inside the window, and ordered again
            order_set_status(order=placed.order, status=OrderStatus.CANCELLED, now=DURING)
    client.force_login(resident.user)
    with django_assert_num_queries(WON_PAGE_QUERIES):
        page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your order is placed." in page

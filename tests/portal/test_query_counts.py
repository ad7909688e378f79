"""How many queries "My reservation" asks, whatever the reservation's history: a change that
adds a query per draw it was in or per order it had fails here."""

import datetime

import pytest
from django.urls import reverse

from lottery import services as lottery
from orders.models import OrderStatus
from orders.services import order_place, order_set_status
from tests.helpers import without_csrf_tokens
from tests.lottery.helpers import COMMITMENT, SECRET
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_statements(settings):
    # A statement city.prepared prepares costs one PREPARE the first time on a connection:
    # counted here as plain queries, so that a count does not depend on which test ran first.
    settings.DB_PREPARED_STATEMENTS = False


# The session comes from Redis (SESSION_ENGINE cached_db): no query. Tests run with
# LOCAL_CACHE_SECONDS = 0, so what a deployment keeps a few seconds per process (city.memo) is
# asked here on every visit. A waiting reservation's page: the user, the resident with its
# latest reservation (its pending win, the last win for the cooldown and whether it has
# orders: one statement), its district and town, the campaign's configuration, the district's
# windows, the draws recorded (the draws it was in are picked from them), its town (for the
# route), and the schedule's pause, the next draw and the configuration again (for the plain
# schedule, when no draw is coming).
WAITING_PAGE_QUERIES = 11
# A won reservation's page: the user, the resident with its reservation (as above), its
# district and town, the configuration, the district's windows, the draws recorded, the draw
# it won (its purchase window), its town and its district's pickup point (the route), and its
# orders; for a pickup order, its parcel (with its batch, point and committee) and the
# parcel's steps, however many.
WON_PAGE_QUERIES = 13


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


def test_a_repeat_visit_to_my_reservation_asks_only_for_the_residents_own_rows(
    client, campaign, time_machine, settings, django_assert_num_queries
):
    """With the few seconds' memory of reference data on (as deployed), the page asks for the
    user, then the resident with their reservation: nothing that is the same for every
    resident."""
    from portal import page_cache

    settings.LOCAL_CACHE_SECONDS = 60
    settings.HOME_PAGE_CACHE_SECONDS = 30  # the schedule notice is kept as deployed, too
    page_cache.home_forget()
    resident = make_resident(phone="13800000073", town="苍霞街道", serial=73)
    reserve(resident)
    _drawn_without_winners(0)
    time_machine.move_to(at(2020, 2, 20, 9), tick=False)
    client.force_login(resident.user)
    try:
        first = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        with django_assert_num_queries(2):
            again = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        page_cache.home_forget()
    assert "Draws it has been in" in again
    assert without_csrf_tokens(again) == without_csrf_tokens(first)


def test_my_page_reads_the_resident_and_reservation_as_the_orm_does(campaign):
    """portal.selectors.my_page builds both records from one row, unconverted: every field
    of either model comes from the database as the ORM would give it."""
    from django.db import connection

    from portal.selectors import my_page
    from reservations.models import Reservation, Resident

    for model in (Resident, Reservation):
        for field in model._meta.concrete_fields:
            assert not field.get_db_converters(connection), f"{model.__name__}.{field.name}"
    resident = make_resident(phone="13800000074", town="苍霞街道", serial=74)
    reservation = reserve(resident)
    page = my_page(user=resident.user)
    for model, mine, orm in (
        (Resident, page.resident, Resident.objects.get(pk=resident.pk)),
        (Reservation, page.reservation, Reservation.objects.get(pk=reservation.pk)),
    ):
        for field in model._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(orm, field.attname), field.name
    assert page.has_orders is False and page.last_win_at is None

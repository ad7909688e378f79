"""'My reservation' and the reserve and cancel buttons: what the resident sees of their
reservation, its draws, its win and where the pack goes, and how refusals reach the page."""

import pytest
import time_machine
from django.urls import reverse

from reservations.models import Reservation, ReservationState
from tests.reservations.conftest import at
from tests.reservations.test_reserving import reserve_at

pytestmark = pytest.mark.django_db


def test_reserving_through_the_page_shows_the_number(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        response = client.post(reverse("reserve"), follow=True)
    reservation = Reservation.objects.get()
    body = response.content.decode()
    assert reservation.number_display in body
    assert "等待摇号" in body or "waiting" in body


def test_a_refusal_is_shown_on_the_page(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 9, 30), tick=False):
        response = client.post(reverse("reserve"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "11:00–13:00" in body and "no advantage" in body
    assert not Reservation.objects.exists()


def test_over_the_burst_rate_reserving_answers_429_with_retry_after(
    client, taijiang_resident, settings
):
    settings.RESERVE_BURST_PER_SECOND = 1
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=True):
        statuses = [client.post(reverse("reserve"), HTTP_ACCEPT_LANGUAGE="en") for _ in range(3)]
    busy = [r for r in statuses if r.status_code == 429]
    assert busy
    assert busy[0]["Retry-After"].isdigit()
    assert "Reserving early gives no advantage." in busy[0].content.decode()


def test_my_reservation_lists_the_draws_it_has_been_in(client, taijiang_resident):
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 21, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # In the draws of 19 and 21 Feb (the schedule's first and second); the next is on 23 Feb.
    assert "Draw #1 (2020-02-19), Draw #2 (2020-02-21)" in body
    assert "2020-02-23 10:00" in body


def test_a_reservation_made_at_the_cut_off_waits_for_the_draw_after(client, taijiang_resident):
    reserve_at(taijiang_resident, 2020, 2, 18, 20, 59)
    # The 19 Feb pool closed at 21:00:00 on 18 Feb: a reservation of that instant is not in it.
    Reservation.objects.update(created_at=at(2020, 2, 18, 21, 0, 0))
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 20, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Draws it has been in" not in body
    with time_machine.travel(at(2020, 2, 21, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Draws it has been in: Draw #2 (2020-02-21)" in body


def test_a_winner_outside_the_delivery_range_is_sent_to_the_pickup_point(client, chengmen_resident):
    reservation = reserve_at(chengmen_resident, 2020, 2, 18, 19, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.WON, won_at=at(2020, 2, 19, 10, 0)
    )
    client.force_login(chengmen_resident.user)
    with time_machine.travel(at(2020, 2, 19, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2020-02-19 14:00" in body and "2020-02-20 14:00" in body
    assert "pickup point" in body.lower()
    assert reservation.address in body


def test_my_reservation_needs_a_signed_in_person(client, db):
    response = client.get(reverse("me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign_in"))


def _unverified(resident):
    resident.level = "L1"
    resident.save()


def _homeless(resident):
    resident.community = None
    resident.save()


def _holding(resident):
    reserve_at(resident, 2020, 2, 18, 11, 30)


def _won_recently(resident):
    reservation = reserve_at(resident, 2020, 2, 18, 11, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.LAPSED, won_at=at(2020, 2, 19, 10, 0)
    )


@pytest.mark.parametrize(
    ("prepare", "moment", "shown"),
    [
        (_unverified, (2020, 2, 18, 11, 30), "real-name verification"),
        (_homeless, (2020, 2, 18, 11, 30), "enter your home address"),
        (None, (2020, 2, 16, 11, 30), "Reservations open on"),
        (None, (2020, 2, 18, 9, 30), "opens today at 11:00"),
        (_won_recently, (2020, 2, 25, 11, 30), "reserve again from"),
        (_holding, (2020, 2, 18, 11, 40), "already have a reservation"),
    ],
)
def test_every_refusal_is_shown_on_the_page(client, taijiang_resident, prepare, moment, shown):
    if prepare:
        prepare(taijiang_resident)
    before = Reservation.objects.count()
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(*moment), tick=False):
        response = client.post(reverse("reserve"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert Reservation.objects.count() == before


def test_cancelling_without_a_waiting_reservation_is_shown(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    response = client.post(reverse("cancel"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "no waiting reservation to cancel" in response.content.decode()


def test_after_an_order_the_page_shows_where_the_pack_goes(client, chengmen_resident):
    reservation = reserve_at(chengmen_resident, 2020, 2, 18, 19, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.ORDERED, won_at=at(2020, 2, 19, 10, 0)
    )
    client.force_login(chengmen_resident.user)
    with time_machine.travel(at(2020, 2, 19, 15, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your order is placed." in body and "pickup point" in body.lower()


def test_after_the_cooldown_the_page_offers_to_reserve_again(client, taijiang_resident):
    _won_recently(taijiang_resident)
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 25, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "you may reserve again from 2020-02-29" in body
    with time_machine.travel(at(2020, 3, 1, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reserve now" in body and "reserve again from" not in body


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Order one pack in the 永辉生活 app"), ("zh-hans", "在“永辉生活”手机应用下单")],
)
def test_a_winner_is_told_to_order_in_the_named_app(client, taijiang_resident, language, text):
    reservation = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.WON, won_at=at(2020, 2, 19, 10, 0)
    )
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 19, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in body and reservation.address in body

"""Cancelling cannot be undone, so the resident is asked once more, on a page that needs no
script: what happens, that it is final, and when they could reserve again."""

import pytest
import time_machine
from django.urls import reverse

from reservations.models import Reservation, ReservationState
from tests.reservations.conftest import at
from tests.reservations.test_reserving import reserve_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(taijiang_resident):
    return reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)


def page(client, resident, *moment, language="en", method="get", data=None):
    client.force_login(resident.user)
    with time_machine.travel(at(*moment), tick=False):
        call = client.post if method == "post" else client.get
        return call(reverse("cancel"), data or {}, HTTP_ACCEPT_LANGUAGE=language)


def test_my_reservation_links_to_the_confirmation_instead_of_cancelling(
    client, taijiang_resident, waiting
):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="{reverse("cancel")}">Cancel this reservation</a>' in body
    assert f'action="{reverse("cancel")}"' not in body


def test_the_confirmation_page_says_what_happens_and_changes_nothing(
    client, taijiang_resident, waiting
):
    response = page(client, taijiang_resident, 2020, 2, 18, 15, 0)
    body = response.content.decode()
    assert response.status_code == 200
    assert waiting.number_display in body
    assert "leaves the draw" in body and "cannot be undone" in body
    # Taijiang's window is 11:00-13:00 (and all districts 19:00-21:00): next at 19:00 today.
    assert "next opens, at 2020-02-18 19:00" in body
    assert 'name="confirm" value="yes"' in body and "Yes, cancel it" in body
    assert f'href="{reverse("me")}"' in body and "No, keep it" in body
    assert "<script" not in body.split("<main", 1)[-1].split("</main>", 1)[0]
    assert Reservation.objects.get().state == ReservationState.WAITING


def test_inside_the_window_it_says_they_could_reserve_again_until_it_closes(
    client, taijiang_resident, waiting
):
    body = page(client, taijiang_resident, 2020, 2, 18, 12, 0).content.decode()
    assert "right away" in body and "until 13:00" in body


def test_the_confirmation_page_is_in_chinese_too(client, taijiang_resident, waiting):
    body = page(client, taijiang_resident, 2020, 2, 18, 15, 0, language="zh-hans").content
    body = body.decode()
    assert "取消预约" in body and "无法撤销" in body and "2020-02-18 19:00" in body
    assert "确认取消" in body and "保留预约" in body


def test_a_post_without_confirm_yes_shows_the_page_again_and_changes_nothing(
    client, taijiang_resident, waiting
):
    for data in ({}, {"confirm": "no"}, {"confirm": "YES "}):
        response = page(client, taijiang_resident, 2020, 2, 18, 15, 0, method="post", data=data)
        assert response.status_code == 200
        assert "cannot be undone" in response.content.decode()
    assert Reservation.objects.get().state == ReservationState.WAITING


def test_yes_cancels_and_says_so(client, taijiang_resident, waiting):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 15, 0), tick=False):
        response = client.post(
            reverse("cancel"), {"confirm": "yes"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert "Your reservation is cancelled." in response.content.decode()
    assert Reservation.objects.get().state == ReservationState.CANCELLED


def test_after_cancelling_a_new_reservation_gets_a_new_number(client, taijiang_resident, waiting):
    page(client, taijiang_resident, 2020, 2, 18, 12, 0, method="post", data={"confirm": "yes"})
    again = reserve_at(taijiang_resident, 2020, 2, 18, 12, 5)
    assert again.number != waiting.number and again.state == ReservationState.WAITING


def test_without_a_waiting_reservation_the_page_sends_back_with_a_message(
    client, taijiang_resident
):
    client.force_login(taijiang_resident.user)
    response = client.get(reverse("cancel"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == reverse("me")
    assert "no waiting reservation to cancel" in response.content.decode()


def test_a_won_reservation_has_no_confirmation_page(client, taijiang_resident, waiting):
    Reservation.objects.filter(pk=waiting.pk).update(
        state=ReservationState.WON, won_at=at(2020, 2, 19, 10, 0)
    )
    client.force_login(taijiang_resident.user)
    response = client.get(reverse("cancel"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "no waiting reservation to cancel" in response.content.decode()

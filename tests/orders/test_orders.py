"""POST /api/partner/v1/orders and /orders/<id>/status: one pack per win (rule 8)."""

import itertools

import pytest
from django.test import Client

from notifications.models import OutboxMessage
from orders.models import Order
from orders.services import partner_create, partner_revoke
from reservations.models import Reservation
from tests.helpers import at_once
from tests.orders.conftest import (
    CLOSES,
    DURING,
    draw_all,
    order_body,
    partner_post,
    reserve,
)
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


def test_an_eligible_order_is_placed_and_the_win_is_ordered(api, taijiang_winner, at_time):
    at_time(DURING)
    response = api("orders", order_body(taijiang_winner))
    assert response.status_code == 201
    order = Order.objects.get()
    assert response.json() == {
        "order_id": str(order.pk),
        "reservation_number": taijiang_winner.number_display,
        "fulfilment": "delivery",
        "pickup_point": None,
        "delivery_date": "2020-02-19",
        "status": "placed",
    }
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "ordered"
    message = OutboxMessage.objects.get(kind="order_placed")
    assert message.recipient == "+8613800000021"
    assert taijiang_winner.number_display in message.text


def test_a_retry_with_the_same_id_and_body_gets_the_same_answer(api, taijiang_winner, at_time):
    at_time(DURING)
    first = api("orders", order_body(taijiang_winner))
    # The same request, written differently where rule 8 does not care.
    body = order_body(taijiang_winner, address=" " + taijiang_winner.address + "。")
    again = api("orders", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="order_placed").count() == 1


def test_the_same_id_with_another_body_is_a_conflict(api, campaign, at_time):
    mine = make_resident(phone="13800000061", town="苍霞街道", serial=61)
    other = make_resident(phone="13800000062", town="苍霞街道", serial=62)
    first, second = draw_all(reserve(mine), reserve(other))
    at_time(DURING)
    assert api("orders", order_body(first, "X-9")).status_code == 201
    response = api("orders", order_body(second, "X-9"))
    assert response.status_code == 409
    assert response.json()["reason"] == "conflict"
    assert response.json()["message"]
    assert Reservation.objects.get(pk=second.pk).state == "won"


def test_another_partner_may_use_the_same_order_id(api, campaign, at_time):
    mine = make_resident(phone="13800000063", town="苍霞街道", serial=63)
    other = make_resident(phone="13800000064", town="苍霞街道", serial=64)
    first, second = draw_all(reserve(mine), reserve(other))
    _record, other_token = partner_create(name="另一家超市")
    at_time(DURING)
    assert api("orders", order_body(first, "SAME")).status_code == 201
    assert api("orders", order_body(second, "SAME"), token=other_token).status_code == 201


def test_a_second_order_for_the_same_win_is_refused(api, taijiang_winner, at_time):
    at_time(DURING)
    api("orders", order_body(taijiang_winner, "A"))
    response = api("orders", order_body(taijiang_winner, "B"))
    assert response.status_code == 409
    assert response.json()["reason"] == "already_ordered"
    assert Order.objects.count() == 1


def test_ineligible_buyers_get_409_with_the_reason(api, taijiang_winner, at_time):
    at_time(at(2020, 2, 19, 13))
    response = api("orders", order_body(taijiang_winner))
    assert response.status_code == 409
    assert response.json()["reason"] == "window_not_open"
    at_time(CLOSES)
    assert api("orders", order_body(taijiang_winner)).json()["reason"] == "lapsed"
    assert not Order.objects.exists()


@pytest.mark.parametrize("quantity", [0, 2, 10, -1, "1", 1.5, True, None])
def test_one_pack_per_win_any_other_quantity_is_invalid(api, taijiang_winner, at_time, quantity):
    at_time(DURING)
    response = api("orders", order_body(taijiang_winner, quantity=quantity))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "quantity" in response.json()["fields"]
    assert not Order.objects.exists()


def test_a_revoked_or_missing_token_is_unauthorized(api, partner, taijiang_winner, at_time):
    record, _token = partner
    at_time(DURING)
    assert api("verify", order_body(taijiang_winner), token=None).status_code == 401
    assert api("verify", order_body(taijiang_winner), token="wrong").status_code == 401
    partner_revoke(partner=record)
    response = api("orders", order_body(taijiang_winner))
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}
    assert not Order.objects.exists()


def _post_order(token: str, body: dict) -> int:
    """One partner request on a connection of its own, as from another server process."""
    return partner_post(Client(), token, "orders", body).status_code


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_orders_for_one_win_give_exactly_one(
    partner, role_groups, campaign, at_time
):
    resident = make_resident(phone="13800000071", town="苍霞街道", serial=71)
    (win,) = draw_all(reserve(resident))
    _record, token = partner
    ids = itertools.count()
    at_time(DURING)
    outcomes = at_once(50, lambda: _post_order(token, order_body(win, f"RACE-{next(ids)}")))
    assert sorted(outcomes) == ["201"] + ["409"] * 49
    assert Order.objects.count() == 1
    assert Reservation.objects.get(pk=win.pk).state == "ordered"


@pytest.mark.django_db(transaction=True)
def test_the_same_order_sent_many_times_at_once_is_placed_once(
    partner, role_groups, campaign, at_time
):
    resident = make_resident(phone="13800000072", town="苍霞街道", serial=72)
    (win,) = draw_all(reserve(resident))
    _record, token = partner
    at_time(DURING)
    outcomes = at_once(20, lambda: _post_order(token, order_body(win, "ONCE")))
    assert sorted(outcomes) == ["200"] * 19 + ["201"]
    assert Order.objects.count() == 1


# --- status -----------------------------------------------------------------------------------


def _place(api, reservation, order_id="S-1") -> str:
    response = api("orders", order_body(reservation, order_id))
    assert response.status_code == 201
    return response.json()["order_id"]


def test_the_partner_reports_dispatch_and_delivery(api, taijiang_winner, at_time):
    at_time(DURING)
    order_id = _place(api, taijiang_winner)
    response = api(f"orders/{order_id}/status", {"status": "dispatched"})
    assert response.status_code == 200
    assert response.json()["status"] == "dispatched"
    assert api(f"orders/{order_id}/status", {"status": "dispatched"}).status_code == 200
    response = api(f"orders/{order_id}/status", {"status": "delivered"})
    assert response.json()["status"] == "delivered"
    # Delivered home: the reservation ends `delivered` (rule 4), not `collected`.
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "delivered"
    order = Order.objects.get()
    assert order.dispatched_at and order.delivered_at


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], "delivered"),  # deliver before dispatch
        (["dispatched"], "cancelled"),  # cancel after dispatch
        (["cancelled"], "dispatched"),
        (["dispatched", "delivered"], "cancelled"),
    ],
)
def test_an_illegal_step_is_a_conflict(api, taijiang_winner, at_time, steps, illegal):
    at_time(DURING)
    order_id = _place(api, taijiang_winner)
    for step in steps:
        assert api(f"orders/{order_id}/status", {"status": step}).status_code == 200
    response = api(f"orders/{order_id}/status", {"status": illegal})
    assert response.status_code == 409
    assert response.json()["reason"] == "illegal_transition"
    assert Order.objects.get().status == (steps[-1] if steps else "placed")


@pytest.mark.parametrize("status", ["placed", "lost", "", 3, None, ["cancelled"]])
def test_an_unknown_status_is_invalid(api, taijiang_winner, at_time, status):
    at_time(DURING)
    order_id = _place(api, taijiang_winner)
    response = api(f"orders/{order_id}/status", {"status": status})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_another_partners_order_is_not_found(api, taijiang_winner, at_time):
    at_time(DURING)
    order_id = _place(api, taijiang_winner)
    _record, other_token = partner_create(name="另一家超市")
    response = api(f"orders/{order_id}/status", {"status": "cancelled"}, token=other_token)
    assert response.status_code == 404
    for missing in ["999999", "abc", "9" * 40, "１"]:
        assert api(f"orders/{missing}/status", {"status": "cancelled"}).status_code == 404
    assert Order.objects.get().status == "placed"


def test_cancelling_gives_the_win_back_and_it_can_be_ordered_again(api, taijiang_winner, at_time):
    at_time(DURING)
    order_id = _place(api, taijiang_winner, "FIRST")
    response = api(f"orders/{order_id}/status", {"status": "cancelled"})
    assert response.json()["status"] == "cancelled"
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "won"
    verify = api("verify", order_body(taijiang_winner)).json()
    assert verify["eligible"] is True
    again = api("orders", order_body(taijiang_winner, "SECOND"))
    assert again.status_code == 201
    assert again.json()["order_id"] != order_id
    assert Order.objects.filter(status="placed").count() == 1
    # The first id still answers with its (cancelled) order.
    replay = api("orders", order_body(taijiang_winner, "FIRST"))
    assert (replay.status_code, replay.json()["status"]) == (200, "cancelled")


def test_cancelling_after_the_window_lapses_the_win(api, taijiang_winner, at_time):
    from lottery.selectors import stock_packs

    at_time(DURING)
    order_id = _place(api, taijiang_winner)
    stock = stock_packs()
    at_time(CLOSES)
    assert api(f"orders/{order_id}/status", {"status": "cancelled"}).status_code == 200
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "lapsed"
    assert stock_packs() == stock + 1


def test_the_order_and_pickup_sms_go_in_the_language_the_reservation_was_made_in(
    api, campaign, at_time
):
    home = make_resident(phone="13800000095", town="苍霞街道", serial=95)
    away = make_resident(phone="13800000096", town="鼓山镇", serial=96)  # collects from a point
    for resident in (home, away):
        resident.language = "en"  # reserved in English
        resident.save()
    wins = draw_all(reserve(home), reserve(away))
    for resident in (home, away):
        resident.language = "zh-hans"  # then switched the account to Chinese
        resident.save()
    at_time(at(2020, 2, 20, 11, 0))
    for win in wins:
        assert api("orders", order_body(win, f"L-{win.pk}")).status_code == 201
    for kind in ("order_placed", "pickup_notice"):
        message = OutboxMessage.objects.get(kind=kind)
        assert message.language == "en"
        assert message.text.startswith("[Fuzhou Puhui masks]")

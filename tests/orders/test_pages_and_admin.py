"""Residents see their order on "My reservation"; staff see orders in the admin, scoped."""

import pytest
from django.urls import reverse

from tests.orders.conftest import DURING, committee_reserve, draw_all, order_body, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


def test_my_reservation_shows_the_order_and_when_it_comes_home(
    client, api, taijiang_winner, at_time
):
    at_time(DURING)
    order_id = api("orders", order_body(taijiang_winner)).json()["order_id"]
    client.force_login(taijiang_winner.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your order is placed." in page
    assert "placed" in page and "2020-02-19" in page
    assert "Delivered to" in page and taijiang_winner.address in page
    api(f"orders/{order_id}/status", {"status": "dispatched"})
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "dispatched" in page


def test_my_reservation_shows_the_pickup_point_and_its_day(client, api, campaign, at_time):
    resident = make_resident(phone="13800000091", town="鼓山镇", serial=91)
    (win,) = draw_all(reserve(resident))
    at_time(at(2020, 2, 20, 11, 0))
    api("orders", order_body(win))
    client.force_login(resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It reaches the pickup point on 2020-02-20 at 15:00." in page
    from pickup.models import PickupPoint

    point = PickupPoint.objects.get(district__code="jinan")
    assert point.address in page


def test_a_cancelled_order_leaves_the_win_to_order_again(client, api, taijiang_winner, at_time):
    at_time(DURING)
    order_id = api("orders", order_body(taijiang_winner)).json()["order_id"]
    api(f"orders/{order_id}/status", {"status": "cancelled"})
    client.force_login(taijiang_winner.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your order was cancelled" in page
    assert "Congratulations, your number won." in page


def test_a_delivered_pack_is_shown_after_the_reservation_is_done(
    client, api, taijiang_winner, at_time
):
    at_time(DURING)
    order_id = api("orders", order_body(taijiang_winner)).json()["order_id"]
    api(f"orders/{order_id}/status", {"status": "dispatched"})
    api(f"orders/{order_id}/status", {"status": "delivered"})
    client.force_login(taijiang_winner.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "delivered" in page
    assert "Reserve in three steps" in page


@pytest.fixture
def two_orders(api, campaign, committee_staff, at_time):
    """One order for a resident of the committee's community, one for a Chengmen resident."""
    elder = committee_reserve(committee_staff, name="陈伯", serial=1)
    resident = make_resident(phone="13800000092", town="城门镇", serial=92)
    elder, chengmen = draw_all(elder, reserve(resident))
    at_time(DURING)
    api("orders", {**order_body(elder, "C-1"), "reservation_number": elder.number_display})
    api("orders", order_body(chengmen, "C-2"))
    return elder, chengmen


CHANGELIST = "admin:orders_order_changelist"


def test_officials_see_every_order_and_filter_them(client, official, two_orders):
    elder, chengmen = two_orders
    client.force_login(official)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert elder.number_display in page and chengmen.number_display in page
    for query in [
        "fulfilment__exact=pickup",
        "status__exact=placed",
        f"reservation__district__id__exact={chengmen.district_id}",
        "delivery_date__gte=2020-02-20",
    ]:
        response = client.get(reverse(CHANGELIST) + "?" + query)
        assert response.status_code == 200, query
        assert chengmen.number_display in response.content.decode(), query
    filtered = client.get(reverse(CHANGELIST) + "?fulfilment__exact=delivery").content.decode()
    assert elder.number_display in filtered and chengmen.number_display not in filtered


def test_committee_staff_see_only_their_residents_wins_and_orders(
    client, committee_staff, two_orders
):
    elder, chengmen = two_orders
    client.force_login(committee_staff)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert elder.number_display in page
    assert chengmen.number_display not in page
    wins = client.get(
        reverse("admin:reservations_reservation_changelist") + "?state__exact=ordered"
    )
    assert elder.number_display in wins.content.decode()
    assert chengmen.number_display not in wins.content.decode()


def test_pickup_staff_see_the_orders_routed_to_their_point(client, pickup_staff, two_orders):
    elder, chengmen = two_orders
    client.force_login(pickup_staff)  # Cangshan's point, where Chengmen's orders go
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert chengmen.number_display in page and elder.number_display not in page


def test_outsiders_and_residents_see_no_orders(client, outsider, two_orders):
    client.force_login(outsider)
    assert client.get(reverse(CHANGELIST)).status_code == 302


def test_the_csv_export_has_no_personal_data_beyond_the_masked_phone(client, official, two_orders):
    from orders.models import Order

    elder, chengmen = two_orders
    client.force_login(official)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "export_csv",
            "_selected_action": list(Order.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 3
    assert chengmen.number_display in text and elder.number_display in text
    assert "138****0092" in text
    assert "13800000092" not in text
    assert "0591-87010100" not in text and "059*****0100" in text
    assert chengmen.address not in text and "五四路" not in text
    assert "陈伯" not in text and "林小梅" not in text
    assert "城门镇" in text


def test_orders_cannot_be_added_changed_or_deleted_in_the_admin(client, official, two_orders):
    from orders.models import Order

    order = Order.objects.first()
    client.force_login(official)
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
    url = reverse("admin:orders_order_change", args=[order.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "delivered"}).status_code == 403
    order.refresh_from_db()
    assert order.status == "placed"


def test_a_partner_order_id_that_looks_like_a_formula_is_inert_in_the_csv(
    client, api, official, campaign, at_time
):
    from orders.models import Order

    resident = make_resident(phone="13800000093", town="苍霞街道", serial=93)
    (reservation,) = draw_all(reserve(resident))
    at_time(DURING)
    assert api("orders", order_body(reservation, "=HYPERLINK(1)")).status_code == 201
    client.force_login(official)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", "_selected_action": [Order.objects.get().pk]},
    )

    text = response.content.decode("utf-8-sig")
    assert ",'=HYPERLINK(1)," in text
    assert ",=HYPERLINK" not in text

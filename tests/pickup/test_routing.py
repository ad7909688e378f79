"""Rule 9 through the partner API: home delivery inside the range, else the district's pickup
point, and the day the pack arrives there."""

import pytest

from orders.models import Order
from tests.orders.conftest import DURING, body_of, draw_all, order_body, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = {
    "城门镇": "cangshan",
    "盖山镇": "cangshan",
    "螺洲镇": "cangshan",
    "建新镇": "cangshan",
    "鼓山镇": "jinan",
    "宦溪镇": "jinan",
    "寿山乡": "jinan",
    "日溪乡": "jinan",
    "琅岐镇": "mawei",
    "亭江镇": "mawei",
}
IN_RANGE = ["鼓东街道", "苍霞街道", "仓山镇", "新店镇", "马尾镇"]


def test_the_ten_towns_outside_the_range_go_to_their_districts_pickup_point(api, campaign, at_time):
    from pickup.models import PickupPoint

    residents = [
        make_resident(phone=f"1380000{100 + i:04d}", town=town, serial=100 + i)
        for i, town in enumerate(OUT_OF_RANGE)
    ]
    wins = draw_all(*[reserve(resident) for resident in residents])
    at_time(DURING)
    for town, win in zip(OUT_OF_RANGE, wins, strict=True):
        point = PickupPoint.objects.get(district__code=OUT_OF_RANGE[town])
        answer = api("verify", body_of(win)).json()
        assert answer["fulfilment"] == "pickup", town
        assert answer["pickup_point"] == {"name": point.name, "address": point.address}, town


def test_towns_inside_the_range_get_home_delivery(api, campaign, at_time):
    residents = [
        make_resident(phone=f"1380000{200 + i:04d}", town=town, serial=200 + i)
        for i, town in enumerate(IN_RANGE)
    ]
    wins = draw_all(*[reserve(resident) for resident in residents])
    at_time(DURING)
    for town, win in zip(IN_RANGE, wins, strict=True):
        answer = api("verify", body_of(win)).json()
        assert (answer["fulfilment"], answer["pickup_point"]) == ("delivery", None), town


def test_an_official_moving_a_town_out_of_range_reroutes_its_wins(api, campaign, at_time):
    from city.models import Town

    resident = make_resident(phone="13800000301", town="仓山镇", serial=301)
    (win,) = draw_all(reserve(resident))
    Town.objects.filter(name="仓山镇").update(in_delivery_range=False)
    at_time(DURING)
    assert api("verify", body_of(win)).json()["fulfilment"] == "pickup"


@pytest.mark.parametrize(
    ("moment", "arrives"),
    [
        (at(2020, 2, 19, 14, 0, 0), "2020-02-20"),  # the window opens after the cut-off
        (at(2020, 2, 19, 23, 59, 59), "2020-02-20"),
        (at(2020, 2, 20, 11, 59, 59), "2020-02-20"),  # before the cut-off: that day
        (at(2020, 2, 20, 12, 0, 0), "2020-02-21"),  # at the cut-off: the next day
    ],
)
def test_pickup_orders_before_the_cut_off_arrive_that_day_later_ones_the_next(
    api, campaign, at_time, moment, arrives
):
    resident = make_resident(phone="13800000401", town="城门镇", serial=401)
    (win,) = draw_all(reserve(resident))
    at_time(moment)
    response = api("orders", order_body(win))
    assert response.status_code == 201
    assert response.json()["fulfilment"] == "pickup"
    assert response.json()["delivery_date"] == arrives
    assert Order.objects.get().pickup_point.district.code == "cangshan"


def test_the_cut_off_is_the_campaigns(api, campaign, at_time):
    import datetime

    campaign.pickup_cutoff_time = datetime.time(10, 0)
    campaign.save()
    resident = make_resident(phone="13800000402", town="城门镇", serial=402)
    (win,) = draw_all(reserve(resident))
    at_time(at(2020, 2, 20, 10, 0))
    assert api("orders", order_body(win)).json()["delivery_date"] == "2020-02-21"


def test_home_delivery_comes_the_same_day_even_late(api, campaign, at_time):
    resident = make_resident(phone="13800000403", town="苍霞街道", serial=403)
    (win,) = draw_all(reserve(resident))
    at_time(at(2020, 2, 19, 23, 30))
    assert api("orders", order_body(win)).json()["delivery_date"] == "2020-02-19"


def test_a_pickup_order_tells_the_resident_where_and_when(api, campaign, at_time):
    from notifications.models import OutboxMessage

    resident = make_resident(phone="13800000404", town="琅岐镇", serial=404)
    (win,) = draw_all(reserve(resident))
    at_time(at(2020, 2, 20, 9, 0))
    api("orders", order_body(win))
    message = OutboxMessage.objects.get(kind="pickup_notice")
    assert message.recipient == "+8613800000404"
    assert "02-20" in message.text and win.number_display in message.text


def test_a_town_out_of_range_in_a_district_without_a_point_cannot_be_routed(api, campaign, at_time):
    """Gulou has no pickup point: an official who moves one of its towns out of the range must
    add one first. Until then the partner is told, not given a wrong route."""
    from city.models import Town

    resident = make_resident(phone="13800000501", town="鼓东街道", serial=501)
    (win,) = draw_all(reserve(resident))
    Town.objects.filter(name="鼓东街道").update(in_delivery_range=False)
    at_time(DURING)
    response = api("verify", body_of(win))
    assert (response.status_code, response.json()) == (503, {"error": "routing_unavailable"})
    assert api("orders", order_body(win)).status_code == 503
    assert not Order.objects.exists()

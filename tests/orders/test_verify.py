"""POST /api/partner/v1/verify: who may buy, and the first reason when not (rules 6, 8, 10)."""

import pytest

from reservations.models import Reservation
from tests.orders.conftest import (
    CLOSES,
    DURING,
    OPENS,
    body_of,
    committee_reserve,
    draw_all,
    reserve,
)
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


def test_a_winner_inside_the_window_may_buy_one_pack_delivered_home(api, taijiang_winner, at_time):
    at_time(DURING)
    response = api("verify", body_of(taijiang_winner))
    assert response.status_code == 200
    assert response.json() == {
        "eligible": True,
        "reservation_number": taijiang_winner.number_display,
        "pack_size": 10,
        "unit_price": "3.00",
        "fulfilment": "delivery",
        "pickup_point": None,
        "order_deadline": "2020-02-20T14:00:00+08:00",
    }


def test_the_phone_may_be_written_as_people_write_it(api, taijiang_winner, at_time):
    at_time(DURING)
    phone = "+86 138-0000-0021".replace("0021", "００２１")
    assert api("verify", body_of(taijiang_winner, phone=phone)).json()["eligible"] is True


@pytest.mark.parametrize(
    "address",
    [
        "福州市台江区苍霞街道 五四路123号 2座 501室",  # extra spaces
        "福州市台江区苍霞街道五四路１２３号２座５０１室",  # full-width digits
        "福州市台江区苍霞街道五四路123号，2座501室。",  # other punctuation
        "福州市台江区苍霞街道五四路123号-2座(501室)",
        "  福州市台江区苍霞街道五四路123号2座501室\n",
    ],
)
def test_addresses_that_differ_only_in_space_width_punctuation_or_case_match(
    api, campaign, at_time, address
):
    resident = make_resident(phone="13800000031", town="苍霞街道", serial=31)
    (reservation,) = draw_all(reserve(resident))
    at_time(DURING)
    assert api("verify", body_of(reservation, address=address)).json()["eligible"] is True


def test_letter_case_does_not_count_either(api, campaign, at_time):
    resident = make_resident(phone="13800000032", town="苍霞街道", serial=32)
    resident.street_address = "Wusi Road 12号 Block B"
    resident.save()
    (reservation,) = draw_all(reserve(resident))
    at_time(DURING)
    address = reservation.address.replace("Wusi Road 12号 Block B", "WUSI ROAD １２号 block b")
    assert api("verify", body_of(reservation, address=address)).json()["eligible"] is True


@pytest.mark.parametrize(
    "address",
    [
        "福州市台江区苍霞街道五四路123号3座501室",  # another building
        "福州市台江区苍霞街道五四路123号2座502室",  # another room
        "福州市台江区苍霞街道五四路125号2座501室",
        "福州市台江区苍霞街道五四路123号2座501",
    ],
)
def test_any_other_difference_is_an_address_mismatch(api, taijiang_winner, at_time, address):
    at_time(DURING)
    answer = api("verify", body_of(taijiang_winner, address=address)).json()
    assert answer["eligible"] is False
    assert answer["reason"] == "address_mismatch"


def test_an_unknown_phone_has_no_reservation(api, taijiang_winner, at_time):
    at_time(DURING)
    answer = api("verify", body_of(taijiang_winner, phone="13900000000")).json()
    assert answer == {
        "eligible": False,
        "reason": "no_reservation",
        "message": "没有找到这个手机号码的预约。",
    }


def test_messages_follow_accept_language(api, taijiang_winner, at_time):
    at_time(DURING)
    response = api(
        "verify", body_of(taijiang_winner, phone="13900000000"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["message"] == "No reservation was found for this phone number."


def test_a_number_that_is_not_this_phones_finds_no_reservation(api, campaign, at_time):
    first = make_resident(phone="13800000041", town="苍霞街道", serial=41)
    second = make_resident(phone="13800000042", town="苍霞街道", serial=42)
    mine, theirs = draw_all(reserve(first), reserve(second))
    at_time(DURING)
    answer = api("verify", body_of(mine, reservation_number=theirs.number_display)).json()
    assert answer["reason"] == "no_reservation"
    answer = api("verify", body_of(mine, reservation_number=mine.number)).json()
    assert answer["eligible"] is True


def test_a_cancelled_reservation_is_no_reservation(api, campaign, at_time):
    from reservations.services import reservation_cancel

    resident = make_resident(phone="13800000043", town="苍霞街道", serial=43)
    reserve(resident)
    reservation_cancel(resident=resident, now=at(2020, 2, 18, 19, 40))
    at_time(DURING)
    answer = api("verify", {"phone": "13800000043", "address": "福州市"}).json()
    assert answer["reason"] == "no_reservation"


def test_a_waiting_reservation_has_not_won(api, campaign, at_time):
    resident = make_resident(phone="13800000044", town="苍霞街道", serial=44)
    reservation = reserve(resident)
    at_time(DURING)
    assert api("verify", body_of(reservation)).json()["reason"] == "not_won"


def test_before_the_window_opens_and_at_its_close(api, taijiang_winner, at_time):
    at_time(at(2020, 2, 19, 13, 59, 59))
    assert api("verify", body_of(taijiang_winner)).json()["reason"] == "window_not_open"
    at_time(OPENS)
    assert api("verify", body_of(taijiang_winner)).json()["eligible"] is True
    at_time(at(2020, 2, 20, 13, 59, 59))
    assert api("verify", body_of(taijiang_winner)).json()["eligible"] is True
    at_time(CLOSES)  # half-open: the closing instant is out, even before the lapse task ran
    assert api("verify", body_of(taijiang_winner)).json()["reason"] == "lapsed"
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "won"


def test_an_ordered_win_is_already_ordered(api, taijiang_winner, at_time):
    at_time(DURING)
    assert api("orders", {**body_of(taijiang_winner), "partner_order_id": "A1", "quantity": 1})
    answer = api("verify", body_of(taijiang_winner)).json()
    assert answer["reason"] == "already_ordered"
    at_time(CLOSES)  # an ordered win did not lapse
    assert api("verify", body_of(taijiang_winner)).json()["reason"] == "already_ordered"


def test_reasons_are_checked_in_the_contracts_order(api, campaign, committee_staff, at_time):
    """no_reservation, number_required, address_mismatch, not_won, window_not_open, lapsed,
    already_ordered: when several apply, the first one is the answer."""
    waiting_resident = make_resident(phone="13800000051", town="苍霞街道", serial=51)
    winner_resident = make_resident(phone="13800000052", town="苍霞街道", serial=52)
    one = committee_reserve(committee_staff, name="陈伯", serial=1)
    two = committee_reserve(committee_staff, name="林婆", serial=2)
    winner, *_ = draw_all(reserve(winner_resident), one, two)
    waiting = reserve(waiting_resident)  # after the draw: waiting for the next one
    wrong = "福州市别的地方1号"

    at_time(at(2020, 2, 19, 12))  # before the window opens
    # Unknown phone beats a wrong address.
    assert api("verify", {"phone": "13900000009", "address": wrong}).json()["reason"] == (
        "no_reservation"
    )
    # A committee phone without a number beats a wrong address.
    answer = api("verify", {"phone": one.phone, "address": wrong}).json()
    assert answer["reason"] == "number_required"
    # A wrong address beats not having won.
    assert api("verify", body_of(waiting, address=wrong)).json()["reason"] == "address_mismatch"
    assert api("verify", body_of(waiting)).json()["reason"] == "not_won"
    # A wrong address beats a window not open yet.
    assert api("verify", body_of(winner, address=wrong)).json()["reason"] == "address_mismatch"
    assert api("verify", body_of(winner)).json()["reason"] == "window_not_open"
    at_time(DURING)
    api("orders", {**body_of(winner), "partner_order_id": "O-1", "quantity": 1})
    assert api("verify", body_of(winner, address=wrong)).json()["reason"] == "address_mismatch"
    assert api("verify", body_of(winner)).json()["reason"] == "already_ordered"
    at_time(CLOSES)
    body = body_of(two, reservation_number=two.number_display)
    assert api("verify", body).json()["reason"] == "lapsed"


def test_a_committee_phone_needs_the_reservation_number(api, campaign, committee_staff, at_time):
    one = committee_reserve(committee_staff, name="陈伯", serial=1)
    two = committee_reserve(committee_staff, name="林婆", serial=2)
    draw_all(one, two)
    at_time(DURING)
    # The committee's phone and address stand for the residents' (rule 10).
    assert one.phone == two.phone == "0591-87010100"
    assert one.address == "福州市鼓楼区鼓东街道庆城社区居委会"
    without = api("verify", {"phone": "0591 8701 0100", "address": one.address}).json()
    assert without["reason"] == "number_required"
    for reservation in (one, two):
        answer = api(
            "verify",
            {
                "phone": "(0591) 87010100",
                "address": one.address,
                "reservation_number": reservation.number_display,
            },
        ).json()
        assert answer["eligible"] is True
        assert answer["reservation_number"] == reservation.number_display
        assert answer["fulfilment"] == "delivery"  # the committee's town is in range


def test_a_committee_phone_serving_one_reservation_needs_no_number(
    api, campaign, committee_staff, at_time
):
    (one,) = draw_all(committee_reserve(committee_staff, name="陈伯", serial=1))
    at_time(DURING)
    answer = api("verify", {"phone": "0591-87010100", "address": one.address}).json()
    assert answer["eligible"] is True
    assert answer["reservation_number"] == one.number_display


def test_verify_asks_the_database_twice(
    api, taijiang_winner, at_time, django_assert_max_num_queries
):
    """The partner's token, then one statement for the buyer's reservations, their draw's
    window, their point and the campaign's terms (plus its PREPARE on a new connection)."""
    at_time(DURING)
    api("verify", body_of(taijiang_winner))  # a process's first request reads the committees
    with django_assert_max_num_queries(3):
        assert api("verify", body_of(taijiang_winner)).json()["eligible"] is True


def test_a_committee_mobile_that_someone_also_reserves_with_serves_both(
    api, campaign, committee_staff, at_time
):
    from city.models import Community

    # Rule 10 lets a committee's phone be a mobile; here a staff member also reserves with it.
    Community.objects.filter(pk=committee_staff.community_id).update(phone="13800000041")
    committee_staff.community.refresh_from_db()
    own = reserve(make_resident(phone="13800000041", town="苍霞街道", serial=41))
    theirs = committee_reserve(committee_staff, name="陈伯", serial=1)
    draw_all(own, theirs)
    at_time(DURING)

    def verify(reservation=None, address=own.address):
        body = {"phone": "138 0000 0041", "address": address}
        if reservation is not None:
            body["reservation_number"] = reservation.number_display
        return api("verify", body).json()

    assert verify()["reason"] == "number_required"
    assert verify(own)["eligible"] is True
    assert verify(theirs, address=theirs.address)["eligible"] is True


def test_a_committee_phone_an_official_changed_stops_serving_once_the_index_is_rebuilt(
    api, campaign, committee_staff, at_time
):
    from city.models import Community
    from orders.selectors import committee_phones_forget

    (one,) = draw_all(committee_reserve(committee_staff, name="陈伯", serial=1))
    at_time(DURING)
    body = {"phone": "0591-87010100", "address": one.address}
    assert api("verify", body).json()["eligible"] is True
    Community.objects.filter(pk=committee_staff.community_id).update(phone="0591-87019999")
    # This process keeps its index a while: the partner's hottest path reads no communities.
    assert api("verify", body).json()["eligible"] is True
    committee_phones_forget()
    assert api("verify", body).json()["reason"] == "no_reservation"


def test_the_index_of_committee_phones_is_rebuilt_after_its_lifetime(committee_staff):
    from city.models import Community
    from orders.selectors import CommitteePhones

    now = [1000.0]
    phones = CommitteePhones(ttl=60, clock=lambda: now[0])
    community = committee_staff.community_id
    assert community in phones.communities("059187010100")
    Community.objects.filter(pk=community).update(phone="0591-87019999")
    now[0] += 60
    assert community in phones.communities("059187010100")  # kept for its whole lifetime
    now[0] += 1
    assert phones.communities("059187010100") == []
    assert phones.communities("059187019999") == [community]

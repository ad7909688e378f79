"""Committee staff's pages for the residents they registered (rule 10, issue 13): "my
community's wins" and the printable slip, through the admin over HTTP."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from city import roles
from city.models import Community
from reservations.models import Reservation, User
from tests.orders.conftest import (  # noqa: F401 - fixtures
    DURING,
    api,
    at_time,
    committee_reserve,
    draw_all,
    order_body,
    reserve,
)
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

WINS = reverse("admin:reservations_committeewin_changelist")


def slip_url(reservation_or_resident) -> str:
    resident_id = getattr(reservation_or_resident, "resident_id", reservation_or_resident.pk)
    return reverse("admin:reservations_committeewin_slip", args=[resident_id])


@pytest.fixture
def other_committee_staff(role_groups, fuzhou):
    community = Community.objects.filter(town__name="城门镇").first()
    user = User.objects.create_user(
        username="other", password="pw", is_staff=True, community=community
    )
    user.groups.add(Group.objects.get(name=roles.COMMITTEE_STAFF))
    return user


@pytest.fixture
def wins(campaign, committee_staff, other_committee_staff):
    """Two wins of residents the committee registered, one win of a resident of the same
    community who signed up herself, one of another committee's resident; one waiting."""
    elder = committee_reserve(committee_staff, name="陈阿婆", serial=1)
    second = committee_reserve(committee_staff, name="林伯", serial=2)
    neighbour = reserve(make_resident(phone="13800000031", town="鼓东街道", serial=31))
    elsewhere = committee_reserve(other_committee_staff, name="黄奶奶", serial=3)
    drawn = draw_all(elder, second, neighbour, elsewhere)
    waiting = committee_reserve(committee_staff, name="王婆婆", serial=4)
    return (*drawn, waiting)


def rows(response) -> list[Reservation]:
    return list(response.context["cl"].result_list)


def test_committee_staff_list_their_community_s_committee_wins_only(client, committee_staff, wins):
    elder, second, neighbour, elsewhere, waiting = wins
    client.force_login(committee_staff)
    response = client.get(WINS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert {r.pk for r in rows(response)} == {elder.pk, second.pk}
    page = response.content.decode()
    assert "My community&#x27;s wins" in page
    for absent in (neighbour, elsewhere, waiting):
        assert absent.number_display not in page


def test_each_line_says_what_the_committee_needs_to_order_and_hand_on(
    client, committee_staff, wins
):
    elder = wins[0]
    client.force_login(committee_staff)
    page = client.get(WINS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert elder.number_display in page
    assert "陈*婆" in page and "陈阿婆" not in page  # masked names
    assert "02-19 14:00 – 02-20 14:00" in page  # the purchase window
    assert "not ordered yet" in page
    assert f"phone 0591-87010100, reservation number {elder.number_display}" in page
    assert slip_url(elder) in page


def test_the_order_s_state_shows_once_the_partner_orders(
    client,
    api,  # noqa: F811 - the fixture, imported above
    committee_staff,
    wins,
    at_time,  # noqa: F811 - the fixture, imported above
):
    elder = wins[0]
    at_time(DURING)
    body = {**order_body(elder, "C-1"), "reservation_number": elder.number_display}
    assert api("orders", body).status_code == 201
    client.force_login(committee_staff)
    response = client.get(WINS, HTTP_ACCEPT_LANGUAGE="en")
    line = next(r for r in rows(response) if r.pk == elder.pk)
    assert line.order_status == "placed"
    assert response.context["cl"].model_admin.order_state(line) == "placed"


def test_a_win_shows_the_moment_it_is_drawn_before_settling(client, campaign, committee_staff):
    (elder,) = draw_all(committee_reserve(committee_staff, name="陈阿婆", serial=1), settle=False)
    client.force_login(committee_staff)
    response = client.get(WINS, HTTP_ACCEPT_LANGUAGE="en")
    (line,) = rows(response)
    assert line.pk == elder.pk
    assert response.context["cl"].model_admin.win_state(line) == "won"


def test_officials_see_every_community_s_committee_wins(client, official, wins):
    elder, second, _neighbour, elsewhere, _waiting = wins
    client.force_login(official)
    response = client.get(WINS)
    assert {r.pk for r in rows(response)} == {elder.pk, second.pk, elsewhere.pk}


def test_pickup_staff_and_notaries_have_no_wins_list(client, pickup_staff, notary, wins):
    for who in (pickup_staff, notary):
        client.force_login(who)
        assert client.get(WINS).status_code == 403


def test_the_list_cannot_be_changed_or_probed(client, committee_staff, wins):
    client.force_login(committee_staff)
    assert client.get(WINS + "?resident__name__startswith=陈").status_code == 400
    change = reverse("admin:reservations_committeewin_change", args=[wins[0].pk])
    assert client.post(change, {"state": "cancelled"}).status_code == 403
    assert Reservation.objects.get(pk=wins[0].pk).state == "won"


# --- the slip ---------------------------------------------------------------------------------


def test_the_slip_after_registration_says_who_and_how_they_will_be_told(
    client, campaign, committee_staff
):
    from reservations.services import committee_resident_register
    from tests.reservations.conftest import resident_id

    resident = committee_resident_register(
        staff=committee_staff,
        name="陈阿婆",
        document_type="resident_id",
        document_number=resident_id("35010219400101001"),
        category="elderly_alone",
        now=at(2020, 2, 18, 9),
    )
    client.force_login(committee_staff)
    change = reverse("admin:reservations_resident_change", args=[resident.pk])
    assert slip_url(resident) in client.get(change).content.decode()  # linked from their page

    response = client.get(slip_url(resident), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert "陈阿婆" in page
    assert committee_staff.community.name_en in page  # the committee, in the page's language
    assert "No reservation yet" in page
    assert "Your committee will tell you: it sees the results in the administration." in page
    assert "Your committee: 0591-87010100" in page


def test_the_slip_before_the_draw_gives_the_number_and_no_win_yet(
    client, campaign, committee_staff
):
    elder = committee_reserve(committee_staff, name="陈阿婆", serial=1)
    client.force_login(committee_staff)
    page = client.get(slip_url(elder), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert elder.number_display in page
    assert "Not yet. The reservation takes part in every draw until it wins." in page
    assert "Delivered to your committee" in page  # 鼓东街道 is inside the delivery range
    assert "purchase window" not in page


def test_the_slip_after_the_draw_says_it_won_when_to_buy_and_who_tells_them(
    client, campaign, committee_staff
):
    Community.objects.filter(pk=committee_staff.community_id).update(sms_phone="13900001111")
    (elder,) = draw_all(committee_reserve(committee_staff, name="陈阿婆", serial=1))
    client.force_login(committee_staff)
    page = client.get(slip_url(elder), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Yes, this number won." in page
    assert "2020-02-19 10:00" in page  # the draw it was in
    assert "From 2020-02-19 14:00 until 2020-02-20 14:00" in page
    assert "receives the results by SMS (at 139****1111)" in page
    assert f"Delivered to your committee: {elder.address}" in page


def test_the_slip_of_an_out_of_range_committee_names_the_pickup_point(
    client, campaign, other_committee_staff
):
    (elder,) = draw_all(committee_reserve(other_committee_staff, name="黄奶奶", serial=3))
    client.force_login(other_committee_staff)
    page = client.get(slip_url(elder), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To the pickup point" in page  # 城门镇 is outside the range: Cangshan's point


def test_the_slip_is_printed_in_chinese_by_default(client, campaign, committee_staff):
    elder = committee_reserve(committee_staff, name="陈阿婆", serial=1)
    client.force_login(committee_staff)
    page = client.get(slip_url(elder)).content.decode()
    assert "普惠口罩：预约凭条" in page
    assert "尚未中签" in page


def test_another_committee_and_self_registered_residents_have_no_slip_here(
    client, committee_staff, wins
):
    elder, _second, neighbour, elsewhere, _waiting = wins
    client.force_login(committee_staff)
    assert client.get(slip_url(elsewhere)).status_code == 404
    assert client.get(slip_url(neighbour)).status_code == 404
    assert client.get(slip_url(elder)).status_code == 200


def test_officials_may_print_any_committee_s_slip_pickup_staff_none(
    client, official, pickup_staff, wins
):
    elsewhere = wins[3]
    client.force_login(official)
    assert client.get(slip_url(elsewhere)).status_code == 200
    client.force_login(pickup_staff)
    assert client.get(slip_url(elsewhere)).status_code == 403

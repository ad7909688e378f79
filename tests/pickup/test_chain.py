"""The hand-over chain, as staff record it in the admin: the batch's receipt, the town, the
committee, the resident; who did each step and when; refusals that change nothing."""

from dataclasses import astuple

import pytest
from django.urls import reverse

from notifications.models import OutboxMessage
from pickup.models import ParcelStep
from pickup.selectors import parcel_counts
from reservations.models import Reservation
from tests.orders.conftest import committee_reserve, draw_all, order_body
from tests.pickup.helpers import batch_url, numbers, order, parcel, post, state, status, winners
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

MORNING = at(2020, 2, 20, 9, 0)
PARCELS = "/admin/pickup/parcel/"


def _committee_step(client, step: str, text: str = ""):
    return post(client, reverse("admin:pickup_parcel_step"), step=step, numbers=text)


def test_a_pack_is_followed_from_the_order_to_collected_each_step_saying_who_and_when(
    client, api, campaign, at_time, pickup_staff, linpu_committee
):
    win, neighbour = winners(("城门镇", "林浦村"), ("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "A-1")
    order(api, neighbour, "A-2")
    batch = parcel(win).batch

    client.force_login(pickup_staff)
    page = post(client, batch_url(batch, "receive"), missing="").content.decode()
    assert "Received: 2 parcels at the point, 0 missing." in page
    assert state(win) == "at_point"
    batch.refresh_from_db()
    assert batch.received_by == pickup_staff and batch.received_at == MORNING
    town = parcel(win).town_id
    page = post(client, batch_url(batch, "step"), step="to_town", town=town).content.decode()
    assert "recorded for 2 parcels" in page
    assert state(win) == state(neighbour) == "at_town"

    client.force_login(linpu_committee)
    listing = client.get(PARCELS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert win.number_display in listing and neighbour.number_display in listing
    page = _committee_step(client, "to_committee").content.decode()  # the whole community
    assert "recorded for 2 parcels" in page
    assert state(win) == "at_committee"
    page = _committee_step(client, "collect", numbers(win)).content.decode()
    assert "recorded for 1 parcels" in page
    assert state(win) == "collected" and state(neighbour) == "at_committee"
    assert Reservation.objects.get(pk=win.pk).state == "collected"
    assert Reservation.objects.get(pk=neighbour.pk).state == "ordered"

    steps = list(
        ParcelStep.objects.filter(parcel=parcel(win)).values_list("source", "target", "by")
    )
    assert steps == [
        ("", "awaiting", None),  # placed with the partner's order
        ("awaiting", "at_point", pickup_staff.pk),
        ("at_point", "at_town", pickup_staff.pk),
        ("at_town", "at_committee", linpu_committee.pk),
        ("at_committee", "collected", linpu_committee.pk),
    ]
    assert {step.at for step in ParcelStep.objects.filter(parcel=parcel(win))} == {MORNING}


def test_the_resident_sees_where_the_pack_is_each_steps_time_and_where_to_collect(
    client, api, campaign, at_time, pickup_staff, linpu_committee
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "R-1")
    client.force_login(win.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Where your pack is" in page and "awaiting delivery to the point" in page
    batch = parcel(win).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    at_time(at(2020, 2, 20, 16, 30))
    post(client, batch_url(batch, "step"), step="to_town", numbers=numbers(win))
    client.force_login(win.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Now: <strong>at the town government</strong>" in page
    assert "2020-02-20 09:00" in page and "2020-02-20 16:30" in page
    assert "Linpu Village" in page and "福州市仓山区城门镇林浦村村委会" in page
    assert "Please collect it by 2020-02-27." in page  # 7 days after it reached the point
    client.force_login(linpu_committee)
    _committee_step(client, "to_committee")
    _committee_step(client, "collect", numbers(win))
    client.force_login(win.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Now: <strong>collected</strong>" in page
    assert "Your last reservation" in page  # done: the resident may reserve again later


def test_a_town_that_collects_at_the_point_skips_the_town_and_the_committee(
    client, api, campaign, at_time, pickup_staff
):
    gaishan, chengmen = winners(("盖山镇", "阳岐村"), ("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, gaishan, "P-1")
    order(api, chengmen, "P-2")
    # The order's SMS already says where to collect: at the point, or through the committee.
    notices = dict(
        OutboxMessage.objects.filter(kind="pickup_notice").values_list("recipient", "text")
    )
    assert "请凭中签号到该处领取" in notices[f"+86{gaishan.phone}"]
    assert "委会转交" in notices[f"+86{chengmen.phone}"]
    batch = parcel(gaishan).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    # Its arrival at the point is the SMS; the other town's comes at its committee.
    ready = OutboxMessage.objects.filter(kind="parcel_ready")
    assert [m.recipient for m in ready] == [f"+86{gaishan.phone}"]
    page = post(
        client, batch_url(batch, "step"), step="to_town", numbers=numbers(gaishan)
    ).content.decode()
    assert "is collected at the pickup point, not through the town" in page
    page = post(
        client, batch_url(batch, "step"), step="collect_at_point", numbers=numbers(chengmen)
    ).content.decode()
    assert "goes through the town and the committee" in page
    assert state(gaishan) == state(chengmen) == "at_point"
    post(client, batch_url(batch, "step"), step="collect_at_point", numbers=numbers(gaishan))
    assert state(gaishan) == "collected"
    assert Reservation.objects.get(pk=gaishan.pk).state == "collected"
    # The whole town's hand-over to the town leaves Gaishan's parcels alone.
    post(client, batch_url(batch, "step"), step="to_town", town=parcel(chengmen).town_id)
    assert state(chengmen) == "at_town"


NOT_AT_POINT = "is awaiting delivery to the point, not at the pickup point."


@pytest.mark.parametrize(
    ("typed", "in_town", "why"),
    [
        ("1234", True, "is not a winning number (8 digits)"),
        ("{other_batch}", False, "{other_batch} is not in this batch."),
        ("{other_town}", True, "{other_town} is not a parcel of this town in this batch."),
        ("{awaiting}", True, "{awaiting} " + NOT_AT_POINT),
        ("{good}\n{awaiting}", True, "{awaiting} " + NOT_AT_POINT),  # all or nothing
        ("{good}, 99999999", False, "99999999 is not in this batch."),
    ],
)
def test_a_wrong_number_is_refused_with_why_and_nothing_changes(
    client, api, campaign, at_time, pickup_staff, typed, in_town, why
):
    good, awaiting, other_town, other_batch = winners(
        ("城门镇", "林浦村"), ("城门镇", "胪雷村"), ("盖山镇", None), ("城门镇", "城门村")
    )
    at_time(at(2020, 2, 19, 15, 0))
    order(api, other_batch, "W-0")  # 19 Feb after the cut-off: 20 Feb's batch
    at_time(at(2020, 2, 20, 12, 30))
    for i, win in enumerate([good, awaiting, other_town]):
        order(api, win, f"W-{i + 1}")  # after the cut-off: 21 Feb's batch
    batch = parcel(good).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing=numbers(awaiting))
    assert (state(good), state(awaiting)) == ("at_point", "awaiting")
    shown = {
        "good": good.number_display,
        "awaiting": awaiting.number_display,
        "other_town": other_town.number_display,
        "other_batch": other_batch.number_display,
    }
    before = ParcelStep.objects.count()
    form = {"step": "to_town", "numbers": typed.format(**shown)}
    if in_town:
        form["town"] = good.town_id
    page = post(client, batch_url(batch, "step"), **form).content.decode()
    assert why.format(**shown) in page and "Nothing was recorded." in page
    assert ParcelStep.objects.count() == before
    assert (state(good), state(awaiting), state(other_town)) == ("at_point", "awaiting", "at_point")


def test_committee_staff_are_refused_parcels_of_another_community_and_do_not_see_them(
    client, api, campaign, at_time, pickup_staff, committee_staff, linpu_committee
):
    linpu, lulei = winners(("城门镇", "林浦村"), ("城门镇", "胪雷村"))
    at_time(MORNING)
    order(api, linpu, "S-1")
    order(api, lulei, "S-2")
    batch = parcel(linpu).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    post(client, batch_url(batch, "step"), step="to_town", town=linpu.town_id)
    client.force_login(linpu_committee)
    listing = client.get(PARCELS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert linpu.number_display in listing and lulei.number_display not in listing
    page = _committee_step(client, "to_committee", numbers(lulei)).content.decode()
    assert "is not a parcel of this community." in page
    another = reverse("admin:pickup_parcel_change", args=[parcel(lulei).pk])
    assert client.get(another).status_code == 302  # "does not exist", back to the index
    # The whole community's step moves its own parcels only.
    _committee_step(client, "to_committee")
    assert (state(linpu), state(lulei)) == ("at_committee", "at_town")
    # A committee elsewhere (Gulou's persona) sees none of them, and moves none.
    client.force_login(committee_staff)
    assert linpu.number_display not in client.get(PARCELS).content.decode()
    assert "is not a parcel of this community." in (
        _committee_step(client, "collect", numbers(linpu)).content.decode()
    )
    assert state(linpu) == "at_committee"
    # Committee staff record only their two steps; pickup staff not theirs.
    assert client.post(reverse("admin:pickup_parcel_step"), {"step": "to_town"}).status_code == 403
    client.force_login(pickup_staff)
    assert client.post(reverse("admin:pickup_parcel_step"), {"step": "collect"}).status_code == 403


def test_the_arrival_sms_goes_once_when_the_parcel_reaches_the_committee(
    client, api, campaign, at_time, pickup_staff, linpu_committee
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "M-1")
    batch = parcel(win).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    post(client, batch_url(batch, "step"), step="to_town", town=win.town_id)
    assert not OutboxMessage.objects.filter(kind="parcel_ready").exists()
    client.force_login(linpu_committee)
    _committee_step(client, "to_committee")
    page = _committee_step(client, "to_committee").content.decode()  # again: nothing to move
    assert "No parcel here is at the town government" in page
    (message,) = OutboxMessage.objects.filter(kind="parcel_ready")
    assert message.recipient == f"+86{win.phone}"
    assert message.dedupe_key == f"parcel-ready:{parcel(win).pk}"
    assert win.number_display in message.text and "林浦村" in message.text
    assert "02-27" in message.text  # collect within the point's 7 days


def test_missing_parcels_stay_awaiting_and_a_reported_delivery_makes_a_discrepancy(
    client, api, campaign, at_time, pickup_staff, official
):
    reported, later, fine = winners(("城门镇", "林浦村"), ("城门镇", "胪雷村"), ("城门镇", None))
    at_time(MORNING)
    ids = {win.pk: order(api, win, f"X-{i}") for i, win in enumerate([reported, later, fine])}
    status(api, ids[reported.pk], "dispatched", "delivered")  # the partner: arrived
    assert state(reported) == "at_point"
    batch = parcel(fine).batch
    client.force_login(pickup_staff)
    page = post(
        client, batch_url(batch, "receive"), missing=numbers(reported, later)
    ).content.decode()
    assert "Received: 1 parcels at the point, 2 missing." in page
    assert (state(reported), state(later), state(fine)) == ("awaiting", "awaiting", "at_point")
    assert parcel(reported).missing and parcel(later).missing
    assert astuple(parcel_counts(now=MORNING)) == (0, 1, 2)  # overdue, discrepancies, missing
    # The partner reports the other one delivered too: the staff's count stands.
    status(api, ids[later.pk], "dispatched", "delivered")
    assert state(later) == "awaiting" and parcel_counts(now=MORNING).discrepancies == 2
    client.force_login(official)
    listing = client.get("/admin/pickup/batch/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "reported delivered by the partner but missing: 2" in listing
    # Found at the point later: it arrives.
    client.force_login(pickup_staff)
    page = post(client, batch_url(batch, "found"), numbers=numbers(reported)).content.decode()
    assert "Found: 1 parcels at the point." in page
    assert state(reported) == "at_point" and not parcel(reported).missing
    assert parcel_counts(now=MORNING).discrepancies == 1
    # The receipt is once a day.
    page = post(client, batch_url(batch, "receive"), missing="").content.decode()
    assert "confirmed as received already" in page


def test_officials_read_batches_and_parcels_but_record_no_step(
    client, api, campaign, at_time, official
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "O-1")
    batch = parcel(win).batch
    client.force_login(official)
    assert client.get(batch_url(batch)).status_code == 200
    assert client.get(PARCELS).status_code == 200
    assert client.post(batch_url(batch, "receive"), {"missing": ""}).status_code == 403
    assert client.post(batch_url(batch, "step"), {"step": "to_town"}).status_code == 403
    assert state(win) == "awaiting"


def test_parcels_not_collected_in_time_are_flagged_and_counted(
    client, api, campaign, at_time, pickup_staff, linpu_committee
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "T-1")
    batch = parcel(win).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    assert parcel_counts(now=at(2020, 2, 27, 8, 59)).overdue == 0
    at_time(at(2020, 2, 27, 9, 1))
    assert parcel_counts(now=at(2020, 2, 27, 9, 1)).overdue == 1
    client.force_login(pickup_staff)  # a week later: a new session
    assert (
        "not collected in time"
        in client.get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    client.force_login(linpu_committee)
    assert not linpu_committee.is_superuser
    overdue = client.get(PARCELS + "?overdue=yes", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert win.number_display in overdue


def test_a_cancelled_order_withdraws_its_parcel_and_a_new_order_places_it_again(
    api, campaign, at_time
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(at(2020, 2, 19, 15, 0))
    first = order(api, win, "K-1")
    status(api, first, "cancelled")
    assert state(win) == "withdrawn"
    at_time(at(2020, 2, 20, 12, 30))
    order(api, win, "K-2")
    assert state(win) == "awaiting"
    assert f"{parcel(win).batch.delivery_date:%m-%d}" == "02-21"
    targets = list(ParcelStep.objects.values_list("target", flat=True))
    assert targets == ["awaiting", "withdrawn", "awaiting"]


def test_a_home_delivery_delivered_makes_the_reservation_delivered_and_has_no_parcel(
    client, api, taijiang_winner, at_time
):
    at_time(MORNING)
    order_id = order(api, taijiang_winner, "H-1")
    status(api, order_id, "dispatched", "delivered")
    assert Reservation.objects.get(pk=taijiang_winner.pk).state == "delivered"
    assert not ParcelStep.objects.exists()
    client.force_login(taijiang_winner.resident.user)
    page = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Delivered home" in page and "delivered home" in page


@pytest.mark.parametrize("sms_phone", ["", "13900000077"])
def test_a_resident_registered_by_the_committee_is_told_through_the_committees_mobile(
    client, api, campaign, at_time, pickup_staff, linpu_committee, sms_phone
):
    """Their phone is the committee's line: the arrival SMS goes to the committee's mobile for
    messages; without one the outbox refuses the line and records why, and the committee sees
    where the pack is in its wins list (pickup.services.parcel_ready_recipient)."""
    community = linpu_committee.community
    community.sms_phone = sms_phone
    community.save(update_fields=["sms_phone"])
    elder = committee_reserve(linpu_committee, name="陈伯", serial=7)
    (elder,) = draw_all(elder)
    at_time(MORNING)
    response = api(
        "orders", {**order_body(elder, "E-1"), "reservation_number": elder.number_display}
    )
    assert response.status_code == 201
    batch = parcel(elder).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="")
    post(client, batch_url(batch, "step"), step="to_town", town=elder.town_id)
    client.force_login(linpu_committee)
    _committee_step(client, "to_committee")
    assert state(elder) == "at_committee"
    (message,) = OutboxMessage.objects.filter(kind="parcel_ready")
    if sms_phone:
        assert (message.recipient, message.state) == ("+86" + sms_phone, "queued")
    else:
        assert (message.recipient, message.state) == (community.phone, "refused")
    wins = client.get(
        reverse("admin:reservations_committeewin_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert elder.number_display in wins and "at the committee" in wins

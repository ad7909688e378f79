"""The daily batch: which parcels join it (rule 9's cut-off), its pages and its manifest, seen by
the point's own staff only."""

import csv
import io

import pytest

from pickup.models import Batch, Parcel
from tests.pickup.helpers import batch_url, order, parcel, winners
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db


def test_orders_before_the_cut_off_join_that_days_batch_and_later_ones_the_next_days(
    api, campaign, at_time
):
    early, edge, late, other_day = winners(
        ("城门镇", "林浦村"), ("城门镇", "胪雷村"), ("盖山镇", None), ("城门镇", "林浦村")
    )
    at_time(at(2020, 2, 19, 14, 0, 0))  # the window opens after the day's cut-off
    order(api, other_day, "B-0")
    at_time(at(2020, 2, 20, 11, 59, 59))
    order(api, early, "B-1")
    at_time(at(2020, 2, 20, 12, 0, 0))
    order(api, edge, "B-2")
    order(api, late, "B-3")
    days = {win.pk: f"{parcel(win).batch.delivery_date:%m-%d}" for win in [early, edge, late]}
    assert days == {early.pk: "02-20", edge.pk: "02-21", late.pk: "02-21"}
    assert parcel(other_day).batch == parcel(early).batch  # 19 Feb after 12:00: 20 Feb's
    # One batch per point and day, made by its first parcel.
    dates = Batch.objects.order_by("delivery_date").values_list("delivery_date", flat=True)
    assert [f"{day:%m-%d}" for day in dates] == ["02-20", "02-21"]
    assert {p.state for p in Parcel.objects.all()} == {"awaiting"}


def test_each_point_has_its_own_batch_of_the_day(api, campaign, at_time):
    cangshan, jinan = winners(("城门镇", None), ("鼓山镇", None))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, cangshan, "C-1")
    order(api, jinan, "C-2")
    assert parcel(cangshan).batch != parcel(jinan).batch
    assert parcel(jinan).batch.point.district.code == "jinan"


def test_pickup_staff_list_their_points_batches_with_counts_and_open_one_per_town(
    client, api, campaign, at_time, pickup_staff
):
    first, second, jinan = winners(("城门镇", "林浦村"), ("盖山镇", None), ("鼓山镇", None))
    at_time(at(2020, 2, 20, 9, 0))
    for i, win in enumerate([first, second, jinan]):
        order(api, win, f"D-{i}")
    client.force_login(pickup_staff)
    listing = client.get("/admin/pickup/batch/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "2020-02-20" in page and "Cangshan District mask pickup point" in page
    assert batch_url(parcel(first).batch) in page
    assert batch_url(parcel(jinan).batch) not in page  # another point's batch is not listed
    batch = parcel(first).batch
    detail = client.get(f"/admin/pickup/batch/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Chengmen Town" in text and "Gaishan Town" in text and "Linpu Village" in text
    assert first.number_display in text and second.number_display in text
    assert "residents collect at the point" in text  # Gaishan, in the seed


def test_staff_of_another_point_get_404_for_the_batch_its_manifest_and_csv(
    client, api, campaign, at_time, jinan_pickup_staff
):
    (win,) = winners(("城门镇", None))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, win, "E-1")
    batch = parcel(win).batch
    client.force_login(jinan_pickup_staff)
    for url in [batch_url(batch), batch_url(batch, "manifest"), batch_url(batch, "manifest_csv")]:
        assert client.get(url).status_code == 404, url
    assert client.post(batch_url(batch, "receive"), {"missing": ""}).status_code == 404
    assert client.post(batch_url(batch, "step"), {"step": "to_town"}).status_code == 404
    assert parcel(win).state == "awaiting"


def test_committee_staff_and_residents_do_not_open_batches(
    client, api, campaign, at_time, linpu_committee
):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, win, "F-1")
    client.force_login(linpu_committee)
    assert client.get(batch_url(parcel(win).batch)).status_code == 403
    client.force_login(win.resident.user)
    assert client.get(batch_url(parcel(win).batch)).status_code == 302  # to the staff sign-in


def test_the_manifest_is_grouped_by_town_then_community_one_community_per_printed_page(
    client, api, campaign, at_time, pickup_staff
):
    wins = winners(
        ("盖山镇", "阳岐村"), ("城门镇", "胪雷村"), ("城门镇", "林浦村"), ("城门镇", "林浦村")
    )
    at_time(at(2020, 2, 20, 9, 0))
    for i, win in enumerate(wins):
        order(api, win, f"G-{i}")
    client.force_login(pickup_staff)
    response = client.get(batch_url(parcel(wins[0]).batch, "manifest"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    # Three communities, three printed pages (admin.css breaks after each).
    assert page.count('class="manifest-page"') == 3
    pages = page.split('class="manifest-page"')[1:]
    heads = [part.split("</h2>")[0] for part in pages]
    towns = [next(t for t in ["Chengmen", "Gaishan"] if t in head) for head in heads]
    assert towns == ["Chengmen", "Chengmen", "Gaishan"]  # each town's communities together
    linpu = next(part for part in pages if "Linpu Village" in part.split("</h2>")[0])
    assert wins[2].number_display in linpu and wins[3].number_display in linpu
    assert "Received by (name and signature)" in linpu
    # Masked: the name's first character, the phone's first three and last four digits.
    assert "林*梅" in page and "林小梅" not in page
    assert "139****0602" in page and wins[2].phone not in page
    assert "awaiting delivery to the point" in page


def test_the_csv_manifest_is_utf8_with_a_bom_a_header_row_and_no_full_phone_or_id(
    client, api, campaign, at_time, pickup_staff
):
    first, second = winners(("城门镇", "林浦村"), ("城门镇", "胪雷村"))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, first, "H-1")
    order(api, second, "H-2")
    client.force_login(pickup_staff)
    response = client.get(batch_url(parcel(first).batch, "manifest_csv"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "delivery date",
        "pickup point",
        "town",
        "community",
        "winning number",
        "name",
        "phone",
    ]
    # In manifest order: Linpu's parcel, then Lulei's.
    assert [row[4] for row in rows[1:]] == [first.number_display, second.number_display]
    assert {row[2] for row in rows[1:]} == {"城门镇"}
    text = body.decode("utf-8-sig")
    for win in [first, second]:
        assert win.phone not in text
        assert win.resident.document_masked not in text
    assert "林小梅" not in text and "林*梅" in text


def test_a_form_target_opened_without_posting_leads_back_to_the_batch(
    client, api, campaign, at_time, pickup_staff
):
    (win,) = winners(("城门镇", None))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, win, "J-1")
    client.force_login(pickup_staff)
    response = client.get(batch_url(parcel(win).batch, "receive"))
    assert (response.status_code, response["Location"]) == (302, batch_url(parcel(win).batch))
    assert parcel(win).state == "awaiting"


def test_pickup_orders_placed_before_parcels_existed_get_theirs(api, campaign, at_time):
    from django.core.management import call_command

    from pickup.models import ParcelStep
    from tests.pickup.helpers import status

    placed, delivered, cancelled = winners(("城门镇", None), ("城门镇", "胪雷村"), ("鼓山镇", None))
    at_time(at(2020, 2, 20, 9, 0))
    order(api, placed, "L-1")
    status(api, order(api, delivered, "L-2"), "dispatched", "delivered")
    status(api, order(api, cancelled, "L-3"), "cancelled")
    # As before issue 13: orders without parcels or batches.
    ParcelStep.objects.all().delete()
    Parcel.objects.all().delete()
    Batch.objects.all().delete()
    out = io.StringIO()
    call_command("place_parcels", stdout=out)
    assert out.getvalue().strip() == "placed 2 parcels"
    assert parcel(placed).state == "awaiting" and parcel(delivered).state == "at_point"
    assert f"{parcel(placed).batch.delivery_date:%m-%d}" == "02-20"
    assert not Parcel.objects.filter(reservation=cancelled).exists()
    call_command("place_parcels", stdout=out)
    assert Parcel.objects.count() == 2

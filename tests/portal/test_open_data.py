"""Open data: anyone downloads the files without signing in; each holds exactly the named fields
and the known figures, a draw's row is its certificate, a small district-day reads "<5", and
nothing in any file is about a person."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from lottery import services as lottery
from pickup.models import PickupPoint
from pickup.services import Scope, Step, batch_receive, parcels_step
from portal.open_data_views import made_files_forget
from tests.orders.conftest import api, at_time, draw_all, reserve  # noqa: F401 - fixtures
from tests.pickup.helpers import order, parcel, status
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

MORNING = at(2020, 2, 20, 9, 0)
TABLES = ["draws", "daily-reservations", "pickup-batches"]
FILES = [f"/open-data/{name}.{extension}" for name in TABLES for extension in ("json", "csv")]
FILES.append("/open-data/stock.json")
FIELDS = {
    "draws": [
        "id",
        "scheduled_at",
        "status",
        "pool_cutoff",
        "quota",
        "pool_size",
        "winners_count",
        "pool_digest",
        "winners_digest",
        "certificate",
    ],
    "daily-reservations": ["date", "district", "count"],
    "pickup-batches": ["id", "date", "point", "orders", "received", "collected"],
}


@pytest.fixture(autouse=True)
def fresh_files():
    """A process keeps a file for half a minute: each test has a database of its own."""
    made_files_forget()


@pytest.fixture
def city(api, campaign, at_time, pickup_staff):  # noqa: F811 - the fixtures, imported above
    """On 18 Feb five residents of Taijiang and four of Cangshan reserve, and all win the draw of
    19 Feb 10:00. On 20 Feb the four in Cangshan (outside the delivery range) order to the
    point: one order is cancelled, the point receives the batch with one parcel missing, and one
    resident collects at the point. Masks: 90 for the draw, 95 more on 18 Feb, 1,000 on 21 Feb."""
    taijiang = [
        make_resident(phone=f"1390000{700 + i:04d}", town="苍霞街道", serial=700 + i)
        for i in range(5)
    ]
    places = [
        ("盖山镇", "阳岐村"),
        ("盖山镇", "阳岐村"),
        ("城门镇", "林浦村"),
        ("城门镇", "林浦村"),
    ]
    cangshan = [
        make_resident(phone=f"1390000{710 + i:04d}", town=town, community=community, serial=710 + i)
        for i, (town, community) in enumerate(places)
    ]
    wins = draw_all(*[reserve(resident) for resident in taijiang + cangshan])
    collects, arrives, missing, cancelled = wins[5:]
    at_time(MORNING)
    for i, win in enumerate([collects, arrives, missing]):
        order(api, win, f"OD-{i}")
    status(api, order(api, cancelled, "OD-3"), "cancelled")
    batch = parcel(collects).batch
    batch_receive(batch=batch, missing_numbers=[missing.number], staff=pickup_staff, now=MORNING)
    parcels_step(
        step=Step.COLLECT_AT_POINT,
        scope=Scope(batch_id=batch.pk),
        numbers=[collects.number],
        staff=pickup_staff,
        now=MORNING,
    )
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=95)
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 21), masks=1000)
    return {"wins": wins, "draw_id": wins[0].win.draw_id, "batch": batch}


def rows_of_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_draws_json_holds_each_draw_held_with_its_certificates_values(client, city):
    # A draw still to come is on the calendar, not in the file of draws held.
    lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 23, 10), pool_cutoff=at(2020, 2, 22, 21), actor=None
    )
    response = client.get("/open-data/draws.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (row,) = response.json()
    assert list(row) == FIELDS["draws"]
    draw_id = city["draw_id"]
    certificate_url = reverse("certificate", args=[draw_id])
    assert row["certificate"] == f"http://testserver{certificate_url}"
    certificate = client.get(certificate_url).json()
    assert {name: row[name] for name in FIELDS["draws"][:-1]} == {
        name: certificate[name] for name in FIELDS["draws"][:-1]
    }
    assert row["id"] == draw_id and row["status"] == "drawn"
    assert row["scheduled_at"] == "2020-02-19T10:00:00+08:00"
    assert row["pool_cutoff"] == "2020-02-18T21:00:00+08:00"
    assert row["quota"] == row["pool_size"] == row["winners_count"] == 9
    assert len(row["pool_digest"]) == len(row["winners_digest"]) == 64


def test_draws_csv_has_the_same_row_after_a_bom_and_the_header(client, city):
    data = client.get("/open-data/draws.json").json()
    response = client.get("/open-data/draws.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="draws.csv"'
    header, *rows = rows_of_csv(response)
    assert header == FIELDS["draws"]
    assert rows == [[str(row[name]) for name in header] for row in data]


def test_daily_reservations_count_each_district_day_and_a_small_one_reads_less_than_5(client, city):
    rows = client.get("/open-data/daily-reservations.json").json()
    assert rows == [
        {"date": "2020-02-18", "district": "台江区", "count": 5},
        {"date": "2020-02-18", "district": "仓山区", "count": "<5"},
    ]
    header, *lines = rows_of_csv(client.get("/open-data/daily-reservations.csv"))
    assert header == FIELDS["daily-reservations"]
    assert lines == [["2020-02-18", "台江区", "5"], ["2020-02-18", "仓山区", "<5"]]


def test_pickup_batches_count_orders_received_and_collected_parcels(client, city):
    batch = city["batch"]
    rows = client.get("/open-data/pickup-batches.json").json()
    assert rows == [
        {
            "id": batch.pk,
            "date": "2020-02-20",
            "point": batch.point.name,
            "orders": 3,  # the cancelled order's parcel is withdrawn, not counted
            "received": 2,  # one was missing from the delivery
            "collected": 1,
        }
    ]
    header, *lines = rows_of_csv(client.get("/open-data/pickup-batches.csv"))
    assert header == FIELDS["pickup-batches"]
    assert lines == [[str(batch.pk), "2020-02-20", batch.point.name, "3", "2", "1"]]


def test_stock_lists_each_days_packs_and_the_packs_in_stock(client, city):
    response = client.get("/open-data/stock.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    # 18 Feb: 90 + 95 masks, 18 whole packs; 1,000 masks on 21 Feb. In stock: all the masks in
    # packs (118), less the 9 packs the draw allotted.
    assert response.json() == {
        "arrivals": [{"date": "2020-02-18", "packs": 18}, {"date": "2020-02-21", "packs": 100}],
        "packs_in_stock": 109,
    }


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(client, city):
    PickupPoint.objects.filter(pk=city["batch"].point_id).update(name='=HYPERLINK("x")')
    (_header, line) = rows_of_csv(client.get("/open-data/pickup-batches.csv"))
    assert line[2] == '\'=HYPERLINK("x")'
    assert client.get("/open-data/pickup-batches.json").json()[0]["point"] == '=HYPERLINK("x")'


def test_no_file_holds_a_residents_name_phone_address_or_number(client, city):
    personal = set()
    for win in city["wins"]:
        resident = win.resident
        personal |= {resident.name, win.phone, win.address, resident.street_address}
        personal |= {resident.document_masked, resident.user.username, win.number_display}
    for path in FILES:
        body = client.get(path).content.decode("utf-8")
        found = [value for value in personal if value and value in body]
        assert found == [], path


def test_anyone_downloads_every_file_without_signing_in_with_an_etag_and_a_minutes_cache(
    client, city
):
    for path in FILES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "public" in response["Cache-Control"], path
        assert "no-store" not in response["Cache-Control"], path
        assert 0 < get_max_age(response) <= 60, path
        etag = response["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), path  # strong
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert not response.cookies, path  # a shared cache may keep it for everyone
        again = client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"", path
        assert again["ETag"] == etag and again["Cache-Control"] == response["Cache-Control"]
        assert client.head(path)["ETag"] == etag, path


def test_a_file_is_made_again_after_half_a_minute_and_no_copy_outlives_the_minute(
    client,
    city,
    at_time,  # noqa: F811 - the fixture, imported above
):
    first = client.get("/open-data/stock.json")  # made now (the clock stands at MORNING)
    assert get_max_age(first) == 60
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 22), masks=500)
    at_time(MORNING + datetime.timedelta(seconds=10))
    kept = client.get("/open-data/stock.json?again")  # a query string makes no new file
    assert kept.content == first.content and kept["ETag"] == first["ETag"]
    assert get_max_age(kept) == 50  # what is left of the minute
    at_time(MORNING + datetime.timedelta(seconds=30))
    remade = client.get("/open-data/stock.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert remade.status_code == 200 and remade["ETag"] != first["ETag"]
    assert json.loads(remade.content)["packs_in_stock"] == 159
    assert get_max_age(remade) == 60


def test_the_files_are_read_only_other_methods_are_refused(client, city):
    for path in FILES:
        for method in (client.post, client.put, client.delete, client.patch):
            response = method(path)
            assert response.status_code == 405, (method, path)
            assert response["Allow"] == "GET, HEAD"


def test_files_of_an_empty_city_are_empty_lists(client, campaign):
    for name in TABLES:
        assert client.get(f"/open-data/{name}.json").json() == []
        assert rows_of_csv(client.get(f"/open-data/{name}.csv")) == [FIELDS[name]]
    assert client.get("/open-data/stock.json").json() == {"arrivals": [], "packs_in_stock": 0}


def test_the_listing_page_names_every_file_in_chinese_and_in_english(client, campaign):
    chinese = client.get("/open-data/")
    assert chinese.status_code == 200
    page = chinese.content.decode()
    assert '<html lang="zh-hans">' in page and "开放数据" in page and "“&lt;5”" in page
    for path in FILES:
        assert f'href="{path}"' in page, path
    english = client.get("/open-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open data" in english and "Every draw held (drawn" in english
    assert 'fewer than 5 reservations reads the text "&lt;5"' in english
    assert client.post("/open-data/").status_code == 405


def test_the_public_pages_link_to_the_open_data(client, campaign):
    for path in ("/", "/faq/", "/help/", "/draws/"):
        page = client.get(path).content.decode()
        assert 'href="/open-data/"' in page, path

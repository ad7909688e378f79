"""The per-day count the dashboard and the open data read; the per-day and per-hour counts the
dashboard reads in one query."""

import datetime
import zoneinfo

import pytest

from reservations.models import Reservation
from reservations.selectors import reservations_per_day, reservations_per_day_and_hour
from reservations.services import reservation_create
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_counts_are_per_shanghai_day_and_district(campaign):
    late = datetime.datetime(2020, 2, 19, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC the same day
    first, second = (
        reservation_create(
            resident=make_resident(phone=f"1380000002{i}", town="苍霞街道", serial=20 + i),
            now=at(2020, 2, 19, 19, 30),
        )
        for i in (1, 2)
    )
    Reservation.objects.filter(pk=first.pk).update(created_at=late)
    Reservation.objects.filter(pk=second.pk).update(created_at=late + datetime.timedelta(hours=1))
    rows = reservations_per_day(since=datetime.date(2020, 2, 16), until=datetime.date(2020, 2, 20))
    assert [(row["date"], row["count"]) for row in rows] == [
        (datetime.date(2020, 2, 19), 1),
        (datetime.date(2020, 2, 20), 1),
    ]
    assert rows[0]["district_id"] == first.district_id
    other = reservations_per_day(
        since=datetime.date(2020, 2, 16), district_id=first.district_id + 10_000
    )
    assert other == []


def test_days_and_hours_of_the_day_are_shanghai_s_and_summed_across_days(campaign):
    made = [
        datetime.datetime(2020, 2, 19, 23, 30, tzinfo=SHANGHAI),  # 15:30 UTC
        datetime.datetime(2020, 2, 20, 0, 10, tzinfo=SHANGHAI),  # 16:10 UTC the day before
        datetime.datetime(2020, 2, 20, 23, 5, tzinfo=SHANGHAI),
    ]
    for i, when in enumerate(made):
        reservation = reservation_create(
            resident=make_resident(phone=f"1380000003{i}", town="苍霞街道", serial=30 + i),
            now=at(2020, 2, 19, 19, 30),
        )
        Reservation.objects.filter(pk=reservation.pk).update(created_at=when)
    district = reservation.district_id
    per_day, per_hour = reservations_per_day_and_hour(
        since=datetime.date(2020, 2, 16), until=datetime.date(2020, 2, 20)
    )
    assert per_day == [
        {"date": datetime.date(2020, 2, 19), "district_id": district, "count": 1},
        {"date": datetime.date(2020, 2, 20), "district_id": district, "count": 2},
    ]
    # 23:00 on two days, 00:00 on one: hours of the day, not of the range.
    assert per_hour == [
        {"hour": 0, "district_id": district, "count": 1},
        {"hour": 23, "district_id": district, "count": 2},
    ]
    # The range's last day ends at Shanghai's midnight; the district filter applies to both.
    per_day, per_hour = reservations_per_day_and_hour(
        since=datetime.date(2020, 2, 16), until=datetime.date(2020, 2, 19), district_id=district
    )
    assert [(row["date"], row["count"]) for row in per_day] == [(datetime.date(2020, 2, 19), 1)]
    assert [(row["hour"], row["count"]) for row in per_hour] == [(23, 1)]
    assert reservations_per_day_and_hour(district_id=district + 10_000) == ([], [])

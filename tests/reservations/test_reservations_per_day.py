"""The per-day count the dashboard and the open data read."""

import datetime
import zoneinfo

import pytest

from reservations.models import Reservation
from reservations.selectors import reservations_per_day
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

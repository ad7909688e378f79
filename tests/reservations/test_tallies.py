"""The counts the database keeps of reservations (per district and hour made; per district,
state and draw won in) follow every write to the reservations table, however it is made:
the ORM, a bulk update, SQL, seed_demo's COPY, a delete, concurrent reservations."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncHour

from portal.seeding import demo_residents_seed
from reservations.models import (
    Reservation,
    ReservationHourCount,
    ReservationStateCount,
)
from reservations.models import ReservationState as S
from reservations.services import reservation_cancel, reservation_create_for_user
from tests.helpers import at_once
from tests.lottery.helpers import seed_pool
from tests.reservations.conftest import at, make_resident


def counted() -> tuple[dict, dict]:
    """The kept counts, summed over their slots, without zeros."""
    hours = {
        (row["hour"], row["district_id"]): row["n"]
        for row in ReservationHourCount.objects.values("hour", "district_id").annotate(
            n=Sum("count")
        )
        if row["n"]
    }
    states = {
        (row["district_id"], row["state"], row["won_draw_id"] or None): row["n"]
        for row in ReservationStateCount.objects.values(
            "district_id", "state", "won_draw_id"
        ).annotate(n=Sum("count"))
        if row["n"]
    }
    return hours, states


def recounted() -> tuple[dict, dict]:
    """The same counts, from the reservations themselves."""
    hours = {
        (row["hour"], row["district_id"]): row["n"]
        for row in Reservation.objects.annotate(hour=TruncHour("created_at", tzinfo=datetime.UTC))
        .values("hour", "district_id")
        .annotate(n=Count("pk"))
    }
    states = {
        (row["district_id"], row["state"], row["won_draw_id"]): row["n"]
        for row in Reservation.objects.values("district_id", "state", "won_draw_id").annotate(
            n=Count("pk")
        )
    }
    return hours, states


@pytest.mark.django_db
def test_the_counts_follow_inserts_moves_bulk_updates_and_deletes(campaign):
    first, second, third = seed_pool([10000001, 10000002, 10000003], made=at(2020, 2, 18, 9, 30))
    assert counted() == recounted()
    assert sum(counted()[0].values()) == 3

    Reservation.objects.filter(pk=first.pk).update(state=S.WON, won_draw_id=7)
    Reservation.objects.filter(pk__in=[first.pk, second.pk]).update(state=S.LAPSED)
    Reservation.objects.filter(pk=third.pk).update(created_at=at(2020, 2, 19, 20, 5))
    with connection.cursor() as cursor:  # SQL, as the draw benchmark resets its winners
        cursor.execute(
            f"UPDATE {Reservation._meta.db_table} SET state = %s, cancelled_at = now() "
            "WHERE id = %s",
            [S.CANCELLED.value, second.pk],
        )
    assert counted() == recounted()
    assert counted()[1][(first.district_id, S.LAPSED.value, 7)] == 1

    Reservation.objects.filter(pk=second.pk).delete()
    assert counted() == recounted()
    assert sum(counted()[0].values()) == 2


@pytest.mark.django_db
def test_an_update_that_changes_no_count_leaves_the_counts_alone(campaign):
    (reservation,) = seed_pool([10000001], made=at(2020, 2, 18, 9, 30))
    before = list(ReservationStateCount.objects.values_list("pk", "count"))
    Reservation.objects.filter(pk=reservation.pk).update(address="福州市台江区苍霞街道另一路2号")
    assert list(ReservationStateCount.objects.values_list("pk", "count")) == before


@pytest.mark.django_db
def test_seed_demo_s_copy_is_counted(campaign):
    demo_residents_seed(count=40, reserve=True, now=at(2020, 2, 19, 12), committee=5)
    assert counted() == recounted()
    assert sum(counted()[0].values()) == 45


def test_truncating_the_reservations_empties_the_counts(transactional_db, campaign):
    seed_pool([10000001], made=at(2020, 2, 18, 9, 30))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Reservation._meta.db_table} CASCADE")
    assert counted() == ({}, {})


def test_residents_reserving_and_cancelling_at_once_are_each_counted_once(
    transactional_db, campaign
):
    residents = [
        make_resident(phone=f"1380000{n:04d}", town="苍霞街道", serial=200 + n) for n in range(8)
    ]
    now = at(2020, 2, 19, 19, 30)  # every district's window is open
    queue = iter(residents)

    def reserve() -> int:
        return reservation_create_for_user(user=next(queue).user, now=now)

    outcomes = at_once(8, reserve)
    assert len(set(outcomes)) == 8
    assert counted() == recounted()
    assert counted()[1][(residents[0].district_id, S.WAITING.value, None)] == 8

    leaving = iter(residents[:4])
    at_once(4, lambda: reservation_cancel(resident=next(leaving), now=now).number)
    assert counted() == recounted()
    assert counted()[1][(residents[0].district_id, S.CANCELLED.value, None)] == 4

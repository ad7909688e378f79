"""The counts the database keeps of parcels per batch and state (pickup 0007, read by the
officials' dashboard) follow every write to the parcels, however it is made: orders placing
them, a batch's receipt, staff steps, a bulk update, a delete, a truncate, and staff moving
parcels of one batch at once on separate connections."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum

from pickup.models import Parcel, ParcelCount, ParcelState
from pickup.selectors import parcels_per_point_and_state
from pickup.services import Scope, Step, batch_receive, parcels_step
from tests.helpers import at_once
from tests.pickup.helpers import order, winners
from tests.reservations.conftest import at

MORNING = at(2020, 2, 20, 9, 0)


def counted() -> dict:
    """The kept counts, summed over their slots, without zeros."""
    rows = ParcelCount.objects.values("batch_id", "state").annotate(n=Sum("count"))
    return {(row["batch_id"], row["state"]): row["n"] for row in rows if row["n"]}


def recounted() -> dict:
    """The same counts, from the parcels themselves."""
    rows = Parcel.objects.values("batch_id", "state").annotate(n=Count("pk"))
    return {(row["batch_id"], row["state"]): row["n"] for row in rows}


def _ordered(api, at_time, count: int) -> list:
    wins = winners(*[("城门镇", "林浦村")] * count)
    at_time(MORNING)
    for i, win in enumerate(wins):
        order(api, win, f"C-{i}")
    return wins


@pytest.mark.django_db
def test_the_counts_follow_placing_receipt_steps_bulk_updates_and_deletes(
    api, campaign, at_time, pickup_staff
):
    wins = _ordered(api, at_time, 3)
    batch = Parcel.objects.get(reservation=wins[0]).batch
    assert counted() == {(batch.pk, ParcelState.AWAITING.value): 3}
    batch_receive(batch=batch, missing_numbers=[], staff=pickup_staff, now=MORNING)
    assert counted() == {(batch.pk, ParcelState.AT_POINT.value): 3}
    moved = parcels_step(
        step=Step.TO_TOWN,
        scope=Scope(batch_id=batch.pk),
        numbers=[wins[0].number],
        staff=pickup_staff,
        now=MORNING,
    )
    assert moved == 1
    assert counted() == recounted()
    Parcel.objects.filter(reservation=wins[1]).update(state=ParcelState.COLLECTED)
    # A statement that changes no batch or state changes no count.
    Parcel.objects.update(state_at=MORNING)
    assert (
        counted()
        == recounted()
        == {
            (batch.pk, ParcelState.AT_POINT.value): 1,
            (batch.pk, ParcelState.AT_TOWN.value): 1,
            (batch.pk, ParcelState.COLLECTED.value): 1,
        }
    )
    per_point = parcels_per_point_and_state(since=batch.delivery_date, until=batch.delivery_date)
    assert per_point == {
        (batch.point_id, ParcelState.AT_POINT.value): 1,
        (batch.point_id, ParcelState.AT_TOWN.value): 1,
        (batch.point_id, ParcelState.COLLECTED.value): 1,
    }
    day_before = batch.delivery_date - datetime.timedelta(days=1)
    assert parcels_per_point_and_state(since=day_before, until=day_before) == {}
    Parcel.objects.filter(reservation=wins[2]).delete()
    assert counted() == recounted()
    assert sum(counted().values()) == 2


def test_truncating_the_parcels_empties_the_counts(transactional_db, api, campaign, at_time):
    _ordered(api, at_time, 1)
    assert counted()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Parcel._meta.db_table} CASCADE")
    assert counted() == {}


def test_staff_moving_parcels_of_one_batch_at_once_leave_the_counts_exact(
    transactional_db, api, campaign, at_time, pickup_staff
):
    # Eleven parcels in eight slots: some share a count row, and their writers wait in turn.
    wins = _ordered(api, at_time, 11)
    batch = Parcel.objects.get(reservation=wins[0]).batch
    batch_receive(batch=batch, missing_numbers=[], staff=pickup_staff, now=MORNING)
    numbers = iter([win.number for win in wins])

    def hand_over() -> int:
        return parcels_step(
            step=Step.TO_TOWN,
            scope=Scope(batch_id=batch.pk),
            numbers=[next(numbers)],
            staff=pickup_staff,
            now=MORNING,
        )

    assert at_once(11, hand_over) == ["1"] * 11
    assert counted() == recounted() == {(batch.pk, ParcelState.AT_TOWN.value): 11}

    # Then each parcel moved its own way, each transaction holding its count rows a moment.
    parcels = iter(list(Parcel.objects.order_by("pk").values_list("pk", flat=True)))
    targets = iter([ParcelState.AT_POINT, ParcelState.COLLECTED, ParcelState.AT_COMMITTEE] * 4)

    def move() -> str:
        parcel_id, target = next(parcels), next(targets)
        with transaction.atomic():
            Parcel.objects.filter(pk=parcel_id).update(state=target)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(0.05)")
        return target.value

    outcomes = at_once(11, move)
    assert sorted(set(outcomes)) == ["at_committee", "at_point", "collected"]
    assert counted() == recounted()
    assert sum(counted().values()) == 11
    assert ParcelCount.objects.filter(count__lt=0).count() == 0

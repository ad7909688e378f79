"""One step recorded by two staff at once: one moves the parcels, the other is refused; no
parcel takes the step twice. Separate database connections (transactional tests)."""

import pytest

from pickup.models import Parcel, ParcelStep
from pickup.services import Scope, Step, batch_receive, parcels_step
from tests.helpers import at_once
from tests.pickup.conftest import staff_of
from tests.pickup.helpers import order, winners
from tests.reservations.conftest import at

MORNING = at(2020, 2, 20, 9, 0)


@pytest.fixture
def received(transactional_db, api, campaign, at_time, pickup_staff):
    """Two Chengmen parcels at the Cangshan point, and a second staff member there."""
    wins = winners(("城门镇", "林浦村"), ("城门镇", "胪雷村"))
    at_time(MORNING)
    for i, win in enumerate(wins):
        order(api, win, f"Z-{i}")
    parcel = Parcel.objects.get(reservation=wins[0])
    batch_receive(batch=parcel.batch, missing_numbers=[], staff=pickup_staff, now=MORNING)
    colleague = staff_of("pickup-2", point=parcel.batch.point)
    return wins, parcel.batch, [pickup_staff, colleague]


def test_two_staff_handing_the_same_town_over_at_once_move_it_once(received):
    wins, batch, staff = received
    people = iter(staff)

    def attempt():
        return parcels_step(
            step=Step.TO_TOWN,
            scope=Scope(batch_id=batch.pk, town_id=wins[0].town_id),
            numbers=None,
            staff=next(people),
            now=MORNING,
        )

    assert sorted(at_once(2, attempt)) == ["2", "nothing_to_move"]
    assert set(Parcel.objects.values_list("state", flat=True)) == {"at_town"}
    assert ParcelStep.objects.filter(target="at_town").count() == 2  # one per parcel


def test_two_staff_typing_the_same_number_at_once_record_it_once(received):
    wins, batch, staff = received
    people = iter(staff)

    def attempt():
        return parcels_step(
            step=Step.TO_TOWN,
            scope=Scope(batch_id=batch.pk),
            numbers=[wins[0].number],
            staff=next(people),
            now=MORNING,
        )

    assert sorted(at_once(2, attempt)) == ["1", "not_at_step"]
    assert ParcelStep.objects.filter(target="at_town").count() == 1
    assert Parcel.objects.get(reservation=wins[0]).state == "at_town"

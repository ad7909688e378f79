"""Reservations 0014: home deliveries the partner reported delivered, stored `collected` before
the `delivered` state existed, become `delivered`; a pickup pack the resident collected stays
`collected`. The migration's function, run on rows made the old way."""

import importlib

import pytest
from django.apps import apps

from orders.services import order_place, order_set_status
from reservations.models import Reservation
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import make_resident

pytestmark = pytest.mark.django_db

migration = importlib.import_module("reservations.migrations.0015_reservation_delivered")


def _delivered(partner, win, order_id: str) -> None:
    placed = order_place(
        partner=partner,
        partner_order_id=order_id,
        phone=win.phone,
        address=win.address,
        number=None,
        quantity=1,
        now=DURING,
    )
    for step in ["dispatched", "delivered"]:
        order_set_status(order=placed.order, status=step, now=DURING)


def test_home_deliveries_stored_collected_become_delivered_and_pickups_stay(
    campaign, partner, time_machine
):
    home = make_resident(phone="13800000801", town="苍霞街道", serial=801)
    point = make_resident(phone="13800000802", town="城门镇", serial=802)
    ordered = make_resident(phone="13800000803", town="苍霞街道", serial=803)
    home, point, ordered = draw_all(reserve(home), reserve(point), reserve(ordered))
    time_machine.move_to(DURING, tick=False)
    record, _token = partner
    _delivered(record, home, "M-1")
    _delivered(record, point, "M-2")
    order_place(
        partner=record,
        partner_order_id="M-3",
        phone=ordered.phone,
        address=ordered.address,
        number=None,
        quantity=1,
        now=DURING,
    )
    # As the old code left them: the home delivery `collected`, and a pickup pack collected.
    Reservation.objects.filter(pk__in=[home.pk, point.pk]).update(state="collected")

    migration.home_deliveries_delivered(apps, None)

    states = dict(Reservation.objects.values_list("pk", "state"))
    assert states == {home.pk: "delivered", point.pk: "collected", ordered.pk: "ordered"}
    migration.delivered_collected(apps, None)  # and back
    assert Reservation.objects.get(pk=home.pk).state == "collected"

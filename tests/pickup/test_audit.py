"""Pickup's steps in the audit trail: each receipt, found parcel and hand-over step, by the
staff member who recorded it, with the winning numbers (never a name or phone)."""

import pytest

from city.models import AuditAction, AuditEntry
from tests.pickup.helpers import batch_url, numbers, order, parcel, post, winners
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

MORNING = at(2020, 2, 20, 9, 0)


def test_the_receipt_a_found_parcel_and_a_hand_over_are_audited_by_who_recorded_them(
    client, api, campaign, at_time, pickup_staff
):
    win, other = winners(("城门镇", "林浦村"), ("城门镇", "胪雷村"))
    at_time(MORNING)
    order(api, win, "A-1")
    order(api, other, "A-2")
    batch = parcel(win).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing=numbers(other))
    post(client, batch_url(batch, "found"), numbers=numbers(other))
    post(client, batch_url(batch, "step"), step="to_town", town=parcel(win).town_id)

    entries = list(AuditEntry.objects.order_by("id").exclude(actor=None))
    assert [entry.action for entry in entries] == [
        AuditAction.BATCH_RECEIVED,
        AuditAction.PARCELS_FOUND,
        AuditAction.PARCELS_STEPPED,
    ]
    assert all(entry.actor == pickup_staff and entry.at == MORNING for entry in entries)
    assert all(entry.target_type == "pickup.batch" for entry in entries)
    assert entries[0].summary == {"arrived": 1, "missing": [other.number_display]}
    assert entries[1].summary == {"found": [other.number_display]}
    assert entries[2].summary["step"] == "to_town" and entries[2].summary["parcels"] == 2
    assert entries[2].summary["numbers"] == sorted([win.number_display, other.number_display])
    assert "1390000" not in str([entry.summary for entry in entries])


def test_a_refused_step_leaves_no_entry(client, api, campaign, at_time, pickup_staff):
    (win,) = winners(("城门镇", "林浦村"))
    at_time(MORNING)
    order(api, win, "A-1")
    batch = parcel(win).batch
    client.force_login(pickup_staff)
    post(client, batch_url(batch, "receive"), missing="99999999")
    assert not AuditEntry.objects.exclude(actor=None).exists()

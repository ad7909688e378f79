"""Winners for the partner API's tests: residents who reserved, and a real draw they won.

The 2020 campaign: reservations on 18 Feb (evening window), the draw on 19 Feb at 10:00, its
purchase window from 19 Feb 14:00 to 20 Feb 14:00 (Asia/Shanghai).
"""

import datetime
import json

import pytest

from lottery import services as lottery
from reservations.models import Reservation
from reservations.services import (
    committee_reservation_create,
    committee_resident_register,
    reservation_create,
)
from tests.lottery.helpers import ceremony
from tests.reservations.conftest import at, campaign, make_resident  # noqa: F401

RESERVED = at(2020, 2, 18, 19, 30)  # inside the evening window shared by every district
OPENS = at(2020, 2, 19, 14, 0)
CLOSES = at(2020, 2, 20, 14, 0)
DURING = at(2020, 2, 19, 15, 0)
API = "/api/partner/v1/"


def reserve(resident) -> Reservation:
    return reservation_create(resident=resident, now=RESERVED)


def committee_reserve(staff, *, name: str, serial: int) -> Reservation:
    from tests.reservations.conftest import resident_id

    resident = committee_resident_register(
        staff=staff,
        name=name,
        document_type="resident_id",
        document_number=resident_id(f"35010219400101{serial:03d}"),
        category="elderly_alone",
        now=at(2020, 2, 18, 9),
    )
    return committee_reservation_create(staff=staff, resident=resident, now=RESERVED)


def draw_all(*reservations: Reservation, settle: bool = True) -> list[Reservation]:
    """A real draw (commitment, pool, public value, reveal) whose quota is everyone; with
    `settle=False` its wins are recorded but not yet copied onto the reservations."""
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=10 * len(reservations))
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    ceremony(draw, quota=len(reservations), settle=settle)
    for reservation in reservations:
        reservation.refresh_from_db()
        assert reservation.state == ("won" if settle else "waiting")
        assert reservation.win.draw_id == draw.pk
    return list(reservations)


@pytest.fixture
def taijiang_winner(campaign):  # noqa: F811 - the fixture, imported above
    """Lives in Cangxia, Taijiang: inside the delivery range."""
    resident = make_resident(phone="13800000021", town="苍霞街道", serial=21)
    (reservation,) = draw_all(reserve(resident))
    return reservation


@pytest.fixture
def at_time(time_machine):
    """Freeze the clock at a moment: `at_time(at(2020, 2, 19, 15))` (time-machine's fixture)."""
    return lambda moment: time_machine.move_to(moment, tick=False)


def partner_post(client, token: str | None, path: str, body=None, **extra):
    """POST a JSON body (or raw bytes/str) to the partner API with the partner's token."""
    data = body if isinstance(body, str | bytes) else json.dumps(body or {})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    extra.setdefault("content_type", "application/json")
    return client.post(API + path, data=data, **headers, **extra)


@pytest.fixture
def api(client, partner):
    """POST to the partner API as the partner: `api("verify", body)`."""
    _record, token = partner

    def post(path: str, body=None, *, token: str | None = token, **extra):
        return partner_post(client, token, path, body, **extra)

    return post


def body_of(reservation: Reservation, **changes) -> dict:
    return {"phone": reservation.phone, "address": reservation.address, **changes}


def order_body(reservation: Reservation, order_id: str = "P-1", **changes) -> dict:
    return {
        "partner_order_id": order_id,
        "phone": reservation.phone,
        "address": reservation.address,
        "quantity": 1,
        **changes,
    }

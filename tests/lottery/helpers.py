"""Building blocks of draws for the tests."""

import datetime

from lottery import services
from lottery.models import Draw
from reservations.models import Reservation
from tests.reservations.conftest import at, make_resident

SECRET = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
# DOMAIN.md's test vector: its pool, the pool's digest, and the winners of quota 2.
POOL = [10000001, 23456789, 31415926, 50000000, 77777777, 99999999]
POOL_DIGEST = "a935817ccf8b80f7eb6fce380d488dc3f678bee7ccdde20c2c9b0be4b36eafed"
WINNERS = b"10000001\n23456789\n"


def seed_pool(numbers: list[int], *, made: datetime.datetime) -> list[Reservation]:
    reservations = []
    for i, number in enumerate(numbers, start=Reservation.objects.count()):
        resident = make_resident(phone=f"1380000{i:04d}", town="苍霞街道", serial=100 + i)
        reservations.append(
            Reservation.objects.create(
                number=number,
                resident=resident,
                phone=resident.user.phone,
                district=resident.district,
                town=resident.town,
                community=resident.community,
                address="福州市台江区苍霞街道五四路1号",
                created_at=made,
            )
        )
    return reservations


def ceremony(
    draw: Draw, *, quota: int, public_value: str = "3 5 2 6 1 4", settle: bool = True
) -> Draw:
    """The whole ceremony, then (as the draw task does) the wins settled onto their
    reservations; `settle=False` stops at the draw's commit, when the wins are only recorded."""
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=quota, actor=None, now=at(2020, 2, 18, 21))
    draw = services.draw_fix_public_value(draw=draw, value=public_value, actor=None)
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)
    draw = services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 10))
    if settle:
        services.draw_wins_settle(draw_id=draw.pk, now=at(2020, 2, 19, 10, 1))
        draw.refresh_from_db()
    return draw

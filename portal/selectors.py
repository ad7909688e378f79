"""Reads for committee staff that compose what several apps know (rule 10): their community's
wins, and the slip a committee prints for a resident it registered. Reservations may not read
the lottery, orders or pickup; the portal, above them all, may."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from city import prepared, roles
from city.admin import in_group
from city.memo import remembered
from city.models import CampaignConfig, District, Town
from city.selectors import campaign_get
from lottery.models import Draw
from lottery.schedule import purchase_window
from lottery.selectors import DrawEntered, draws_entered
from orders.models import Order, OrderStatus
from orders.selectors import order_live_for
from pickup.models import Parcel
from pickup.selectors import NoPickupPoint, Route, route_for
from reservations.models import CommitteeWin, Reservation, Resident
from reservations.selectors import (
    PENDING_WINS_SQL,
    PendingWin,
    pending_win_apply,
    pending_wins_apply,
)
from reservations.services import resident_of


def _committee_scope(queryset: QuerySet, *, user, community_field: str) -> QuerySet:
    """Committee staff see their own community only (none without one); other staff who may
    view reservations (officials) see every community."""
    if in_group(user, roles.COMMITTEE_STAFF):
        if user.community_id is None:
            return queryset.none()
        return queryset.filter(**{community_field: user.community_id})
    return queryset


def committee_wins(*, user) -> QuerySet[CommitteeWin]:
    """The wins of committee-registered residents that `user` may follow: every reservation a
    committee made that a draw chose (its Win recorded, settled onto the reservation or still
    pending), with its draw, the draw's purchase window and its order's status, in one query.

    The draw fixes the window when it runs, before it records its wins (`draw_run`), so the
    draw's row holds every win's window."""
    draw = Draw.objects.filter(pk=OuterRef("win_draw_id"))
    # The live order if there is one (at most one, by a constraint), else the latest cancelled.
    order = Order.objects.filter(reservation_id=OuterRef("pk")).order_by(
        Case(
            When(status=OrderStatus.CANCELLED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "-created_at",
    )
    wins = (
        CommitteeWin.objects.filter(by_committee=True, win__isnull=False)
        .select_related("resident", "community")
        .annotate(
            win_draw_id=F("win__draw_id"),
            window_opens=Subquery(draw.values("purchase_opens_at")[:1]),
            window_closes=Subquery(draw.values("purchase_closes_at")[:1]),
            order_status=Subquery(order.values("status")[:1]),
            # Where the pack is on pickup's hand-over chain (one parcel per reservation).
            parcel_state=Subquery(
                Parcel.objects.filter(reservation_id=OuterRef("pk")).values("state")[:1]
            ),
        )
    )
    return _committee_scope(wins, user=user, community_field="community_id")


def committee_resident_for(*, user, resident_id: int) -> Resident | None:
    """A resident registered by a committee (no account of their own), if `user` may print
    their slip: their own committee's staff, or officials."""
    residents = Resident.objects.select_related("community__town__district").filter(
        pk=resident_id, user__isnull=True, community__isnull=False
    )
    return _committee_scope(residents, user=user, community_field="community_id").first()


@dataclass(frozen=True)
class CommitteeSlip:
    """What the slip for a committee-registered resident says."""

    resident: Resident
    reservation: Reservation | None  # the latest, if the committee reserved for them
    draws_entered: list[DrawEntered]  # number and time of each draw it was in
    won: bool
    purchase_window: tuple[datetime.datetime, datetime.datetime] | None
    order: Order | None
    route: Route | None  # where the pack goes (rule 9); None when it cannot be routed yet
    sms_phone: str  # the committee's mobile number for messages, or "": it tells them itself
    campaign: CampaignConfig
    printed_at: datetime.datetime


def committee_slip(*, resident: Resident, now: datetime.datetime) -> CommitteeSlip:
    """The slip as it stands now: after registration (no reservation yet), after reserving, and
    after each draw (the draws it was in, whether it won, the window, where the pack goes)."""
    config = campaign_get()
    reservation = (
        resident.reservations.select_related("town", "community").order_by("-created_at").first()
    )
    pending_wins_apply(reservations=[reservation])  # a win reads as won the moment it is drawn
    won = reservation is not None and reservation.won_at is not None
    route = None
    if reservation is not None:
        try:
            route = route_for(reservation=reservation)
        except NoPickupPoint:
            route = None
    return CommitteeSlip(
        resident=resident,
        reservation=reservation,
        draws_entered=(
            draws_entered(config=config, reservation=reservation, now=now) if reservation else []
        ),
        won=won,
        purchase_window=purchase_window(config=config, reservation=reservation) if won else None,
        order=order_live_for(reservation=reservation) if won else None,
        route=route,
        sms_phone=resident.community.sms_phone,
        campaign=config,
        printed_at=now,
    )


# --- "My reservation" -------------------------------------------------------------------------

# The signed-in resident and their latest reservation, with what the page reads beside it, in
# one statement: the reservation's pending win (PENDING_WINS_SQL), the resident's latest win
# (rule 7's cooldown) and whether it has any order (most have none; then none is looked for).
# Every resident opens this page at the peak: through the ORM the same took two queries, each
# costing more to build than to run.
_RESIDENT_FIELDS = [f.attname for f in Resident._meta.concrete_fields]
_RESERVATION_FIELDS = [f.attname for f in Reservation._meta.concrete_fields]
_MY_PAGE_SQL = f"""
    SELECT {", ".join(f"res.{f.column}" for f in Resident._meta.concrete_fields)},
        {", ".join(f"r.{f.column}" for f in Reservation._meta.concrete_fields)},
        pw.draw_id, pw.drawn_at,
        (SELECT max(x.won_at) FROM {Reservation._meta.db_table} AS x
         WHERE x.resident_id = res.id),
        EXISTS (SELECT 1 FROM {Order._meta.db_table} AS o WHERE o.reservation_id = r.id)
    FROM {Resident._meta.db_table} AS res
    LEFT JOIN LATERAL (
        SELECT * FROM {Reservation._meta.db_table} AS latest
        WHERE latest.resident_id = res.id ORDER BY latest.created_at DESC LIMIT 1
    ) AS r ON true
    LEFT JOIN ({PENDING_WINS_SQL}) AS pw ON pw.reservation_id = r.id
    WHERE res.user_id = %s
"""


@dataclass(frozen=True)
class MyPage:
    """The signed-in resident (as reservations.services.resident_of gives it, with its district
    and town); their latest reservation, a pending win applied, if any; the latest time any of
    their reservations won (settled wins, as cooldown_ends reads them); whether the reservation
    has orders."""

    resident: Resident
    reservation: Reservation | None
    last_win_at: datetime.datetime | None
    has_orders: bool


def my_page(*, user) -> MyPage:
    """What "My reservation" reads of the signed-in resident, in one statement; the district
    and town, reference data the same for everyone, from this process's few seconds' memory
    (city.memo)."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, name="my_page", sql=_MY_PAGE_SQL, params=[user.pk])
        row = cursor.fetchone()
    if row is None:  # an account from before residents' records: resident_of makes it
        return MyPage(resident_of(user=user), None, None, False)
    # No field of either model converts what the database gives (a test checks).
    split = len(_RESIDENT_FIELDS)
    resident = Resident.from_db("default", _RESIDENT_FIELDS, row[:split])
    resident.user = user
    if resident.district_id:
        resident.district = remembered(
            ("district", resident.district_id),
            lambda: District.objects.filter(pk=resident.district_id).first(),
        )
    if resident.town_id:
        resident.town = remembered(
            ("town", resident.town_id), lambda: Town.objects.filter(pk=resident.town_id).first()
        )
    values = row[split : split + len(_RESERVATION_FIELDS)]
    pending_draw, pending_at, last_win_at, has_orders = row[split + len(_RESERVATION_FIELDS) :]
    reservation = None
    if values[0] is not None:
        reservation = Reservation.from_db("default", _RESERVATION_FIELDS, values)
        if pending_draw is not None:
            win = PendingWin(draw_id=pending_draw, drawn_at=pending_at)
            pending_win_apply(reservation=reservation, win=win)
        reservation.resident = resident
    return MyPage(resident, reservation, last_win_at, bool(has_orders))

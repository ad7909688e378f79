"""Reads of residents and reservations."""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from city.models import CampaignConfig
from city.selectors import window_status
from reservations.models import (
    CLOSED_STATES,
    LIVE_STATES,
    PoolSnapshot,
    PoolState,
    Reservation,
    ReservationHourCount,
    ReservationStateCount,
    Win,
)
from reservations.models import ReservationState as S


def cooldown_ends(*, config: CampaignConfig, resident) -> datetime.date | None:
    """Rule 7: a winner may reserve again from 00:00 of the Nth day after the draw day."""
    last_win = (
        Reservation.objects.filter(resident=resident, won_at__isnull=False)
        .order_by("-won_at")
        .values_list("won_at", flat=True)
        .first()
    )
    return cooldown_ends_from(config=config, last_win=last_win)


def cooldown_ends_from(
    *, config: CampaignConfig, last_win: datetime.datetime | None
) -> datetime.date | None:
    """The same rule from the resident's latest `won_at`, for a caller that read it."""
    if last_win is None:
        return None
    return timezone.localtime(last_win).date() + datetime.timedelta(days=config.cooldown_days)


@dataclass(frozen=True)
class ReserveAgain:
    """When a resident whose waiting reservation is cancelled could reserve again (rule 4:
    nothing holds a cancelled reservation against them, no waiting period; rule 2: only in
    their district's window). `until`: the window open now closes then; else `opens`."""

    until: datetime.datetime | None = None
    opens: datetime.datetime | None = None


def reserve_again_after_cancel(
    *, config: CampaignConfig, resident, now: datetime.datetime
) -> ReserveAgain:
    status = window_status(config=config, district=resident.district, now=now)
    if not status.open:
        return ReserveAgain(opens=status.next_opening)
    local = timezone.localtime(now)
    window = next((w for w in status.windows if w.contains(local.time())), None)
    if window is None:  # open by the status, yet no window holds this instant: say the next
        return ReserveAgain(opens=status.next_opening)
    return ReserveAgain(
        until=datetime.datetime.combine(local.date(), window.closes_at, local.tzinfo)
    )


def reserve_opens(
    *,
    config: CampaignConfig,
    resident,
    window,
    cooldown: datetime.date | None,
    now: datetime.datetime,
) -> dict | None:
    """When the "Reserve" button next works for this resident, for the page to say instead of
    showing a button that would only be refused: the next window's opening, or after a win
    the first opening from the day the cooldown ends (rule 7). `at` is None when the district
    has no window at all. None when the button works now. The POST checks every rule anyway."""
    if window is None:
        return None
    if cooldown is not None:
        start = datetime.datetime.combine(
            cooldown, datetime.time(0), tzinfo=timezone.get_default_timezone()
        )
        later = window_status(config=config, district=resident.district, now=start)
        at = start if later.open else later.next_opening
    elif window.open:
        return None
    else:
        at = window.next_opening
    if at is None:
        return {"at": None, "day": ""}
    days = (timezone.localtime(at).date() - timezone.localtime(now).date()).days
    return {"at": at, "day": {0: "today", 1: "tomorrow"}.get(days, "")}


def live_reservation(*, resident) -> Reservation | None:
    """The resident's reservation that is waiting or won (one at most, by a constraint)."""
    return resident.reservations.filter(state__in=LIVE_STATES).first()


# --- the pending-win rule ---------------------------------------------------------------------
# A draw records its wins (Win) as it commits and settles them onto their reservations right
# after (reservations.services.wins_settle): until then a won reservation still reads `waiting`.
# A win is pending while its pool is `drawn` and not yet `settled`. Every reader that tells
# waiting from won applies it, through this selector or this SQL fragment, nowhere by hand.

# The pending wins, as a subquery: (reservation_id, draw_id, drawn_at). Usually empty; the
# reservation is still `waiting` exactly while its win is in it.
PENDING_WINS_SQL = f"""
    SELECT w.reservation_id, w.draw_id, p.drawn_at
    FROM {Win._meta.db_table} AS w
    JOIN {PoolSnapshot._meta.db_table} AS p ON p.draw_id = w.draw_id
    WHERE p.state = '{PoolState.DRAWN.value}'
"""

# The latest cut-off of a pool that froze and was not voided (NULL before the first): no
# reservation is stamped before it (reservations.services).
LATEST_CUTOFF_SQL = f"""
    SELECT max(cutoff) FROM {PoolSnapshot._meta.db_table}
    WHERE state <> '{PoolState.VOIDED.value}'
"""


@dataclass(frozen=True)
class PendingWin:
    draw_id: int
    drawn_at: datetime.datetime


def pending_wins(*, reservation_ids: Iterable[int]) -> dict[int, PendingWin]:
    """The pending wins of these reservations, by reservation id."""
    ids = list(reservation_ids)
    if not ids:
        return {}
    found = (
        Win.objects.filter(reservation_id__in=ids)
        .annotate(
            drawn_at=Subquery(
                PoolSnapshot.objects.filter(
                    draw_id=OuterRef("draw_id"), state=PoolState.DRAWN
                ).values("drawn_at")[:1]
            )
        )
        .filter(drawn_at__isnull=False)
        .values_list("reservation_id", "draw_id", "drawn_at")
    )
    return {rid: PendingWin(draw_id=did, drawn_at=at) for rid, did, at in found}


def pending_wins_apply(*, reservations: Iterable[Reservation | None]) -> None:
    """Let reservations whose win is pending read as won, in memory (state, won_at and
    won_draw_id as settling will write them). Only a `waiting` reservation can have one."""
    waiting = {r.pk: r for r in reservations if r is not None and r.state == S.WAITING}
    for reservation_id, win in pending_wins(reservation_ids=waiting).items():
        pending_win_apply(reservation=waiting[reservation_id], win=win)


def pending_win_apply(*, reservation: Reservation, win: PendingWin | None) -> None:
    """The same for one reservation whose pending win the caller read (PENDING_WINS_SQL)."""
    if win is not None and reservation.state == S.WAITING:
        reservation.state = S.WON
        reservation.won_draw_id = win.draw_id
        reservation.won_at = win.drawn_at


def _hour_counts(
    *, since: datetime.date | None, until: datetime.date | None, district_id: int | None
):
    """The hourly counts of reservations made between two Shanghai dates (both included)."""
    city = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows = ReservationHourCount.objects.exclude(count=0)
    if district_id is not None:
        rows = rows.filter(district_id=district_id)
    if since is not None:
        rows = rows.filter(hour__gte=datetime.datetime.combine(since, datetime.time(0), city))
    if until is not None:
        end = until + datetime.timedelta(days=1)
        rows = rows.filter(hour__lt=datetime.datetime.combine(end, datetime.time(0), city))
    return rows


def reservations_per_day(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    district_id: int | None = None,
) -> list[dict]:
    """Reservations made per district per day (Shanghai dates, both ends included), oldest
    first: `{"date", "district_id", "count"}`. Read by the officials' dashboard and the open
    data; cancelled reservations count, since each was made.

    From the hourly counts the database keeps (ReservationHourCount): a few thousand rows for a
    whole campaign, where counting 3,000,000 reservations took over a second."""
    day = TruncDate("hour", tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    rows = _hour_counts(since=since, until=until, district_id=district_id)
    return list(
        rows.annotate(date=day)
        .values("date", "district_id")
        .annotate(count=Sum("count"))
        .order_by("date", "district_id")
    )


def reservations_per_day_and_hour(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    district_id: int | None = None,
) -> tuple[list[dict], list[dict]]:
    """Reservations made per district and Shanghai day, `{"date", "district_id", "count"}`,
    and per district and Shanghai hour of the day (0-23), `{"hour", "district_id", "count"}`,
    both in order. One read for the dashboard's daily and hourly charts.

    The stored hours are summed over their slots first, and only those sums (one per hour and
    district) told in Shanghai and grouped both ways in one pass (GROUPING SETS): a few hundred
    rows come back, where returning every hour of a campaign (3,300 at 3,000,000 reservations)
    and telling each in Shanghai in Python took most of the dashboard's time."""
    hours = (
        _hour_counts(since=since, until=until, district_id=district_id)
        .values("hour", "district_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    inner, params = hours.query.sql_with_params()
    sql = f"""
        SELECT GROUPING(local.day), local.day, local.hour_of_day, local.district_id,
               sum(local.n)::bigint
        FROM (
            SELECT (per_hour.hour AT TIME ZONE %s)::date AS day,
                   extract(hour FROM per_hour.hour AT TIME ZONE %s)::int AS hour_of_day,
                   per_hour.district_id, per_hour.n
            FROM ({inner}) AS per_hour
        ) AS local
        GROUP BY GROUPING SETS ((local.day, local.district_id),
                                (local.hour_of_day, local.district_id))
        ORDER BY 1, 2, 3, 4
    """
    city = settings.TIME_ZONE
    per_day, per_hour = [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, [city, city, *params])
        for by_hour, day, hour, district, n in cursor.fetchall():
            if by_hour:
                per_hour.append({"hour": hour, "district_id": district, "count": n})
            else:
                per_day.append({"date": day, "district_id": district, "count": n})
    return per_day, per_hour


def lapsed_wins_count() -> int:
    """Wins that lapsed unused (their packs go back to stock), from the counts the database
    keeps: counting them among 3,000,000 reservations took a quarter of a second or more."""
    rows = ReservationStateCount.objects.filter(state=S.LAPSED).exclude(won_draw_id=0)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def reservation_state_counts(*, district_id: int | None = None) -> list[dict]:
    """Reservations now per district, state and draw won in (`won_draw_id`, None if none):
    `{"district_id", "state", "won_draw_id", "count"}`. Wins pending settlement count as won
    in their draw (the pending-win rule). From the counts the database keeps
    (ReservationStateCount)."""
    rows = ReservationStateCount.objects.exclude(count=0)
    if district_id is not None:
        rows = rows.filter(district_id=district_id)
    counts: dict[tuple, int] = {}
    for row in rows.values("district_id", "state", "won_draw_id").annotate(n=Sum("count")):
        key = (row["district_id"], row["state"], row["won_draw_id"] or None)
        counts[key] = counts.get(key, 0) + row["n"]
    # Usually none: only in the seconds between a draw's commit and its settling. The drawn
    # pools first, on their own: joined in one query, the planner read every win ever made.
    drawn = list(
        PoolSnapshot.objects.filter(state=PoolState.DRAWN).values_list("draw_id", flat=True)
    )
    pending = Win.objects.filter(draw_id__in=drawn, reservation__state=S.WAITING)
    if district_id is not None:
        pending = pending.filter(reservation__district_id=district_id)
    grouped = pending.values("reservation__district_id", "draw_id").annotate(n=Count("pk"))
    for row in grouped if drawn else []:
        district = row["reservation__district_id"]
        waiting = (district, S.WAITING.value, None)
        counts[waiting] = counts.get(waiting, 0) - row["n"]
        won = (district, S.WON.value, row["draw_id"])
        counts[won] = counts.get(won, 0) + row["n"]
    return [
        {"district_id": d, "state": state, "won_draw_id": draw, "count": n}
        for (d, state, draw), n in sorted(
            counts.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
        )
        if n
    ]


# --- retention --------------------------------------------------------------------------------


def reservations_closed_before(*, cutoff: datetime.datetime) -> QuerySet[Reservation]:
    """Reservations in a final state since before `cutoff`: since `closed_at`, or for those
    closed before it was recorded (issue 14), since their cancel or win, the nearest time each
    kept."""
    return (
        Reservation.objects.filter(state__in=CLOSED_STATES)
        .annotate(closed=Coalesce("closed_at", "cancelled_at", "won_at", "created_at"))
        .filter(closed__lt=cutoff)
    )

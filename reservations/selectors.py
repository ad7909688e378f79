"""Reads of the reference data and the campaign configuration."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone

from reservations.models import (
    CampaignConfig,
    District,
    Reservation,
    ReservationWindow,
    Town,
)


def campaign_get() -> CampaignConfig:
    """The campaign configuration; its defaults (DOMAIN.md) until an official saves one."""
    return CampaignConfig.objects.filter(pk=CampaignConfig.SINGLETON_ID).first() or CampaignConfig()


@dataclass(frozen=True)
class DistrictWindows:
    district: District
    windows: list[ReservationWindow]


def district_windows_list() -> list[DistrictWindows]:
    """Each district with the windows its residents may reserve in: its own and the shared ones."""
    shared = list(ReservationWindow.objects.filter(district__isnull=True))
    districts = District.objects.prefetch_related(
        Prefetch("windows", queryset=ReservationWindow.objects.order_by("opens_at"))
    )
    return [
        DistrictWindows(
            district=district,
            windows=sorted([*district.windows.all(), *shared], key=lambda w: w.opens_at),
        )
        for district in districts
    ]


def shared_windows_list() -> list[ReservationWindow]:
    return list(ReservationWindow.objects.filter(district__isnull=True))


def draw_schedule_next(*, config: CampaignConfig, now: datetime.datetime) -> datetime.datetime:
    """The next regular draw at or after `now` by rule 5 (first after N days, then every M).

    Postponed, paused and extra draws are the lottery's to record; this is the plain schedule.
    """
    tz = timezone.get_default_timezone()
    first_day = config.start_date + datetime.timedelta(days=config.first_draw_after_days)
    first = datetime.datetime.combine(first_day, config.draw_time, tzinfo=tz)
    if now <= first:
        return first
    interval = datetime.timedelta(days=config.draw_interval_days)
    elapsed = now - first
    steps = -(-elapsed // interval)  # ceiling division of timedeltas
    return first + steps * interval


def draw_pool_cutoff(*, config: CampaignConfig, draw_at: datetime.datetime) -> datetime.datetime:
    """The default pool cut-off of a draw: the configured time, N days before the draw day."""
    tz = timezone.get_default_timezone()
    day = timezone.localtime(draw_at, tz).date() - datetime.timedelta(
        days=config.pool_cutoff_days_before
    )
    return datetime.datetime.combine(day, config.pool_cutoff_time, tzinfo=tz)


def district_windows(district: District) -> list[ReservationWindow]:
    """The windows a district's residents may reserve in: its own and the shared ones."""
    return list(
        ReservationWindow.objects.filter(Q(district=district) | Q(district__isnull=True)).order_by(
            "opens_at"
        )
    )


@dataclass(frozen=True)
class WindowStatus:
    open: bool
    windows: list[ReservationWindow]
    not_started: bool  # the campaign's start date is still ahead
    next_opening: datetime.datetime | None = None  # when closed: the next window's start

    @property
    def windows_text(self) -> str:
        return ", ".join(f"{w.opens_at:%H:%M}–{w.closes_at:%H:%M}" for w in self.windows)


def window_status(
    *, config: CampaignConfig, district: District, now: datetime.datetime
) -> WindowStatus:
    """Rule 2: daily from the start date, [opens, closes) in the city's time."""
    local = timezone.localtime(now)
    windows = district_windows(district)
    tz = timezone.get_default_timezone()
    if local.date() < config.start_date:
        first = (
            datetime.datetime.combine(config.start_date, windows[0].opens_at, tzinfo=tz)
            if windows
            else None
        )
        return WindowStatus(open=False, windows=windows, not_started=True, next_opening=first)
    moment = local.time()
    is_open = any(window.contains(moment) for window in windows)
    next_opening = None
    if not is_open and windows:
        later = [w.opens_at for w in windows if w.opens_at > moment]
        day = local.date() if later else local.date() + datetime.timedelta(days=1)
        next_opening = datetime.datetime.combine(
            day, (later or [windows[0].opens_at])[0], tzinfo=tz
        )
    return WindowStatus(open=is_open, windows=windows, not_started=False, next_opening=next_opening)


def cooldown_ends(*, config: CampaignConfig, resident) -> datetime.date | None:
    """Rule 7: a winner may reserve again from 00:00 of the Nth day after the draw day."""
    last_win = (
        Reservation.objects.filter(resident=resident, won_at__isnull=False)
        .order_by("-won_at")
        .values_list("won_at", flat=True)
        .first()
    )
    if last_win is None:
        return None
    return timezone.localtime(last_win).date() + datetime.timedelta(days=config.cooldown_days)


def delivery_address(*, district: District, town: Town, street_address: str) -> str:
    """The full delivery address as residents see it and partners send it."""
    return f"福州市{district.name}{town.name}{street_address}"


def live_reservation(resident) -> Reservation | None:
    return resident.reservations.filter(state__in=["waiting", "won"]).first()


def draws_entered(
    *, config: CampaignConfig, reservation, now: datetime.datetime
) -> list[datetime.datetime]:
    """The draws a reservation has been in, derived from their cut-offs (a reservation is in
    every pool that closed after it was made while it was waiting), not stored per draw.

    The draws the lottery has recorded, once there are any; before that, the plain schedule.
    """
    from lottery.models import Draw

    if Draw.objects.exists():
        end = reservation.cancelled_at or now
        closed = Draw.objects.filter(
            status__in=["pool_closed", "drawn", "signed_off"],
            pool_cutoff__gt=reservation.created_at,
            pool_cutoff__lte=end,
        )
        if reservation.won_draw_id:
            closed = closed.filter(pool_cutoff__lte=reservation.won_draw.pool_cutoff)
        return list(closed.order_by("scheduled_at").values_list("scheduled_at", flat=True))
    entered: list[datetime.datetime] = []
    draw_at = draw_schedule_next(config=config, now=reservation.created_at)
    end = reservation.won_at or reservation.cancelled_at or now
    while draw_at <= end and len(entered) < 366:
        if draw_pool_cutoff(config=config, draw_at=draw_at) > reservation.created_at:
            entered.append(draw_at)
        draw_at += datetime.timedelta(days=config.draw_interval_days)
    return entered


def purchase_window(
    *, config: CampaignConfig, reservation
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """Rule 6: from the configured time on the draw day, for the configured hours."""
    draw = reservation.won_draw if reservation.won_draw_id else None
    return purchase_window_from(
        won_at=reservation.won_at,
        draw_window=(draw.purchase_opens_at, draw.purchase_closes_at) if draw else None,
        opens_at=config.purchase_opens_at,
        hours=config.purchase_window_hours,
    )


def purchase_window_from(
    *,
    won_at: datetime.datetime | None,
    draw_window: tuple[datetime.datetime | None, datetime.datetime | None] | None,
    opens_at: datetime.time,
    hours: int,
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The same rule from the values themselves, for a caller that read them in one query."""
    if won_at is None:
        return None
    if draw_window and draw_window[0]:
        return draw_window  # the window the draw fixed (an official may adjust it)
    tz = timezone.get_default_timezone()
    day = timezone.localtime(won_at).date()
    opens = datetime.datetime.combine(day, opens_at, tzinfo=tz)
    return opens, opens + datetime.timedelta(hours=hours)

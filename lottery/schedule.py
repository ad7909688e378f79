"""The draw schedule's arithmetic (rules 5 and 6): when regular draws fall, when their pools
close, and the purchase window a win gives. Plain functions of the configuration; what the
lottery has recorded (postponed, paused, extra draws) is in `lottery.selectors`."""

import datetime

from django.utils import timezone

from city.models import CampaignConfig
from lottery.models import Draw


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


def purchase_window(
    *, config: CampaignConfig, reservation
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """Rule 6: from the configured time on the draw day, for the configured hours, unless the
    draw fixed its own window."""
    draw = None
    if reservation.won_draw_id:
        draw = (
            Draw.objects.filter(pk=reservation.won_draw_id)
            .only("purchase_opens_at", "purchase_closes_at")
            .first()
        )
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

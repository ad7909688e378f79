"""Reads of the reference data and the campaign configuration."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from reservations.models import CampaignConfig, District, ReservationWindow


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

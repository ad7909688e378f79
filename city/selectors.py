"""Reads of the reference data and the campaign configuration."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone

from city.models import CampaignConfig, District, ReservationWindow, Town


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


def district_windows(*, district: District) -> list[ReservationWindow]:
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
    next_opening: datetime.datetime | None = None  # when closed: the next window's start

    @property
    def windows_text(self) -> str:
        return ", ".join(w.times_text for w in self.windows)


def window_status(
    *,
    config: CampaignConfig,
    district: District,
    now: datetime.datetime,
    windows: list[ReservationWindow] | None = None,
) -> WindowStatus:
    """Rule 2: daily from the start date, [opens, closes) in the city's time. `windows`: the
    district's (district_windows), for a caller that already read them."""
    local = timezone.localtime(now)
    if windows is None:
        windows = district_windows(district=district)
    tz = timezone.get_default_timezone()
    if local.date() < config.start_date:
        first = (
            datetime.datetime.combine(config.start_date, windows[0].opens_at, tzinfo=tz)
            if windows
            else None
        )
        return WindowStatus(open=False, windows=windows, next_opening=first)
    moment = local.time()
    is_open = any(window.contains(moment) for window in windows)
    next_opening = None
    if not is_open and windows:
        later = [w.opens_at for w in windows if w.opens_at > moment]
        day = local.date() if later else local.date() + datetime.timedelta(days=1)
        next_opening = datetime.datetime.combine(
            day, (later or [windows[0].opens_at])[0], tzinfo=tz
        )
    return WindowStatus(open=is_open, windows=windows, next_opening=next_opening)


def delivery_address(*, district: District, town: Town, street_address: str) -> str:
    """The full delivery address as residents see it and partners send it."""
    return f"福州市{district.name}{town.name}{street_address}"


def masked_repr(obj) -> str:
    """How the audit trail and the admin's log name a record: its `masked_repr()` where its
    `__str__` holds personal data (a resident's name, an account's phone), else `str(obj)`."""
    method = getattr(obj, "masked_repr", None)
    return str(method() if callable(method) else obj)[:200]

"""The home page, rendered once per language and kind of visitor and kept in Redis briefly.

Every resident opens the home page first, at the peak: rendering it costs seven small queries
and a long template, for a page that is the same for everyone. So the rendered page is kept in
the cache (Redis, CACHES) for at most HOME_PAGE_CACHE_SECONDS, and never past the next moment
the schedule notice changes by itself (a pool cut-off, a draw time, or a day after a draw: see
`expires_in`), so a cached page never shows a draw whose pool has closed.

What differs between visitors stays out of the cached copy: the CSRF token of the language
form is put in per request (its placeholder is replaced), the "Sign in" / "My reservation"
button gives two copies (residents, everyone else), a page with messages to show or a query
string is rendered afresh, and each language has its own copy.

Saving a campaign configuration, district, window, draw or pause through the ORM drops the
copies once the change commits (`portal.apps`). Changes made with `QuerySet.update()` (the
lottery moves draws so) send no signal: their copies age out within HOME_PAGE_CACHE_SECONDS,
which is why that is short (30 s: a postponement or pause reaches the home page within it; a
resident's own page, which must show a win at once, is never cached).
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from city.memo import forget, remembered
from city.models import CampaignConfig
from city.selectors import campaign_get
from lottery.selectors import ScheduleNotice, schedule_notice

# Stands for the CSRF token in a cached page; no page text can hold it (it is not a word).
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
VARIANTS = ("resident", "visitor")


def home_key(*, language: str, variant: str) -> str:
    return f"portal:page:home:{language}:{variant}"


def home_keys() -> list[str]:
    return [
        home_key(language=code, variant=variant)
        for code, _name in settings.LANGUAGES
        for variant in VARIANTS
    ]


NOTICE_KEY = "portal:schedule-notice"
CAMPAIGN_KEY = "portal:campaign"


def home_forget() -> None:
    """Drop every cached copy of the home page and of the schedule notice (after a change
    they show)."""
    cache.delete_many([*home_keys(), NOTICE_KEY, CAMPAIGN_KEY])
    forget()  # this process's copies too (the others age out within LOCAL_CACHE_SECONDS)


def campaign_cached() -> CampaignConfig:
    """The campaign configuration for what every page's footer shows (the hotline), kept
    HOME_PAGE_CACHE_SECONDS in Redis and a few seconds in each process (city.memo). Only for
    display: rules read city.selectors.campaign_get."""
    return remembered(CAMPAIGN_KEY, _campaign_shared)


def _campaign_shared() -> CampaignConfig:
    config = cache.get(CAMPAIGN_KEY)
    if config is None:
        config = campaign_get()
        if settings.HOME_PAGE_CACHE_SECONDS > 0:
            cache.set(CAMPAIGN_KEY, config, settings.HOME_PAGE_CACHE_SECONDS)
    return config


def schedule_notice_cached() -> ScheduleNotice:
    """The lottery's schedule notice, kept as the home page is (same limits, same
    invalidation), and a few seconds in each process (city.memo) but never past the moment it
    changes by itself: "My reservation" shows it on every visit, and it is the same for all."""
    return remembered(NOTICE_KEY, _notice_shared, expires=lambda notice: expires_in(notice=notice))


def _notice_shared() -> ScheduleNotice:
    notice = cache.get(NOTICE_KEY)
    if notice is None:
        notice = schedule_notice()
        seconds = expires_in(notice=notice)
        if seconds > 0:
            cache.set(NOTICE_KEY, notice, seconds)
    return notice


def expires_in(*, notice, now: datetime.datetime | None = None) -> int:
    """Seconds a home page showing `notice` may be kept: HOME_PAGE_CACHE_SECONDS, or less when
    the notice changes by itself sooner (lottery.selectors.schedule_notice drops a scheduled
    draw at its cut-off and a draw a day after its time; the plain schedule moves on at a draw
    time). 0 when the page must not be kept."""
    limit = int(settings.HOME_PAGE_CACHE_SECONDS)
    if limit <= 0:
        return 0
    now = now or timezone.now()
    moments = [notice.cutoff, notice.draw_at]
    if notice.draw_at is not None:
        moments.append(notice.draw_at + datetime.timedelta(days=1))
    future = [(moment - now).total_seconds() for moment in moments if moment and moment > now]
    # Whole seconds, rounded down: a copy never outlives the moment it would be wrong.
    return int(min([limit, *future]))

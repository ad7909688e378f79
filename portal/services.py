"""Writes the residents' pages make that belong to no app below: an anonymous suggestion for
the city, within its rate limits."""

from django.conf import settings
from django.utils.translation import ngettext

from city.errors import Refused
from city.models import Suggestion
from reservations import limits


def _too_many_from_you(minutes: int) -> str:
    return ngettext(
        "You have sent several messages in a short time. Thank you! Please try again in "
        "%(minutes)d minute.",
        "You have sent several messages in a short time. Thank you! Please try again in "
        "%(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _too_many_at_once(minutes: int) -> str:
    return ngettext(
        "Many messages are arriving right now. Please try again in %(minutes)d minute.",
        "Many messages are arriving right now. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def suggestion_submit(
    *, text: str, contact: str = "", language: str = "", source: str = ""
) -> Suggestion:
    """Keep an anonymous comment for the city, within the per-source and site-wide limits
    (the form needs no account, so nothing else stops a flood); refused, nothing is saved."""
    # Per source first: a flood from one address is stopped before it uses the site's share.
    for key, limit, window, message in [
        (
            f"suggestions:ip:{source}",
            settings.SUGGESTIONS_PER_IP_PER_HOUR,
            3600,
            _too_many_from_you,
        ),
        ("suggestions:site", settings.SUGGESTIONS_SITE_PER_MINUTE, 60, _too_many_at_once),
    ]:
        retry_after = limits.hit(key, limit=limit, window=window) if limit > 0 else None
        if retry_after:
            raise Refused(
                "too_many_suggestions", message(-(-retry_after // 60)), retry_after=retry_after
            )
    return Suggestion.objects.create(text=text.strip(), contact=contact.strip(), language=language)

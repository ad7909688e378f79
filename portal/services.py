"""Writes that belong to no app below: an anonymous suggestion for the city, within its rate
limits; the retention of personal data, across the apps that hold them."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from city.errors import Refused
from city.models import AuditAction, Suggestion
from city.services import audit_record, suggestion_contacts_erase
from notifications.services import outbox_personal_data_erase
from reservations import limits
from reservations.services import personal_data_erase, sign_in_codes_erase


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


@dataclass(frozen=True)
class Purged:
    cutoff: datetime.datetime
    reservations: int
    residents: int
    outbox_messages: int
    sign_in_codes: int
    suggestion_contacts: int

    @property
    def total(self) -> int:
        return (
            self.reservations
            + self.residents
            + self.outbox_messages
            + self.sign_in_codes
            + self.suggestion_contacts
        )


def personal_data_purge(
    *, retention_days: int, now: datetime.datetime, dry_run: bool = False
) -> Purged:
    """Erase the personal data of reservations closed more than `retention_days` ago (and of
    their residents and their accounts, when nothing newer is theirs), of text messages finished
    before then, the sign-in codes made before then and the contacts left with suggestions
    received before then, each by the app that owns them; one audit entry with the counts.
    Orders and parcels hold none (the reservation's number stands for the person). A second
    run erases nothing and records nothing. `dry_run` counts what would be erased, writing
    nothing."""
    cutoff = now - datetime.timedelta(days=retention_days)
    with transaction.atomic():
        erased = personal_data_erase(cutoff=cutoff, now=now, dry_run=dry_run)
        messages = outbox_personal_data_erase(cutoff=cutoff, dry_run=dry_run)
        purged = Purged(
            cutoff=cutoff,
            reservations=erased.reservations,
            residents=erased.residents,
            outbox_messages=messages,
            sign_in_codes=sign_in_codes_erase(cutoff=cutoff, dry_run=dry_run),
            suggestion_contacts=suggestion_contacts_erase(cutoff=cutoff, dry_run=dry_run),
        )
        if purged.total and not dry_run:
            audit_record(
                actor=None,
                action=AuditAction.PERSONAL_DATA_ERASED,
                summary={
                    "retention_days": retention_days,
                    "cutoff": timezone.localtime(cutoff).isoformat(timespec="minutes"),
                    "reservations": purged.reservations,
                    "residents": purged.residents,
                    "outbox_messages": purged.outbox_messages,
                    "sign_in_codes": purged.sign_in_codes,
                    "suggestion_contacts": purged.suggestion_contacts,
                },
                at=now,
            )
    return purged

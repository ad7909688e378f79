"""Writes to the reference data, the campaign configuration and the audit trail."""

import datetime
from collections import Counter
from types import ModuleType

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from city.errors import Refused
from city.models import (
    AuditAction,
    AuditEntry,
    CampaignConfig,
    Community,
    District,
    OtherArea,
    ReservationWindow,
    Suggestion,
    Town,
)
from city.selectors import masked_repr
from city.signals import reference_data_loaded


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


@transaction.atomic
def reference_data_load(*, data: ModuleType) -> Counter:
    """Create whatever of `data` is missing; never overwrite what officials have edited since.

    Rows are found by their natural keys (district code, town name in its district, community
    name in its town, ...), so a second run creates nothing and changes nothing. Returns how many
    rows of each kind were created.
    """
    created: Counter = Counter()

    def tally(kind: str, was_created: bool) -> None:
        created[kind] += int(was_created)

    for order, item in enumerate(data.DISTRICTS, start=1):
        district, new = District.objects.get_or_create(
            code=item["code"],
            defaults={"name": item["name"], "name_en": item["name_en"], "sort_order": order},
        )
        tally("districts", new)
        opens, closes = item["window"]
        _, new = ReservationWindow.objects.get_or_create(
            district=district, opens_at=_time(opens), defaults={"closes_at": _time(closes)}
        )
        tally("windows", new)
        for town_item in item["towns"]:
            town, new = Town.objects.get_or_create(
                district=district,
                name=town_item["name"],
                defaults={
                    "name_en": town_item["name_en"],
                    "in_delivery_range": town_item["in_delivery_range"],
                },
            )
            tally("towns", new)
            for community_item in town_item["communities"]:
                _, new = Community.objects.get_or_create(
                    town=town,
                    name=community_item["name"],
                    defaults={
                        "name_en": community_item["name_en"],
                        "phone": community_item["phone"],
                        "address": community_item["address"],
                    },
                )
                tally("communities", new)

    opens, closes = data.SHARED_WINDOW
    if not ReservationWindow.objects.filter(district__isnull=True, opens_at=_time(opens)).exists():
        ReservationWindow.objects.create(
            district=None, opens_at=_time(opens), closes_at=_time(closes)
        )
        tally("windows", True)

    # Apps above the kernel load their part of the same data (pickup: its points).
    for _receiver, counts in reference_data_loaded.send(sender=reference_data_load, data=data):
        created.update(counts or {})

    for order, item in enumerate(data.OTHER_AREAS, start=1):
        _, new = OtherArea.objects.get_or_create(
            name=item["name"],
            defaults={"name_en": item["name_en"], "phone": item["phone"], "sort_order": order},
        )
        tally("other areas", new)

    _, new = CampaignConfig.objects.get_or_create(
        pk=CampaignConfig.SINGLETON_ID,
        defaults={
            "city_hotline": data.CITY_HOTLINE,
            "city_hotline_name": data.CITY_HOTLINE_NAME,
            "city_hotline_name_en": data.CITY_HOTLINE_NAME_EN,
        },
    )
    tally("campaign configuration", new)
    if sum(created.values()):
        audit_record(actor=None, action=AuditAction.REFERENCE_DATA_LOADED, summary=dict(created))
    return created


def campaign_start_today(*, today: datetime.date) -> CampaignConfig:
    """For a demo: a campaign that has not begun (or still has the 2020 default) starts today."""
    config, _ = CampaignConfig.objects.select_for_update().get_or_create(
        pk=CampaignConfig.SINGLETON_ID
    )
    default_start = CampaignConfig._meta.get_field("start_date").default
    if config.start_date > today or config.start_date == default_start:
        config.start_date = today
        config.committee_registration_deadline = today + datetime.timedelta(days=7)
        config.save(update_fields=["start_date", "committee_registration_deadline", "updated_at"])
        audit_record(
            actor=None,
            action=AuditAction.CAMPAIGN_STARTED,
            target=config,
            summary={"start_date": today.isoformat()},
        )
    return config


# The demo window: shared by every district, the whole day (a window may not cross midnight).
DEMO_WINDOW_OPENS = datetime.time(0)
DEMO_WINDOW_CLOSES = datetime.time.max


@transaction.atomic
def demo_window_open() -> ReservationWindow:
    """For a newcomer trying the site on a developer's machine at any hour (`setup_demo`): one
    window shared by every district, open all day, marked as a demo wherever windows are shown.
    Made once, put back to all day on every later run; refused, making nothing, unless DEBUG
    is on, since on a real site it would let everybody reserve outside the windows (rule 2)."""
    if not settings.DEBUG:
        raise Refused(
            "not_debug",
            _("DEBUG is off: no demo window is made; residents reserve in the real windows only."),
        )
    demos = ReservationWindow.objects.select_for_update().filter(is_demo=True).order_by("pk")
    window = demos.first()
    if window is None:
        if ReservationWindow.objects.filter(
            district__isnull=True, opens_at=DEMO_WINDOW_OPENS
        ).exists():
            raise Refused(
                "window_taken",
                _(
                    "A window for all districts opening at 00:00 exists already: no demo window "
                    "is made. Make it close at the end of the day in the admin instead."
                ),
            )
        return ReservationWindow.objects.create(
            district=None, opens_at=DEMO_WINDOW_OPENS, closes_at=DEMO_WINDOW_CLOSES, is_demo=True
        )
    demos.exclude(pk=window.pk).delete()
    if (window.district_id, window.opens_at, window.closes_at) != (
        None,
        DEMO_WINDOW_OPENS,
        DEMO_WINDOW_CLOSES,
    ):
        window.district = None
        window.opens_at, window.closes_at = DEMO_WINDOW_OPENS, DEMO_WINDOW_CLOSES
        window.save(update_fields=["district", "opens_at", "closes_at"])
    return window


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: AuditAction,
    target: models.Model | None = None,
    summary: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """Record a change staff made (`actor`; None for a command run without an account) in the
    append-only audit trail, in the caller's transaction: the entry stands or falls with the
    change. `summary` must hold no personal data beyond masked values (`city.phones.mask_phone`,
    `reservations.validators.mask_name`): numbers, counts, states, names of places."""
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.pk is not None else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=masked_repr(target) if target is not None else "",
        summary=summary or {},
    )


def suggestion_contacts_erase(*, cutoff: datetime.datetime, dry_run: bool = False) -> int:
    """Blank the contact left with suggestions received before `cutoff` (retention: a phone or
    an address, by then answered or never to be); the text stays for the city. Returns how
    many; a second run blanks nothing. `dry_run` counts without writing."""
    suggestions = Suggestion.objects.filter(created_at__lt=cutoff).exclude(contact="")
    if dry_run:
        return suggestions.count()
    return suggestions.update(contact="")

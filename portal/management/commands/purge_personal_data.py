from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from portal.services import Purged, personal_data_purge


def _counts(purged: Purged) -> str:
    parts = [
        ngettext("%(n)d reservation", "%(n)d reservations", purged.reservations),
        ngettext("%(n)d resident", "%(n)d residents", purged.residents),
        ngettext("%(n)d text message", "%(n)d text messages", purged.outbox_messages),
        ngettext("%(n)d sign-in code", "%(n)d sign-in codes", purged.sign_in_codes),
        ngettext(
            "%(n)d suggestion's contact", "%(n)d suggestions' contacts", purged.suggestion_contacts
        ),
    ]
    counts = [
        purged.reservations,
        purged.residents,
        purged.outbox_messages,
        purged.sign_in_codes,
        purged.suggestion_contacts,
    ]
    return pgettext("list separator", ", ").join(
        part % {"n": n} for part, n in zip(parts, counts, strict=True)
    )


class Command(BaseCommand):
    help = (
        "Erase the personal data (phone, address, name, document) of reservations closed longer "
        "than PERSONAL_DATA_RETENTION_DAYS, with their residents' accounts, and of finished text "
        "messages, sign-in codes and suggestions' contacts as old; numbers, states and counts "
        "stay. Safe to run again: a second run erases nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be erased, erase nothing"
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise CommandError(
                _(
                    "PERSONAL_DATA_RETENTION_DAYS must be a whole number of days, at least 1 "
                    "(it is %(days)s); nothing was erased."
                )
                % {"days": repr(days)}
            )
        purged = personal_data_purge(retention_days=days, now=timezone.now(), dry_run=dry_run)
        place = {
            "counts": _counts(purged),
            "cutoff": timezone.localtime(purged.cutoff).strftime("%Y-%m-%d %H:%M %Z"),
        }
        if dry_run:
            self.stdout.write(
                _("dry run: would erase %(counts)s (closed before %(cutoff)s)") % place
            )
        elif purged.total:
            self.stdout.write(
                _("erased %(counts)s (closed before %(cutoff)s); recorded in the audit trail")
                % place
            )
        else:
            self.stdout.write(
                _("nothing to erase: no personal data closed before %(cutoff)s") % place
            )

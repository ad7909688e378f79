from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.services import personal_data_purge


class Command(BaseCommand):
    help = (
        "Erase the personal data (phone, address, name, document) of reservations closed longer "
        "than PERSONAL_DATA_RETENTION_DAYS, and of finished text messages as old; numbers, "
        "states and counts stay. Safe to run again: a second run erases nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be erased, erase nothing"
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise CommandError(
                f"PERSONAL_DATA_RETENTION_DAYS must be a whole number of days, at least 1 "
                f"(it is {days!r}); nothing was erased."
            )
        purged = personal_data_purge(retention_days=days, now=timezone.now(), dry_run=dry_run)
        cutoff = timezone.localtime(purged.cutoff).strftime("%Y-%m-%d %H:%M %Z")
        counts = (
            f"{purged.reservations} reservations, {purged.residents} residents, "
            f"{purged.outbox_messages} text messages"
        )
        if dry_run:
            self.stdout.write(f"dry run: would erase {counts} (closed before {cutoff})")
        elif purged.total:
            self.stdout.write(
                f"erased {counts} (closed before {cutoff}); recorded in the audit trail"
            )
        else:
            self.stdout.write(f"nothing to erase: no personal data closed before {cutoff}")

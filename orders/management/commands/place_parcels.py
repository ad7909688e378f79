from django.core.management.base import BaseCommand
from django.utils import timezone

from orders.services import parcels_backfill


class Command(BaseCommand):
    help = (
        "Give pickup orders placed before the hand-over chain existed their parcel, in their "
        "point's batch of their delivery date (docs/pickup.md). Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        placed = parcels_backfill(now=timezone.now())
        self.stdout.write(f"placed {placed} parcels")

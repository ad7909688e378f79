from django.core.management.base import BaseCommand

from city.reference import fuzhou
from city.services import reference_data_load


class Command(BaseCommand):
    help = (
        "Load Fuzhou's districts, towns, communities, reservation windows, pickup points, other "
        "areas' contact lines and the campaign configuration. Safe to run again: it only adds "
        "what is missing and never overwrites what officials edited."
    )

    def handle(self, *args, **options) -> None:
        created = reference_data_load(data=fuzhou)
        kinds = [
            "districts",
            "towns",
            "communities",
            "windows",
            "pickup points",
            "other areas",
            "campaign configuration",
        ]
        summary = ", ".join(f"{kind} {created[kind]}" for kind in kinds)
        self.stdout.write(f"created: {summary}")

from django.core.management.base import BaseCommand, CommandError

from orders.services import PartnerExists, partner_create


class Command(BaseCommand):
    help = "Create a partner retailer; prints its API token alone on the last line (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        if not name.strip():
            raise CommandError("the partner needs a name")
        try:
            partner, token = partner_create(name=name)
        except PartnerExists:
            raise CommandError(f"a partner named {name!r} exists already") from None
        self.stdout.write(f"created partner {partner.name} (#{partner.pk}); its token, shown once:")
        self.stdout.write(token)

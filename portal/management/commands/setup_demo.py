from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from city import roles
from city.models import Community
from city.services import campaign_start_today
from lottery.models import POOL_OPEN_STATES, Draw
from lottery.services import schedule_keep
from pickup.models import PickupPoint
from pickup.services import pickup_staff_assign
from reservations.services import staff_account_set

# Demo accounts for a developer's machine: one per staff role, with well-known passwords.
DEMO_ACCOUNTS = [
    ("admin", "superuser", None),
    ("official", "official", roles.OFFICIAL),
    ("notary", "notary", roles.NOTARY),
    ("committee", "committee staff", roles.COMMITTEE_STAFF),
    ("pickup", "pickup staff", roles.PICKUP_STAFF),
]


class Command(BaseCommand):
    help = (
        "Developer demo: start the campaign today and create one staff account per role with a "
        "known password. Refused unless DEBUG is on (or --force), since the passwords are public."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("setup_demo creates accounts with public passwords: DEBUG is off.")
        point = PickupPoint.objects.first()
        # The committee of a town outside the delivery range near that point, so that a
        # demo pack can be followed from the point's batch to the committee and the resident.
        communities = Community.objects.select_related("town__district").order_by("pk")
        community = (
            communities.filter(
                town__in_delivery_range=False, town__district_id=point.district_id
            ).first()
            if point is not None
            else None
        ) or communities.first()
        if community is None or point is None:
            raise CommandError("Run `python manage.py load_fuzhou` first.")
        config = campaign_start_today(today=timezone.localdate())

        self.stdout.write(f"Campaign starts {config.start_date:%Y-%m-%d}.")
        self.stdout.write("Demo staff accounts (sign in at http://127.0.0.1:8000/admin/):")
        for username, label, group_name in DEMO_ACCOUNTS:
            password = f"puhui-{username}"
            user = staff_account_set(
                username=username,
                password=password,
                group=group_name,
                community=community if group_name == roles.COMMITTEE_STAFF else None,
            )
            pickup_staff_assign(
                user=user, point=point if group_name == roles.PICKUP_STAFF else None
            )
            where = ""
            if user.community:
                where = f"  ({community.town.district.name} {community.town.name} {community.name})"
            if group_name == roles.PICKUP_STAFF:
                where = f"  ({point.name})"
            self.stdout.write(f"  {label:<16} user {username:<10} password {password}{where}")
        # Beat keeps the schedule from now on; the first draws exist at once for the ceremony page.
        schedule_keep(now=timezone.now())
        coming = Draw.objects.filter(status__in=POOL_OPEN_STATES).order_by("scheduled_at")
        for draw in coming[:2]:
            self.stdout.write(
                f"Draw #{draw.pk} at {timezone.localtime(draw.scheduled_at):%Y-%m-%d %H:%M}: "
                f"http://127.0.0.1:8000/admin/lottery/draw/{draw.pk}/ceremony/"
            )

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from city import roles
from city.errors import Refused
from city.models import Community
from city.services import campaign_start_today, demo_window_open
from lottery.models import POOL_OPEN_STATES, Draw
from lottery.services import schedule_keep
from pickup.models import PickupPoint
from pickup.services import pickup_staff_assign
from reservations.models import Resident, User
from reservations.services import document_hash, staff_account_set
from reservations.validators import DocumentType, check_char

# Demo accounts for a developer's machine: one per staff role, with well-known passwords.
DEMO_ACCOUNTS = [
    ("admin", "superuser", None),
    ("official", "official", roles.OFFICIAL),
    ("notary", "notary", roles.NOTARY),
    ("committee", "committee staff", roles.COMMITTEE_STAFF),
    ("pickup", "pickup staff", roles.PICKUP_STAFF),
]


SITE = "http://127.0.0.1:8000"  # runserver's, as `make run` starts it (PORT aside)
# The walkthrough's resident: the first phone and resident ID of these ranges nobody here has
# used, so that every run of the steps starts a new resident (a winner waits out rule 7's
# cooldown, and a document belongs to one resident only).
_PHONE_FIRST = 13_800_138_000
_DOCUMENT_PREFIX = "35010219800101"  # Gulou, born 1980-01-01; a 3-digit sequence follows


def _unused_phone() -> str:
    for phone in map(str, range(_PHONE_FIRST, _PHONE_FIRST + 1000)):
        if not User.objects.filter(Q(phone=phone) | Q(username=phone)).exists():
            return phone
    return str(_PHONE_FIRST)


def _resident_id(sequence: int) -> str:
    first17 = f"{_DOCUMENT_PREFIX}{sequence:03d}"
    return first17 + check_char(first17)


def _unused_resident_id() -> str:
    for number in map(_resident_id, range(1000)):
        hashed = document_hash(document_type=DocumentType.RESIDENT_ID, number=number)
        if not Resident.objects.filter(document_hash=hashed).exists():
            return number
    return _resident_id(0)


def walkthrough_steps(*, site: str, phone: str, document: str) -> list[str]:
    """What a newcomer does after `make run`, from signing in to seeing the win; the README's
    walkthrough says the same."""
    return [
        f"Open {site}/ and choose 登录 (Sign in); the language button switches to English.",
        f"Sign in with the mobile number {phone} (any mainland mobile number works).",
        f"Read the six-digit code at {site}/dev/sms/ (or in the Celery worker's log) and enter it.",
        f"Verify your real name ({site}/me/verify/): any name, resident ID {document} (any "
        "well-formed one: the local identity provider accepts it), face recognition.",
        f"Enter your home address ({site}/me/address/): district, town, committee, street.",
        "Reserve now on My reservation: the demo window is open all day, so at any hour.",
        "Run a draw at once, in a second terminal: .venv/bin/python manage.py run_draw "
        "--quota 10 --purchase-opens now (every waiting reservation wins while there are no "
        "more than 10).",
        f"See the win: reload My reservation ({site}/me/), and look your number up at "
        f"{site}/results/ ; the draw's public page is {site}/draws/.",
    ]


class Command(BaseCommand):
    help = (
        "Developer demo: start the campaign today, open a demo reservation window for every "
        "district all day, create one staff account per role with a known password, and print "
        "the steps to try the site as a resident. Refused unless DEBUG is on (or --force, which "
        "still makes no demo window), since the passwords are public."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--site", default=SITE, help=f"the site's address (default {SITE})")

    @transaction.atomic
    def handle(self, *args, force: bool = False, site: str = SITE, **options) -> None:
        site = site.rstrip("/")
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
        try:
            window = demo_window_open()
        except Refused as refusal:
            window = None
            self.stdout.write(f"No demo window: {refusal.message}")
        else:
            with translation.override("en"):  # as the rest of this output
                times = window.times_text
            self.stdout.write(
                f"Demo reservation window, every district, all day: {times} "
                f"({site}/admin/city/reservationwindow/{window.pk}/change/)."
            )
        self.stdout.write(f"Demo staff accounts (sign in at {site}/admin/):")
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
                f"{site}/admin/lottery/draw/{draw.pk}/ceremony/"
            )
        if window is not None:
            self.stdout.write("Try it as a resident:")
            steps = walkthrough_steps(
                site=site, phone=_unused_phone(), document=_unused_resident_id()
            )
            for number, step in enumerate(steps, start=1):
                self.stdout.write(f"  {number}. {step}")

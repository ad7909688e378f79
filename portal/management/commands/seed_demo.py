import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from portal.seeding import CannotSeed, demo_residents_seed
from reservations.models import Reservation, Resident, User


class Command(BaseCommand):
    help = (
        "Demo and load-test data: add N verified residents (phones 199 + 8 digits) spread over "
        "every town, each with a waiting reservation if --reserve, and list them in a CSV with "
        "--out; with --committee N, also N residents registered by their communities' "
        "committees, with reservations (not in the CSV: they have no phone). Run again to add N "
        "more. Sign-ups and reservations wait while it runs (under "
        "a minute per million residents). Refused unless DEBUG is on (or --force): the accounts "
        "would sign in with real people's numbers and enter real draws."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=0, help="how many to add")
        parser.add_argument(
            "--committee",
            type=int,
            default=0,
            metavar="N",
            help=(
                "also register N residents through their communities' committees (no phone of "
                "their own, each with a waiting reservation under the committee's phone)"
            ),
        )
        parser.add_argument(
            "--reserve", action="store_true", help="give each a waiting reservation"
        )
        parser.add_argument(
            "--out",
            type=Path,
            help="write phone,reservation_number,district,town,address per resident here",
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(
        self,
        *args,
        residents: int = 0,
        committee: int = 0,
        reserve: bool = False,
        out: Path | None = None,
        force: bool = False,
        **options,
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo adds accounts that enter the draws: DEBUG is off.")
        started = time.monotonic()
        try:
            if out is None:
                result = demo_residents_seed(
                    count=residents, reserve=reserve, now=timezone.now(), committee=committee
                )
            else:
                with out.open("w", encoding="utf-8", newline="") as csv_out:
                    result = demo_residents_seed(
                        count=residents,
                        reserve=reserve,
                        now=timezone.now(),
                        csv_out=csv_out,
                        committee=committee,
                    )
        except BaseException as error:
            # Nothing was added: a CSV would list residents who do not exist.
            if out is not None:
                out.unlink(missing_ok=True)
            if isinstance(error, CannotSeed):
                raise CommandError(str(error)) from None
            raise
        # Planner statistics for what was just added in bulk (autovacuum would gather them in its
        # own time, and some servers run without it): a plan for a city of a thousand residents
        # is a bad plan for three million.
        tables = ", ".join(model._meta.db_table for model in (User, Resident, Reservation))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
        seconds = time.monotonic() - started
        through = (
            f" ({result.committee} registered by committees, without a phone)"
            if result.committee
            else ""
        )
        self.stdout.write(
            f"added {result.residents} residents, {result.reservations} reservations{through} "
            f"in {seconds:.1f} s"
        )
        if out is not None:
            self.stdout.write(f"wrote {out}")

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lottery import services
from reservations.selectors import campaign_get
from reservations.services import Refused


def _when(value: str) -> datetime.datetime:
    if value == "now":
        return timezone.now()
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--purchase-opens: not 'now' nor an ISO time: {value!r}") from None
    if timezone.is_naive(moment):  # without an offset, the city's time
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = (
        "Add an extra draw and run its whole ceremony now, synchronously, through the same "
        "services as the admin: commit, close the pool at this instant, fix the public value, "
        "reveal, draw. Prints the draw id alone on its last line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quota", type=int, required=True, help="packs to draw")
        parser.add_argument("--secret", help="the notary's secret, 64 hex digits (default: new)")
        parser.add_argument("--public-value", default="", help="the public value B (default '')")
        parser.add_argument(
            "--purchase-opens", default=None, help="'now' or an ISO time (default: configuration)"
        )

    def handle(
        self,
        *args,
        quota: int,
        secret: str | None,
        public_value: str,
        purchase_opens: str | None,
        **options,
    ) -> None:
        if quota < 0:
            raise CommandError("--quota cannot be negative")
        if secret is not None:
            try:
                raw = bytes.fromhex(secret)
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise CommandError("--secret must be 64 hexadecimal digits")
        start = timezone.now()
        try:
            stock = services.stock_packs()
            recorded = services.supply_cover(
                packs=quota, note="run_draw: arrival recorded to cover the quota"
            )
            if recorded:
                self.stdout.write(
                    f"stock was {stock} packs: recorded an arrival of {recorded} packs"
                )
            # Provisional times: closing the pool at once sets the cut-off to that instant and
            # the draw time just after it.
            created = timezone.now()
            draw = services.draw_add_extra(
                scheduled_at=created + datetime.timedelta(hours=1),
                pool_cutoff=created + datetime.timedelta(minutes=30),
                actor=None,
            )
            if purchase_opens is not None:
                opens = _when(purchase_opens)
                hours = campaign_get().purchase_window_hours
                draw.purchase_opens_at = opens
                draw.purchase_closes_at = opens + datetime.timedelta(hours=hours)
                draw.save(update_fields=["purchase_opens_at", "purchase_closes_at"])
            commitment = secret and services.algorithm.commitment(bytes.fromhex(secret))
            made = services.draw_commit(
                draw=draw, notary=None, commitment=commitment, now=timezone.now()
            )
            secret = secret or made.secret
            draw = services.draw_close_pool(
                draw=draw, quota=quota, actor=None, now=timezone.now(), at_once=True
            )
            draw = services.draw_fix_public_value(draw=draw, value=public_value, actor=None)
            draw = services.draw_reveal(draw=draw, secret=secret, notary=None)
            draw = services.draw_run(draw=draw, actor=None, now=timezone.now())
        except Refused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            f"pool {draw.pool_size} ({draw.pool_digest}), quota {draw.quota}, "
            f"winners {draw.winners_count} ({draw.winners_digest}), "
            f"in {(timezone.now() - start).total_seconds():.1f} s"
        )
        settling = timezone.now()
        settled = services.draw_wins_settle(draw_id=draw.pk, now=settling)
        self.stdout.write(
            f"{settled} reservations marked won "
            f"in {(timezone.now() - settling).total_seconds():.1f} s"
        )
        try:
            fairness = services.draw_fairness_compute(draw=draw) or {}
        except Exception as error:  # the draw has committed: say so, and beat retries
            self.stderr.write(f"fairness figures not made ({error}); beat will make them")
            fairness = {}
        for name, test in fairness.items():
            self.stdout.write(f"fairness {name}: chi-square p = {test['p_value']}")
        self.stdout.write(str(draw.pk))

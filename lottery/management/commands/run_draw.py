import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from city.errors import Refused
from lottery import selectors, services
from lottery.models import Draw


def _when(value: str) -> datetime.datetime | str:
    if value == "now":
        return services.AT_THE_DRAW  # as the draw is timed, not a moment before it
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
        "reveal, draw. Prints the draw id alone on its last line. Refused, it writes nothing; "
        "stopped before the public value, it cancels its draw; stopped after, it says how to "
        "finish the draw (--finish ID). With --sign-off-as NOTARY, it ends with that notary's "
        "sign-off, which seals the certificate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quota", type=int, help="packs to draw (required unless --finish)")
        parser.add_argument("--secret", help="the notary's secret, 64 hex digits (default: new)")
        parser.add_argument("--public-value", default="", help="the public value B (default '')")
        parser.add_argument(
            "--purchase-opens",
            default=None,
            help="'now' (as the draw runs) or an ISO time not before it (default: configuration)",
        )
        parser.add_argument(
            "--finish",
            type=int,
            metavar="DRAW_ID",
            help="draw a draw whose public value is fixed and secret revealed, then settle it",
        )
        parser.add_argument(
            "--sign-off-as",
            metavar="USERNAME",
            help="end with this notary's sign-off, sealing the certificate (the notary role: "
            "the notarise permission and the notary group; a superuser without it is refused)",
        )
        parser.add_argument(
            "--statement", default=None, help="the notary's statement (default: a standard one)"
        )
        parser.add_argument(
            "--certificate-number",
            default=None,
            help="the notarial certificate's number (default: 'run_draw No. <draw id>')",
        )

    def handle(
        self,
        *args,
        quota: int | None,
        secret: str | None,
        public_value: str,
        purchase_opens: str | None,
        finish: int | None,
        sign_off_as: str | None,
        statement: str | None,
        certificate_number: str | None,
        **options,
    ) -> None:
        # Who signs off is checked before anything is written: refused, nothing changes.
        notary = _notary(sign_off_as) if sign_off_as is not None else None
        start = timezone.now()
        if finish is not None:
            draw = Draw.objects.filter(pk=finish).first()
            if draw is None:
                raise CommandError(f"--finish: there is no draw {finish}")
            try:
                draw = services.draw_run(draw=draw, actor=None, now=timezone.now())
            except Refused as refusal:
                raise CommandError(refusal.message) from None
        else:
            if quota is None:
                raise CommandError("--quota is required (or --finish DRAW_ID)")
            opens = _when(purchase_opens) if purchase_opens is not None else None
            try:
                made = services.draw_extra_at_once(
                    quota=quota, secret=secret, public_value=public_value, purchase_opens=opens
                )
            except (Refused, services.CeremonyStopped) as stopped:
                raise CommandError(stopped.message) from None
            if made.recorded:
                self.stdout.write(
                    f"stock was {made.stock} packs: recorded an arrival of {made.recorded} packs"
                )
            draw = made.draw
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
        if notary is not None:
            self._sign_off(draw, notary, statement, certificate_number)
        self.stdout.write(str(draw.pk))

    def _sign_off(self, draw: Draw, notary, statement: str | None, number: str | None) -> None:
        try:
            services.draw_sign_off(
                draw=draw,
                notary=notary,
                now=timezone.now(),
                statement=statement
                if statement is not None
                else _(
                    "The notary supervised this scripted draw from the commitment to the draw, "
                    "and the winners are those the published rule gives."
                ),
                certificate_number=number
                if number is not None
                else _("run_draw No. %(id)s") % {"id": draw.pk},
            )
        except Refused as refusal:  # the draw stands, drawn: the notary signs it off in the admin
            raise CommandError(
                _("Draw %(id)s is drawn but not signed off: %(why)s")
                % {"id": draw.pk, "why": refusal.message}
            ) from None
        self.stdout.write(
            _("signed off by %(notary)s; certificate sealed, SHA-256 %(digest)s")
            % {
                "notary": notary.get_username(),
                "digest": selectors.sealed_certificate_of(draw_id=draw.pk).certificate_sha256,
            }
        )


def _notary(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("--sign-off-as: there is no user %(name)s.") % {"name": username})
    if not services.notary_may_sign_off(user):
        raise CommandError(
            _(
                "--sign-off-as: %(name)s does not hold the notary role (the notarise permission "
                "and the notary group); a superuser is no notary: whoever runs a draw does not "
                "notarise it."
            )
            % {"name": username}
        )
    return user

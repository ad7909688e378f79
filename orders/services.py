"""Partners and their tokens; orders and their steps (one pack per win, rule 8), with the order
or pickup SMS; wins that lapse, and the reminder before they do (rule 6).

Every race here is closed by the database: the win's row is locked while an order is placed,
a partial unique constraint allows one live order per win, the partner's order id is unique
per partner, and lapses are conditional updates.
"""

import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from city.models import AuditAction
from city.phones import committee_recipient, phone_e164
from city.selectors import campaign_get
from city.services import audit_record
from lottery.models import DRAWN_STATES, Draw
from lottery.schedule import purchase_window
from lottery.services import draw_wins_settle
from notifications.models import Kind, OutboxMessage
from notifications.services import NewMessage, messages_enqueue
from orders.models import Order, OrderStatus, Partner
from orders.selectors import (
    Reason,
    address_key,
    candidate_of,
    eligibility_check,
    state_reason,
    token_hash,
)
from pickup.models import Fulfilment, Parcel
from pickup.selectors import collects_at_point, delivery_date
from pickup.services import parcel_arrived, parcel_place, parcel_withdraw
from reservations import services as reservations
from reservations.models import Reservation, ReservationState


class PartnerExists(Exception):
    pass


def partner_create(*, name: str, actor: AbstractBaseUser | None = None) -> tuple[Partner, str]:
    """A new partner and its token, returned this once; only the hash is kept. In the audit
    trail by `actor` (None: `create_partner`, run on the server)."""
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            partner = Partner.objects.create(name=name.strip(), token_hash=token_hash(token))
            audit_record(actor=actor, action=AuditAction.PARTNER_CREATED, target=partner)
    except IntegrityError:
        raise PartnerExists(name) from None
    return partner, token


def partner_revoke(*, partner: Partner, actor: AbstractBaseUser | None = None) -> bool:
    """Revoke the partner's token (its API calls are refused from now on); False when it was
    revoked already."""
    with transaction.atomic():
        changed = Partner.objects.filter(pk=partner.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit_record(actor=actor, action=AuditAction.PARTNER_TOKEN_REVOKED, target=partner)
    return bool(changed)


# --- orders -----------------------------------------------------------------------------------


class NotEligible(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


class OrderConflict(Exception):
    """The partner's order id was used before for a different request."""


class IllegalStep(Exception):
    def __init__(self, current: str) -> None:
        super().__init__(current)
        self.current = current


@dataclass(frozen=True)
class Placed:
    order: Order
    created: bool  # False: a retry, answered with the order the first request placed


def request_fingerprint(*, phone: str, address: str, number: int | None, quantity: int) -> str:
    """The request as it matters: two bodies that differ only as rule 8 ignores are the same."""
    canonical = json.dumps([phone, address_key(address), number, quantity])
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, partner: Partner, partner_order_id: str, fingerprint: str) -> Placed | None:
    order = (
        Order.objects.select_related("reservation", "pickup_point")
        .filter(partner=partner, partner_order_id=partner_order_id)
        .first()
    )
    if order is None:
        return None
    if order.request_fingerprint != fingerprint:
        raise OrderConflict(partner_order_id)
    return Placed(order=order, created=False)


def _order_message(order: Order, reservation: Reservation) -> NewMessage:
    """The buyer (or their committee) learns where and when the pack comes."""
    if reservation.by_committee:
        # As the win message: the committee's mobile for messages, else its fixed line (which
        # the outbox refuses and records).
        community = reservation.community
        recipient = committee_recipient(sms_phone=community.sms_phone, phone=community.phone)
    else:
        recipient = phone_e164(reservation.phone)
    day = f"{order.delivery_date:%m-%d}"
    if order.fulfilment == Fulfilment.PICKUP:
        kind = Kind.PICKUP_NOTICE
        # What happens next, in the reservation's language: collected at the point itself, or
        # handed over by the committee (a value, as SMS texts are rendered once per kind).
        with translation.override(reservation.language):
            if collects_at_point(town_id=reservation.town_id):
                then = _("collect it there with your winning number.")
            else:
                then = _("your committee hands it over. Show your winning number.")
        context = {
            "number": reservation.number_display,
            "point": order.pickup_point.name,
            "date": day,
            "then": then,
        }
    else:
        kind = Kind.ORDER_PLACED
        context = {"number": reservation.number_display, "date": day}
    return NewMessage(
        recipient=recipient,
        kind=kind,
        dedupe_key=f"order:{order.pk}",
        context=context,
        language=reservation.language,  # as the win SMS: the language it was reserved in
    )


def order_place(
    *,
    partner: Partner,
    partner_order_id: str,
    phone: str,
    address: str,
    number: int | None,
    quantity: int,
    now: datetime.datetime,
) -> Placed:
    """Record the one order a win allows. `phone` is normalised. Raises NotEligible with the
    first reason that applies, or OrderConflict when the id was used for another request.

    The same id with the same request, even at the same moment, gets the first answer.
    """
    fingerprint = request_fingerprint(
        phone=phone, address=address, number=number, quantity=quantity
    )
    try:
        replay = _replay(
            partner=partner, partner_order_id=partner_order_id, fingerprint=fingerprint
        )
        if replay is not None:
            return replay
        check = eligibility_check(phone=phone, address=address, number=number, now=now)
        if not check.eligible:
            raise NotEligible(check.reason)
        config = campaign_get()
        with transaction.atomic():
            # A win its draw has not settled onto the reservation yet is settled now, so that
            # the state below reads `won` and moves on from there.
            reservations.win_settle(reservation_id=check.candidate.id)
            # The win's row lock serialises every order for it: the first sees it won and
            # orders; the others wait, then see it ordered.
            reservation = reservations.reservation_lock(reservation_id=check.candidate.id)
            reason = state_reason(
                candidate=candidate_of(reservation=reservation, config=config), now=now
            )
            if reason is not None:
                raise NotEligible(reason)
            route = check.route  # routed by the check, from the same reservation's town
            order = Order.objects.create(
                partner=partner,
                partner_order_id=partner_order_id,
                reservation=reservation,
                fulfilment=route.fulfilment,
                pickup_point=route.pickup_point,
                delivery_date=delivery_date(
                    fulfilment=route.fulfilment, config=config, ordered_at=now
                ),
                request_fingerprint=fingerprint,
                created_at=now,
                updated_at=now,
            )
            reservations.reservation_order(reservation_id=reservation.pk)
            if route.fulfilment == Fulfilment.PICKUP:
                # The pack joins its point's batch of that day (docs/pickup.md).
                parcel_place(
                    reservation=reservation,
                    point=route.pickup_point,
                    delivery_date=order.delivery_date,
                    now=now,
                )
            messages_enqueue(messages=[_order_message(order, reservation)])
        return Placed(order=order, created=True)
    except IntegrityError as error:
        # The constraints, not the checks above, have the last word.
        replay = _replay(
            partner=partner, partner_order_id=partner_order_id, fingerprint=fingerprint
        )
        if replay is not None:
            return replay
        if "one_live_order_per_win" in str(error):
            raise NotEligible(Reason.ALREADY_ORDERED) from None
        raise
    except NotEligible as refusal:
        # The same id sent twice at once: the second waited for the first, which ordered.
        if refusal.reason == Reason.ALREADY_ORDERED:
            replay = _replay(
                partner=partner, partner_order_id=partner_order_id, fingerprint=fingerprint
            )
            if replay is not None:
                return replay
        raise


# Which status may follow which: the partner reports its steps in order.
NEXT_STATUSES = {
    OrderStatus.PLACED: {OrderStatus.DISPATCHED, OrderStatus.CANCELLED},
    OrderStatus.DISPATCHED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: set(),
    OrderStatus.CANCELLED: set(),
}


def order_set_status(*, order: Order, status: str, now: datetime.datetime) -> Order:
    """The partner reports a step. Repeating the current status changes nothing; an illegal
    step (cancel after dispatch, deliver before dispatch, anything after the end) raises
    IllegalStep.

    Cancelling gives the win back while its purchase window lasts (the resident may order
    again); after the window it lapses, and its pack returns to stock; a pickup order's parcel
    is withdrawn from its batch. Delivered home, the reservation is `delivered`; delivered to a
    pickup point, its parcel is at the point (unless the point's staff listed it missing), and
    the reservation is `collected` when the resident collects it (pickup.services).
    """
    with transaction.atomic():
        # Locks in the order placing takes them: the win, then its order.
        reservation = reservations.reservation_lock(reservation_id=order.reservation_id)
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == status:
            return locked
        if status not in NEXT_STATUSES[OrderStatus(locked.status)]:
            raise IllegalStep(locked.status)
        fields: dict = {"status": status, "updated_at": now}
        if status == OrderStatus.DISPATCHED:
            fields["dispatched_at"] = now
        elif status == OrderStatus.DELIVERED:
            fields["delivered_at"] = now
            if locked.fulfilment == Fulfilment.DELIVERY:
                reservations.reservation_delivered(reservation_id=reservation.pk)
            else:
                parcel_arrived(reservation_id=reservation.pk, now=now)
        elif status == OrderStatus.CANCELLED:
            fields["cancelled_at"] = now
            if locked.fulfilment == Fulfilment.PICKUP:
                parcel_withdraw(reservation_id=reservation.pk, now=now)
            window = purchase_window(config=campaign_get(), reservation=reservation)
            if window is not None and now < window[1]:
                reservations.reservation_order_cancelled(reservation_id=reservation.pk)
            else:
                reservations.reservation_order_lapsed(reservation_id=reservation.pk)
        Order.objects.filter(pk=locked.pk).update(**fields)
        locked.refresh_from_db()
        return locked


def parcels_backfill(*, now: datetime.datetime) -> int:
    """Pickup orders placed before parcels existed (issue 13) get theirs, in the batch of their
    delivery date; one the partner reported delivered is at the point. Each order in its own
    transaction, with its reservation locked as for a status report; run again, it finds
    none. Returns how many parcels were placed."""
    has_parcel = Parcel.objects.filter(reservation_id=OuterRef("reservation_id"))
    pending = (
        Order.objects.filter(fulfilment=Fulfilment.PICKUP)
        .exclude(status=OrderStatus.CANCELLED)
        .filter(~Exists(has_parcel))
        .order_by("pk")
    )
    placed = 0
    for order in pending.select_related("pickup_point"):
        with transaction.atomic():
            reservation = reservations.reservation_lock(reservation_id=order.reservation_id)
            if Parcel.objects.filter(reservation_id=reservation.pk).exists():
                continue  # placed meanwhile
            parcel_place(
                reservation=reservation,
                point=order.pickup_point,
                delivery_date=order.delivery_date,
                now=order.created_at,
            )
            if order.status == OrderStatus.DELIVERED:
                parcel_arrived(reservation_id=reservation.pk, now=order.delivered_at or now)
            placed += 1
    return placed


# --- lapses and reminders (rule 6) ------------------------------------------------------------

LAPSE_SETTLE = datetime.timedelta(hours=1)


def wins_lapse(*, now: datetime.datetime) -> int:
    """Wins not ordered when their purchase window closed lapse; their packs count as stock
    again (lottery.services.stock_packs) and the number is void. The cooldown (rule 7) runs
    from the draw, as for a win that was bought: `won_at` stays. A conditional update per
    draw: any number of runs, at once or again, lapse each win once; a draw is looked at until
    its wins have lapsed, then no more."""
    lapsed = 0
    closed = Draw.objects.filter(
        status__in=DRAWN_STATES, purchase_closes_at__lte=now, wins_lapsed_at__isnull=True
    )
    for draw_id, closes in closed.values_list("pk", "purchase_closes_at"):
        draw_wins_settle(draw_id=draw_id, now=now)  # normally done long before
        with transaction.atomic():
            lapsed += reservations.wins_lapse(draw_id=draw_id)
            # After its window a win is not `won` again (a cancelled order lapses it at once),
            # but a cancel stamped just before the close may commit just after this run: the
            # draw is looked at for a while more, then no longer, so later runs do not search
            # its 100,000 winners every minute.
            if closes <= now - LAPSE_SETTLE:
                Draw.objects.filter(pk=draw_id).update(wins_lapsed_at=now)
    return lapsed


REMINDER_BATCH = 2000


def _reminder_key(reservation_id: int) -> str:
    return f"lapse-reminder:{reservation_id}"


def lapse_reminders_send(*, now: datetime.datetime) -> int:
    """One SMS per win not yet ordered, the configured time before its window closes. The
    outbox's dedupe key makes it once per win, however often this runs; wins already
    reminded are skipped in the query, through the key's unique index."""
    hours = campaign_get().lapse_reminder_hours
    if hours == 0:
        return 0
    due = Draw.objects.filter(
        status__in=DRAWN_STATES,
        purchase_closes_at__gt=now,
        purchase_closes_at__lte=now + datetime.timedelta(hours=hours),
    )
    queued = 0
    for draw in due:
        draw_wins_settle(draw_id=draw.pk, now=now)  # normally done long before
        closes = timezone.localtime(draw.purchase_closes_at).strftime("%m-%d %H:%M")
        reminded = OutboxMessage.objects.filter(dedupe_key=OuterRef("reminder_key"))
        pending = (
            Reservation.objects.filter(won_draw_id=draw.pk, state=ReservationState.WON)
            .annotate(
                reminder_key=Concat(
                    Value("lapse-reminder:"), Cast("id", CharField()), output_field=CharField()
                )
            )
            .filter(~Exists(reminded))
            .order_by("id")
        )
        while True:
            batch = list(
                pending.values_list(
                    "id",
                    "number",
                    "phone",
                    "by_committee",
                    "community__phone",
                    "community__sms_phone",
                    "language",
                )[:REMINDER_BATCH]
            )
            if not batch:
                break
            messages = [
                NewMessage(
                    # A committee without a mobile for messages: refused by the outbox, and
                    # recorded, so its key marks the win reminded as for any other.
                    recipient=(
                        committee_recipient(sms_phone=sms_phone, phone=committee_phone)
                        if by_committee
                        else phone_e164(phone)
                    ),
                    kind=Kind.LAPSE_REMINDER,
                    dedupe_key=_reminder_key(pk),
                    context={"number": f"{number:08d}", "closes": closes},
                    language=language,
                )
                for pk, number, phone, by_committee, committee_phone, sms_phone, language in batch
            ]
            with transaction.atomic():
                messages_enqueue(messages=messages)
            queued += len(messages)
    return queued

"""Reads for the partner: who may buy (rules 6, 8, 10), and orders as partners see them."""

import datetime
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderStatus
from reservations.models import CampaignConfig, Community, Reservation, ReservationState
from reservations.selectors import purchase_window
from reservations.validators import normalize_contact_phone


class Reason(TextChoices):
    """Why a buyer may not buy, in the order they are checked: the first that applies wins."""

    NO_RESERVATION = "no_reservation", _("No reservation was found for this phone number.")
    NUMBER_REQUIRED = (
        "number_required",
        _(
            "This phone number is a committee's and serves several reservations: "
            "please give the reservation number."
        ),
    )
    ADDRESS_MISMATCH = (
        "address_mismatch",
        _("The delivery address is not the one given with the reservation."),
    )
    NOT_WON = "not_won", _("This reservation has not won a draw (yet).")
    WINDOW_NOT_OPEN = "window_not_open", _("The purchase window of this win has not opened yet.")
    LAPSED = "lapsed", _("The purchase window of this win has closed; the win has lapsed.")
    ALREADY_ORDERED = "already_ordered", _("The pack of this win has already been ordered.")


def address_key(text: str) -> str:
    """Rule 8: white space, full-width vs half-width forms, letter case and punctuation do not
    make two addresses different. NFKC folds full-width forms (１２号 is 12号), then every white
    space and every Unicode punctuation character (categories P*) goes, then case folds."""
    folded = unicodedata.normalize("NFKC", text)
    kept = (
        char
        for char in folded
        if not char.isspace() and not unicodedata.category(char).startswith("P")
    )
    return "".join(kept).casefold()


def _latest_per_resident(reservations: list[Reservation]) -> list[Reservation]:
    """Each resident's latest reservation, unless it was cancelled: what the phone stands for
    now. (An older win the resident has since moved on from is not the partner's business.)"""
    latest: dict[int, Reservation] = {}
    for reservation in reservations:
        seen = latest.get(reservation.resident_id)
        if seen is None or reservation.created_at > seen.created_at:
            latest[reservation.resident_id] = reservation
    return [r for r in latest.values() if r.state != ReservationState.CANCELLED]


def _committee_reservations(phone: str) -> list[Reservation]:
    """Reservations a committee made for its residents under this phone (rule 10). The
    communities are few; their phones are compared as normalised, not as typed."""
    ids = []
    for community_id, community_phone in Community.objects.values_list("id", "phone"):
        try:
            if normalize_contact_phone(community_phone) == phone:
                ids.append(community_id)
        except ValidationError:  # an official typed something that is not a phone
            continue
    if not ids:
        return []
    found = _with_what_buying_reads(
        Reservation.objects.filter(community_id__in=ids, by_committee=True)
    )
    return [r for r in found if _same_phone(r.phone, phone)]


def _same_phone(recorded: str, phone: str) -> bool:
    try:
        return normalize_contact_phone(recorded) == phone
    except ValidationError:
        return False


def _with_what_buying_reads(queryset):
    return list(queryset.select_related("won_draw", "town", "district"))


def reservations_for_phone(phone: str) -> list[Reservation]:
    """Every reservation made under `phone` (normalised). A resident's own mobile number is
    found through their account (a unique index) and must be the one the reservation
    recorded; only when no resident has it is it looked up as a committee's phone."""
    own: list[Reservation] = []
    if len(phone) == 11 and phone.startswith("1"):
        own = _with_what_buying_reads(
            Reservation.objects.filter(resident__user__phone=phone, phone=phone)
        )
    return own or _committee_reservations(phone)


@dataclass(frozen=True)
class Eligibility:
    reservation: Reservation | None
    reason: Reason | None
    window: tuple[datetime.datetime, datetime.datetime] | None = None

    @property
    def eligible(self) -> bool:
        return self.reason is None


def state_reason(
    reservation: Reservation, *, config: CampaignConfig, now: datetime.datetime
) -> tuple[Reason | None, tuple[datetime.datetime, datetime.datetime] | None]:
    """The reasons that depend on the reservation's state and the clock, in their order.

    A win whose window has closed is `lapsed` at once, whether or not the lapse task has run.
    An ordered (or collected) win is `already_ordered` even after its window: it did not lapse.
    """
    state = reservation.state
    if state == ReservationState.WAITING:
        return Reason.NOT_WON, None
    if state in (ReservationState.ORDERED, ReservationState.COLLECTED):
        return Reason.ALREADY_ORDERED, purchase_window(config=config, reservation=reservation)
    if state == ReservationState.LAPSED:
        return Reason.LAPSED, purchase_window(config=config, reservation=reservation)
    if state != ReservationState.WON:
        return Reason.NO_RESERVATION, None
    window = purchase_window(config=config, reservation=reservation)
    if window is None:  # a win without a time cannot be bought; never made by the lottery
        return Reason.NOT_WON, None
    opens, closes = window
    if now < opens:
        return Reason.WINDOW_NOT_OPEN, window
    if now >= closes:
        return Reason.LAPSED, window
    return None, window


def eligibility_check(
    *,
    phone: str,
    address: str,
    number: int | None,
    config: CampaignConfig,
    now: datetime.datetime,
) -> Eligibility:
    """May the buyer with this (normalised) phone, address and optional reservation number buy
    now? Reasons in the contract's order: no_reservation, number_required, address_mismatch,
    not_won, window_not_open, lapsed, already_ordered."""
    found = reservations_for_phone(phone)
    if number is not None:
        matching = [r for r in found if r.number == number]
        candidates = [r for r in matching if r.state != ReservationState.CANCELLED]
    else:
        candidates = _latest_per_resident(found)
    if not candidates:
        return Eligibility(reservation=None, reason=Reason.NO_RESERVATION)
    if len(candidates) > 1:
        return Eligibility(reservation=None, reason=Reason.NUMBER_REQUIRED)
    reservation = candidates[0]
    if address_key(address) != address_key(reservation.address):
        return Eligibility(reservation=reservation, reason=Reason.ADDRESS_MISMATCH)
    reason, window = state_reason(reservation, config=config, now=now)
    return Eligibility(reservation=reservation, reason=reason, window=window)


def order_for_partner(*, partner_id: int, order_id: str) -> Order | None:
    """The partner's own order by its id as the API shows it; another partner's is not found."""
    if not order_id.isascii() or not order_id.isdigit() or len(order_id) > 18:
        return None
    return (
        Order.objects.select_related("reservation", "pickup_point")
        .filter(pk=int(order_id), partner_id=partner_id)
        .first()
    )


def order_live_for(reservation: Reservation) -> Order | None:
    """The order of a win that is not cancelled (at most one, by a constraint), else the
    latest cancelled one, for the resident's page."""
    orders = list(reservation.orders.select_related("pickup_point").order_by("-created_at"))
    live = [o for o in orders if o.status != OrderStatus.CANCELLED]
    return (live or orders or [None])[0]

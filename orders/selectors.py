"""Reads for the partner: who may buy (rules 6, 8, 10), and orders as partners see them; a
win's order for the resident's page (`order_live_for`)."""

import datetime
import functools
import hashlib
import math
import time
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from city.models import CampaignConfig, Community, Town
from city.phones import normalize_contact_phone
from city.selectors import campaign_get
from lottery.models import Draw
from lottery.schedule import purchase_window, purchase_window_from
from orders.models import Order, OrderStatus, Partner
from pickup.models import PickupPoint
from pickup.selectors import NoPickupPoint, Route, route_for, route_from
from reservations.models import Reservation, ReservationState, Resident, User
from reservations.selectors import PENDING_WINS_SQL, pending_wins_apply


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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A reservation as buying reads it (plain values: the partner's hottest path builds one per
    request, and model instances cost more than the query)."""

    id: int
    number: int
    state: str
    address: str
    resident_id: int
    created_at: datetime.datetime
    window: tuple[datetime.datetime, datetime.datetime] | None
    route: Route | None  # None: to be routed (route_for) when it is bought
    source: Reservation | None = None  # the model instance, when one was loaded

    @property
    def number_display(self) -> str:
        return f"{self.number:08d}"


@dataclass(frozen=True, slots=True)
class Terms:
    """What the partner is told of the campaign's configuration."""

    pack_size: int
    unit_price: Decimal

    @classmethod
    def of(cls, config: CampaignConfig) -> "Terms":
        return cls(pack_size=config.pack_size, unit_price=config.unit_price)


def candidate_of(*, reservation: Reservation, config: CampaignConfig) -> Candidate:
    return Candidate(
        id=reservation.pk,
        number=reservation.number,
        state=reservation.state,
        address=reservation.address,
        resident_id=reservation.resident_id,
        created_at=reservation.created_at,
        window=purchase_window(config=config, reservation=reservation),
        route=None,
        source=reservation,
    )


def _latest_per_resident(candidates: list[Candidate]) -> list[Candidate]:
    """Each resident's latest reservation, unless it was cancelled: what the phone stands for
    now. (An older win the resident has since moved on from is not the partner's business.)"""
    latest: dict[int, Candidate] = {}
    for candidate in candidates:
        seen = latest.get(candidate.resident_id)
        if seen is None or candidate.created_at > seen.created_at:
            latest[candidate.resident_id] = candidate
    return [c for c in latest.values() if c.state != ReservationState.CANCELLED]


# How long a process keeps its index of committee phones: every partner request for a phone
# looks there, and an official's edit of a committee's phone shows within this.
COMMITTEE_PHONES_TTL_SECONDS = 60.0


class CommitteePhones:
    """Normalised committee phone -> the ids of the communities that have it, built from every
    community's phone (as officials typed it) and kept in this process for `ttl` seconds. A
    plain dictionary read on the partner's hottest path, where a shared cache would cost a
    round trip or an unpickling per request."""

    def __init__(self, *, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._built: tuple[float, dict[str, list[int]]] = (-math.inf, {})

    def communities(self, phone: str) -> list[int]:
        built, index = self._built
        if self.clock() - built > self.ttl:
            index = self._index()
            self._built = (self.clock(), index)  # one assignment: threads see old or new
        return index.get(phone, [])

    def forget(self) -> None:
        """The next look-up builds the index again."""
        self._built = (-math.inf, {})

    @staticmethod
    def _index() -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for community_id, community_phone in Community.objects.values_list("id", "phone"):
            try:
                key = normalize_contact_phone(community_phone)
            except ValidationError:  # an official typed something that is not a phone
                continue
            index.setdefault(key, []).append(community_id)
        return index


committee_phones = CommitteePhones(ttl=COMMITTEE_PHONES_TTL_SECONDS)


def committee_phones_forget() -> None:
    """Rebuild this process's index of committee phones at its next look-up (tests, which load
    new communities each time, and anything that must see an edit at once)."""
    committee_phones.forget()


def _committee_reservations(phone: str) -> list[Reservation]:
    """Reservations a committee made for its residents under this phone (rule 10), compared as
    normalised, not as typed."""
    ids = committee_phones.communities(phone)
    if not ids:
        return []
    found = Reservation.objects.filter(community_id__in=ids, by_committee=True).select_related(
        "town"
    )
    theirs = [r for r in found if _same_phone(r.phone, phone)]
    pending_wins_apply(reservations=theirs)
    return theirs


def _same_phone(recorded: str, phone: str) -> bool:
    try:
        return normalize_contact_phone(recorded) == phone
    except ValidationError:
        return False


# The partner's hottest question, in one prepared statement per database connection (planning
# it cost more than running it): a resident's reservations under their own mobile number, found
# through the account's unique phone, with what the rules read (the town's range, the draw's
# purchase window, the district's pickup point when the town is out of range) and the campaign's
# configuration. Parameter: $1 the normalised phone.
_OWN_RESERVATIONS = f"""
    SELECT r.id, r.number,
           -- a pending win (the pending-win rule, reservations.selectors) is a win
           CASE WHEN r.state = '{ReservationState.WAITING.value}' AND w.draw_id IS NOT NULL
                THEN '{ReservationState.WON.value}' ELSE r.state END,
           r.address, r.resident_id, r.created_at, coalesce(r.won_at, w.drawn_at),
           r.district_id, t.in_delivery_range, d.purchase_opens_at, d.purchase_closes_at,
           c.pack_size, c.unit_price, c.purchase_opens_at, c.purchase_window_hours,
           p.id, p.name, p.name_en, p.address, p.phone
    FROM {User._meta.db_table} u
    JOIN {Resident._meta.db_table} s ON s.user_id = u.id
    JOIN {Reservation._meta.db_table} r ON r.resident_id = s.id AND r.phone = $1
    JOIN {Town._meta.db_table} t ON t.id = r.town_id
    LEFT JOIN ({PENDING_WINS_SQL}) w ON w.reservation_id = r.id
    LEFT JOIN {Draw._meta.db_table} d ON d.id = coalesce(r.won_draw_id, w.draw_id)
    LEFT JOIN {CampaignConfig._meta.db_table} c ON c.id = {CampaignConfig.SINGLETON_ID}
    LEFT JOIN {PickupPoint._meta.db_table} p
        ON p.district_id = r.district_id AND NOT t.in_delivery_range
    WHERE u.phone = $1
"""
_prepared_on: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_DEFAULTS = CampaignConfig()  # what applies until an official saves the configuration


def _own_reservations(phone: str) -> tuple[list[Candidate], Terms | None]:
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _prepared_on:
            cursor.execute("PREPARE puhui_own_reservations (text) AS " + _OWN_RESERVATIONS)
            _prepared_on[raw] = True
        cursor.execute("EXECUTE puhui_own_reservations (%s)", [phone])
        rows = cursor.fetchall()
    candidates, terms = [], None
    for row in rows:
        pk, number, state, address, resident_id, created_at, won_at, district_id = row[:8]
        in_range, draw_opens, draw_closes, pack_size, unit_price, opens_at, hours = row[8:15]
        point_id, point_name, point_name_en, point_address, point_phone = row[15:]
        if pack_size is None:  # no saved configuration: the defaults
            pack_size, unit_price = _DEFAULTS.pack_size, _DEFAULTS.unit_price
            opens_at, hours = _DEFAULTS.purchase_opens_at, _DEFAULTS.purchase_window_hours
        terms = Terms(pack_size=pack_size, unit_price=unit_price)
        point = None
        if point_id is not None:
            point = PickupPoint(
                id=point_id,
                district_id=district_id,
                name=point_name,
                name_en=point_name_en,
                address=point_address,
                phone=point_phone,
            )
        try:
            route = route_from(in_delivery_range=in_range, point=point)
        except NoPickupPoint:
            route = None  # route_for says so when it is bought
        candidates.append(
            Candidate(
                id=pk,
                number=number,
                state=state,
                address=address,
                resident_id=resident_id,
                created_at=created_at,
                window=purchase_window_from(
                    won_at=won_at,
                    draw_window=(draw_opens, draw_closes),
                    opens_at=opens_at,
                    hours=hours,
                ),
                route=route,
            )
        )
    return candidates, terms


def candidates_for_phone(*, phone: str) -> tuple[list[Candidate], Terms | None]:
    """Every reservation made under `phone` (normalised), and the campaign's terms when there
    is any. A resident's own mobile number is found through their account (a unique index)
    and must be the one the reservation recorded. A committee's phone may be a mobile that
    somebody also reserves with: then both sets count, and without a number it is
    `number_required`."""
    own: list[Candidate] = []
    terms = None
    if len(phone) == 11 and phone.startswith("1"):
        own, terms = _own_reservations(phone)
    committee = _committee_reservations(phone)
    if not committee:
        return own, terms
    config = campaign_get()
    seen = {candidate.id for candidate in own}
    theirs = [candidate_of(reservation=r, config=config) for r in committee if r.pk not in seen]
    return own + theirs, Terms.of(config)


@dataclass(frozen=True)
class Eligibility:
    candidate: Candidate | None
    reason: Reason | None
    terms: Terms | None = None
    route: Route | None = None  # where the pack goes, when eligible

    @property
    def eligible(self) -> bool:
        return self.reason is None


def state_reason(*, candidate: Candidate, now: datetime.datetime) -> Reason | None:
    """The reasons that depend on the reservation's state and the clock, in their order.

    A win whose window has closed is `lapsed` at once, whether or not the lapse task has run.
    An ordered (collected, delivered) win is `already_ordered` even after its window: it did
    not lapse.
    """
    state = candidate.state
    if state == ReservationState.WAITING:
        return Reason.NOT_WON
    if state in (ReservationState.ORDERED, ReservationState.COLLECTED, ReservationState.DELIVERED):
        return Reason.ALREADY_ORDERED
    if state == ReservationState.LAPSED:
        return Reason.LAPSED
    if state != ReservationState.WON:
        return Reason.NO_RESERVATION
    if candidate.window is None:  # a win without a time cannot be bought; never made so
        return Reason.NOT_WON
    opens, closes = candidate.window
    if now < opens:
        return Reason.WINDOW_NOT_OPEN
    if now >= closes:
        return Reason.LAPSED
    return None


def eligibility_check(
    *, phone: str, address: str, number: int | None, now: datetime.datetime
) -> Eligibility:
    """May the buyer with this (normalised) phone, address and optional reservation number buy
    now? Reasons in the contract's order: no_reservation, number_required, address_mismatch,
    not_won, window_not_open, lapsed, already_ordered. Raises NoPickupPoint when an eligible
    buyer's town is out of range and its district has no point."""
    found, terms = candidates_for_phone(phone=phone)
    if number is not None:
        matching = [c for c in found if c.number == number]
        candidates = [c for c in matching if c.state != ReservationState.CANCELLED]
    else:
        candidates = _latest_per_resident(found)
    if not candidates:
        return Eligibility(candidate=None, reason=Reason.NO_RESERVATION)
    if len(candidates) > 1:
        return Eligibility(candidate=None, reason=Reason.NUMBER_REQUIRED, terms=terms)
    candidate = candidates[0]
    if address_key(address) != address_key(candidate.address):
        return Eligibility(candidate=candidate, reason=Reason.ADDRESS_MISMATCH, terms=terms)
    reason = state_reason(candidate=candidate, now=now)
    if reason is not None:
        return Eligibility(candidate=candidate, reason=reason, terms=terms)
    if candidate.route is not None:
        route = candidate.route
    elif candidate.source is not None:
        route = route_for(reservation=candidate.source)
    else:
        raise NoPickupPoint
    return Eligibility(candidate=candidate, reason=None, terms=terms, route=route)


def order_for_partner(*, partner_id: int, order_id: str) -> Order | None:
    """The partner's own order by its id as the API shows it; another partner's is not found."""
    if not order_id.isascii() or not order_id.isdigit() or len(order_id) > 18:
        return None
    return (
        Order.objects.select_related("reservation", "pickup_point")
        .filter(pk=int(order_id), partner_id=partner_id)
        .first()
    )


def order_live_for(*, reservation: Reservation) -> Order | None:
    """The order of a win that is not cancelled (at most one, by a constraint), else the
    latest cancelled one, for the resident's page."""
    orders = list(reservation.orders.select_related("pickup_point").order_by("-created_at"))
    live = [o for o in orders if o.status != OrderStatus.CANCELLED]
    return (live or orders or [None])[0]


# --- partners ---------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    """What is kept of a partner's token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def partner_authenticate(*, token: str) -> Partner | None:
    """The partner whose live token this is, or None. Every partner request asks, so the
    ORM's query is compiled once per process: compiling it on each request cost more CPU
    (0.4 ms) than the rest of a verify request's own work."""
    if not token:
        return None
    sql, names = _live_partner_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash(token)])
        row = cursor.fetchone()
    return None if row is None else Partner.from_db(connection.alias, names, row)


_TOKEN_SENTINEL = "\x00token"


@functools.cache
def _live_partner_query() -> tuple[str, list[str]]:
    """(SQL with the token's hash as its one parameter, the columns' attnames in order) of
    Partner.objects.filter(token_hash=…, revoked_at__isnull=True).first(), as the ORM
    writes it."""
    query = Partner.objects.filter(token_hash=_TOKEN_SENTINEL, revoked_at__isnull=True)
    compiler = query.order_by("pk")[:1].query.get_compiler(using=connection.alias)
    sql, params = compiler.as_sql()
    columns = [column for column, _sql, _alias in compiler.select]
    if list(params) != [_TOKEN_SENTINEL] or compiler.get_converters(columns):
        # from_db() takes the values as the driver returns them: no field may need one.
        raise RuntimeError("the partner query is no longer one plain SELECT by token")
    return sql, [column.target.attname for column in columns]

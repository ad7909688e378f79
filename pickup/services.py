"""Writes of pickup's own records: its points (from the reference data) and their staff; the
daily batches and the parcels' hand-over chain, from the point to the resident
(docs/pickup.md).

A parcel's state machine is the table below. Every step is a conditional update from the state
it leaves, on rows locked first: of two staff recording the same step at once, one moves the
parcels and the other is refused (nothing to move twice). A list of numbers is checked whole
before anything moves: one wrong number refuses them all.
"""

import datetime
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from city.errors import Refused
from city.models import AuditAction, District, Town
from city.phones import committee_recipient, phone_e164
from city.services import audit_record
from notifications.models import Kind
from notifications.services import NewMessage, messages_enqueue
from pickup.models import (
    Batch,
    CollectAtPoint,
    Parcel,
    ParcelState,
    ParcelStep,
    PickupPoint,
    PickupStaff,
)
from pickup.models import ParcelState as P
from reservations import services as reservations
from reservations.models import Reservation


def pickup_points_load(*, data: ModuleType, **_signal) -> Counter:
    """The reference data's pickup points that are missing, and the towns whose residents
    collect at their point; never overwrites an official's edit. Called by
    `city.services.reference_data_load`, in its transaction."""
    created: Counter = Counter()
    for item in getattr(data, "PICKUP_POINTS", []):
        point, new = PickupPoint.objects.get_or_create(
            district=District.objects.get(code=item["district"]),
            defaults={
                "name": item["name"],
                "name_en": item["name_en"],
                "address": item["address"],
                "phone": item["phone"],
            },
        )
        created["pickup points"] += int(new)
        if not new:
            continue  # the point's own decisions are its staff's and officials' now
        for town_name in item.get("collect_at_point", []):
            town = Town.objects.get(district=point.district, name=town_name)
            CollectAtPoint.objects.get_or_create(town=town, defaults={"point": point})
    return created


def pickup_staff_assign(*, user: AbstractBaseUser, point: PickupPoint | None) -> None:
    """Make `user` staff of `point`, or of no point (None)."""
    if point is None:
        PickupStaff.objects.filter(user=user).delete()
        return
    PickupStaff.objects.update_or_create(user=user, defaults={"point": point})


# --- the parcel's state machine -----------------------------------------------------------------


class Step(StrEnum):
    PLACE = "place"  # the order is placed: the parcel joins its batch (or a new one)
    ARRIVE = "arrive"  # at the point: the batch's receipt, the partner's `delivered`, found
    MISSING = "missing"  # the receipt lists a parcel the partner had reported delivered
    TO_TOWN = "to_town"  # pickup staff hand it to the town government
    TO_COMMITTEE = "to_committee"  # the committee receives it from the town
    COLLECT = "collect"  # the resident collects it from the committee
    COLLECT_AT_POINT = "collect_at_point"  # ... or at the point, where the point decided so
    WITHDRAW = "withdraw"  # the order is cancelled before it was dispatched


@dataclass(frozen=True)
class Move:
    source: tuple[ParcelState, ...]
    target: ParcelState


STEPS: dict[Step, Move] = {
    Step.PLACE: Move((P.WITHDRAWN,), P.AWAITING),  # a new parcel starts here, from nothing
    Step.ARRIVE: Move((P.AWAITING,), P.AT_POINT),
    Step.MISSING: Move((P.AT_POINT,), P.AWAITING),
    Step.TO_TOWN: Move((P.AT_POINT,), P.AT_TOWN),
    Step.TO_COMMITTEE: Move((P.AT_TOWN,), P.AT_COMMITTEE),
    Step.COLLECT: Move((P.AT_COMMITTEE,), P.COLLECTED),
    Step.COLLECT_AT_POINT: Move((P.AT_POINT,), P.COLLECTED),
    Step.WITHDRAW: Move((P.AWAITING,), P.WITHDRAWN),
}

# The steps staff record from a page, and which of them only a collect-at-point town takes
# (True), only another town takes (False), or any (None).
STAFF_STEPS = {
    Step.TO_TOWN: False,
    Step.TO_COMMITTEE: False,
    Step.COLLECT: False,
    Step.COLLECT_AT_POINT: True,
}


def _record(parcel_ids: list[int], *, source: str, target: str, by, now) -> None:
    ParcelStep.objects.bulk_create(
        [ParcelStep(parcel_id=pk, source=source, target=target, at=now, by=by) for pk in parcel_ids]
    )


def _collects_at_point():
    return CollectAtPoint.objects.filter(town_id=OuterRef("town_id"))


def batch_for(*, point: PickupPoint, delivery_date: datetime.date, now) -> Batch:
    """The point's batch of that day, made by its first parcel. Two first parcels at once: the
    unique constraint makes one batch, and the second finds it."""
    batch, _created = Batch.objects.get_or_create(
        point=point, delivery_date=delivery_date, defaults={"created_at": now}
    )
    return batch


def parcel_place(
    *,
    reservation: Reservation,
    point: PickupPoint,
    delivery_date: datetime.date,
    now: datetime.datetime,
) -> Parcel:
    """A pickup order was placed (orders.services.order_place, in its transaction, with the
    reservation's row locked): its parcel joins the point's batch of `delivery_date` (rule 9's
    cut-off decided it). After a cancelled order the same parcel is placed again."""
    batch = batch_for(point=point, delivery_date=delivery_date, now=now)
    values = {
        "batch": batch,
        "town_id": reservation.town_id,
        "community_id": reservation.community_id,
        "state": P.AWAITING,
        "missing": False,
        "reported_delivered_at": None,
        "arrived_at": None,
        "placed_at": now,
        "state_at": now,
    }
    parcel = Parcel.objects.filter(reservation_id=reservation.pk).first()
    if parcel is None:
        parcel = Parcel.objects.create(reservation_id=reservation.pk, **values)
        _record([parcel.pk], source="", target=P.AWAITING, by=None, now=now)
        return parcel
    move = STEPS[Step.PLACE]
    if not Parcel.objects.filter(pk=parcel.pk, state__in=move.source).update(**values):
        # One live order per win (orders' constraint): a live parcel cannot be placed again.
        raise IntegrityError(f"parcel {parcel.pk} is {parcel.state}, not withdrawn")
    _record([parcel.pk], source=parcel.state, target=move.target, by=None, now=now)
    parcel.refresh_from_db()
    return parcel


def parcel_withdraw(*, reservation_id: int, now: datetime.datetime) -> bool:
    """The pickup order was cancelled (before dispatch, the only time it can be)."""
    move = STEPS[Step.WITHDRAW]
    parcel = Parcel.objects.filter(reservation_id=reservation_id, state__in=move.source).first()
    if parcel is None:
        return False
    moved = Parcel.objects.filter(pk=parcel.pk, state__in=move.source).update(
        state=move.target, state_at=now
    )
    if moved:
        _record([parcel.pk], source=parcel.state, target=move.target, by=None, now=now)
    return bool(moved)


def parcel_arrived(*, reservation_id: int, now: datetime.datetime) -> bool:
    """The partner reported the pickup order `delivered`: the parcel is at the point, unless
    the point's staff listed it missing at the batch's receipt. Their count is what arrived:
    then it stays `awaiting`, flagged, and the report makes it a discrepancy for officials."""
    parcel = Parcel.objects.select_for_update().filter(reservation_id=reservation_id).first()
    if parcel is None:
        return False
    Parcel.objects.filter(pk=parcel.pk).update(reported_delivered_at=now)
    if parcel.missing or parcel.state != P.AWAITING:
        return False
    return bool(_arrive([parcel.pk], by=None, now=now))


def _arrive(parcel_ids: list[int], *, by, now) -> list[int]:
    """awaiting → at_point for these parcels (not missing); the arrival SMS for those whose
    town collects at the point. Returns the ids moved."""
    move = STEPS[Step.ARRIVE]
    moved = list(
        Parcel.objects.select_for_update()
        .filter(pk__in=parcel_ids, state__in=move.source, missing=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not moved:
        return []
    Parcel.objects.filter(pk__in=moved).update(
        state=move.target, state_at=now, arrived_at=now, missing=False
    )
    _record(moved, source=P.AWAITING, target=move.target, by=by, now=now)
    ready = Parcel.objects.filter(pk__in=moved).filter(Exists(_collects_at_point()))
    _ready_messages(list(ready.values_list("pk", flat=True)), now=now)
    return moved


# --- numbers typed or scanned ---------------------------------------------------------------

_NUMBER = re.compile(r"[0-9]{8}")


def numbers_parse(text: str) -> list[int]:
    """Winning numbers as staff type or scan them: one per line, or separated by commas or
    spaces (full-width forms too). Anything that is not an 8-digit number is refused."""
    tokens = [t for t in re.split(r"[\s,;，、；]+", unicodedata.normalize("NFKC", text)) if t]
    wrong = [t for t in tokens if not _NUMBER.fullmatch(t)]
    if wrong:
        raise Refused(
            "not_a_number",
            _("“%(text)s” is not a winning number (8 digits). Nothing was recorded.")
            % {"text": wrong[0][:20]},
        )
    return list(dict.fromkeys(int(t) for t in tokens))


@dataclass(frozen=True)
class Scope:
    """Which parcels a step is recorded for: a batch, a town of it, a community; the deepest
    given names the refusal ("not in this community")."""

    batch_id: int | None = None
    town_id: int | None = None
    community_id: int | None = None

    def filter(self, queryset):
        if self.batch_id is not None:
            queryset = queryset.filter(batch_id=self.batch_id)
        if self.town_id is not None:
            queryset = queryset.filter(town_id=self.town_id)
        if self.community_id is not None:
            queryset = queryset.filter(community_id=self.community_id)
        return queryset

    def outside(self, number: str) -> str:
        if self.community_id is not None:
            return _("%(number)s is not a parcel of this community.") % {"number": number}
        if self.town_id is not None:
            return _("%(number)s is not a parcel of this town in this batch.") % {"number": number}
        return _("%(number)s is not in this batch.") % {"number": number}


def _state_label(state: str) -> str:
    return str(ParcelState(state).label)


def parcels_step(
    *,
    step: Step,
    scope: Scope,
    numbers: list[int] | None,
    staff: AbstractBaseUser,
    now: datetime.datetime,
) -> int:
    """Record `step` for every parcel of `scope` at the step before (numbers None), or for the
    parcels with these winning numbers, each of which must be in `scope` and at the step
    before. Refused (nothing changes) when a number is not, or nothing is left to move.
    Returns how many parcels moved."""
    move = STEPS[step]
    at_point_only = STAFF_STEPS[step]
    with transaction.atomic():
        queryset = scope.filter(Parcel.objects.all()).annotate(
            at_point=Exists(_collects_at_point())
        )
        if move.target == P.COLLECTED:
            # The reservations first, as the partner's status reports take them (reservation,
            # order, parcel): a late `delivered` at the same moment waits, no deadlock.
            candidates = (
                queryset.filter(state__in=move.source)
                if numbers is None
                else queryset.filter(reservation__number__in=numbers)
            )
            reservations.reservations_lock(
                reservation_ids=list(candidates.values_list("reservation_id", flat=True))
            )
        if numbers is None:
            # Whole town or community: the parcels at the step before; another staff member's
            # identical step, made first, leaves nothing here (the rows are locked, re-read).
            rows = list(
                queryset.filter(state__in=move.source, at_point=at_point_only)
                .select_for_update(of=("self",))
                .order_by("pk")  # every step locks parcels in one order: no deadlock
                .values_list("pk", "state")
            )
            if not rows:
                raise Refused(
                    "nothing_to_move",
                    _("No parcel here is %(state)s: nothing was recorded.")
                    % {"state": _state_label(move.source[0])},
                )
        else:
            if not numbers:
                raise Refused("no_numbers", _("Type or scan at least one winning number."))
            found = {
                number: (pk, state, at_point)
                for pk, state, at_point, number in queryset.filter(reservation__number__in=numbers)
                .select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", "state", "at_point", "reservation__number")
            }
            rows = []
            for number in numbers:
                text = f"{number:08d}"
                if number not in found:
                    raise Refused("not_in_scope", scope.outside(text) + " " + _nothing())
                pk, state, at_point = found[number]
                if at_point != at_point_only:
                    raise Refused("wrong_route", _wrong_route(text, at_point) + " " + _nothing())
                if state not in move.source:
                    raise Refused(
                        "not_at_step",
                        _("%(number)s is %(state)s, not %(before)s.")
                        % {
                            "number": text,
                            "state": _state_label(state),
                            "before": _state_label(move.source[0]),
                        }
                        + " "
                        + _nothing(),
                    )
                rows.append((pk, state))
        ids = [pk for pk, _state in rows]
        Parcel.objects.filter(pk__in=ids, state__in=move.source).update(
            state=move.target, state_at=now
        )
        _record(ids, source=move.source[0], target=move.target, by=staff, now=now)
        if move.target == P.COLLECTED:
            for reservation_id in Parcel.objects.filter(pk__in=ids).values_list(
                "reservation_id", flat=True
            ):
                reservations.reservation_collected(reservation_id=reservation_id)
        if move.target == P.AT_COMMITTEE:
            _ready_messages(ids, now=now)
        audit_record(
            actor=staff,
            action=AuditAction.PARCELS_STEPPED,
            target=Batch.objects.get(pk=scope.batch_id) if scope.batch_id else None,
            summary={
                "step": step.value,
                "parcels": len(ids),
                "town": scope.town_id,
                "community": scope.community_id,
                "numbers": _numbers_of(ids),
            },
            at=now,
        )
    return len(ids)


def _numbers_of(parcel_ids: list[int]) -> list[str]:
    """The winning numbers of these parcels, as the audit trail lists them (a few hundred at
    most: a step is one town's or one community's parcels of a day)."""
    numbers = Parcel.objects.filter(pk__in=parcel_ids).values_list("reservation__number", flat=True)
    return sorted(f"{number:08d}" for number in numbers)


def _nothing() -> str:
    return _("Nothing was recorded.")


def _wrong_route(number: str, at_point: bool) -> str:
    if at_point:
        return _("%(number)s is collected at the pickup point, not through the town.") % {
            "number": number
        }
    return _("%(number)s goes through the town and the committee, not collected here.") % {
        "number": number
    }


# --- the batch's receipt ----------------------------------------------------------------------


def batch_receive(
    *,
    batch: Batch,
    missing_numbers: list[int],
    staff: AbstractBaseUser,
    now: datetime.datetime,
) -> int:
    """Staff confirm the day's delivery once, listing the numbers missing from it. Every other
    awaiting parcel of the batch is at the point; a listed one stays (or, if the partner had
    reported it delivered, goes back to) `awaiting`, flagged missing, until found. A number not
    in the batch, or already handed on, refuses the whole receipt. Returns how many arrived."""
    scope = Scope(batch_id=batch.pk)
    with transaction.atomic():
        if not Batch.objects.filter(pk=batch.pk, received_at__isnull=True).update(
            received_at=now, received_by=staff
        ):
            raise Refused("already_received", _("This batch was confirmed as received already."))
        rows = list(
            Parcel.objects.select_for_update(of=("self",))
            .filter(batch_id=batch.pk)
            .order_by("pk")
            .values_list("pk", "state", "reservation__number")
        )
        by_number = {number: (pk, state) for pk, state, number in rows}
        missing = []
        for number in missing_numbers:
            text = f"{number:08d}"
            if number not in by_number:
                raise Refused("not_in_scope", scope.outside(text) + " " + _nothing())
            pk, state = by_number[number]
            if state not in (P.AWAITING, P.AT_POINT):
                raise Refused(
                    "not_at_step",
                    _("%(number)s is %(state)s: it cannot be missing from the delivery.")
                    % {"number": text, "state": _state_label(state)}
                    + " "
                    + _nothing(),
                )
            missing.append((pk, state))
        back = [pk for pk, state in missing if state == P.AT_POINT]
        if back:
            Parcel.objects.filter(pk__in=back).update(
                state=P.AWAITING, state_at=now, arrived_at=None
            )
            _record(back, source=P.AT_POINT, target=P.AWAITING, by=staff, now=now)
        missing_ids = {pk for pk, _state in missing}
        Parcel.objects.filter(pk__in=missing_ids).update(missing=True)
        arrived = [pk for pk, state, _n in rows if state == P.AWAITING and pk not in missing_ids]
        count = len(_arrive(arrived, by=staff, now=now))
        audit_record(
            actor=staff,
            action=AuditAction.BATCH_RECEIVED,
            target=batch,
            summary={"arrived": count, "missing": [f"{n:08d}" for n in missing_numbers]},
            at=now,
        )
        return count


def parcel_found(
    *, batch: Batch, numbers: list[int], staff: AbstractBaseUser, now: datetime.datetime
) -> int:
    """Parcels listed missing turned up at the point: they arrive now."""
    if not numbers:
        raise Refused("no_numbers", _("Type or scan at least one winning number."))
    scope = Scope(batch_id=batch.pk)
    with transaction.atomic():
        found = {
            number: (pk, missing)
            for pk, missing, number in Parcel.objects.select_for_update(of=("self",))
            .filter(batch_id=batch.pk, reservation__number__in=numbers)
            .order_by("pk")
            .values_list("pk", "missing", "reservation__number")
        }
        for number in numbers:
            text = f"{number:08d}"
            if number not in found:
                raise Refused("not_in_scope", scope.outside(text) + " " + _nothing())
            if not found[number][1]:
                raise Refused(
                    "not_missing",
                    _("%(number)s is not listed as missing.") % {"number": text} + " " + _nothing(),
                )
        ids = [pk for pk, _missing in found.values()]
        Parcel.objects.filter(pk__in=ids).update(missing=False)
        count = len(_arrive(ids, by=staff, now=now))
        audit_record(
            actor=staff,
            action=AuditAction.PARCELS_FOUND,
            target=batch,
            summary={"found": [f"{n:08d}" for n in numbers]},
            at=now,
        )
        return count


# --- the arrival SMS ------------------------------------------------------------------------


def parcel_ready_recipient(*, reservation: Reservation) -> str | None:
    """Who is told that the parcel is ready: the resident's own mobile; for a resident
    registered by their committee, the committee (its mobile for messages, or else its phone,
    which the outbox refuses and records: the committee follows its parcels in the admin).
    None: no SMS."""
    if reservation.by_committee:
        community = reservation.community
        return committee_recipient(sms_phone=community.sms_phone, phone=community.phone)
    try:
        return phone_e164(reservation.phone)
    except ValidationError:
        return None


def _ready_key(parcel_id: int) -> str:
    return f"parcel-ready:{parcel_id}"


def _ready_messages(parcel_ids: list[int], *, now: datetime.datetime) -> None:
    """One SMS per parcel that reached its place of collection; the dedupe key makes it once
    ever, even for a parcel withdrawn and placed again."""
    parcels = Parcel.objects.filter(pk__in=parcel_ids).select_related(
        "reservation__community", "community", "batch__point"
    )
    collects_here = set(
        CollectAtPoint.objects.filter(town_id__in={p.town_id for p in parcels}).values_list(
            "town_id", flat=True
        )
    )
    messages = []
    for parcel in parcels:
        reservation = parcel.reservation
        recipient = parcel_ready_recipient(reservation=reservation)
        if recipient is None:
            continue
        point = parcel.batch.point
        until = timezone.localtime(now).date() + datetime.timedelta(days=point.collect_within_days)
        with override(reservation.language):
            place = (
                point.display_name
                if parcel.town_id in collects_here
                else parcel.community.display_name
            )
        messages.append(
            NewMessage(
                recipient=recipient,
                kind=Kind.PARCEL_READY,
                dedupe_key=_ready_key(parcel.pk),
                context={
                    "number": reservation.number_display,
                    "place": place,
                    "until": f"{until:%m-%d}",
                },
                language=reservation.language,
            )
        )
    if messages:
        messages_enqueue(messages=messages)

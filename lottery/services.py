"""The life of a draw: supply and stock; the schedule (regular and extra draws, planned quota,
purchase window, postponing, cancelling, pausing); the ceremony (commitment, pool close, public
value, reveal, start, draw, sign-off) and `run_draw`'s whole ceremony at once; settling wins onto
their reservations; fairness figures.

Every transition is a conditional update of the draw's status inside the transaction that does
its work, and leaves an entry in the append-only draw log. The algorithm's rules are in
`lottery/verify.py`, the file anyone can download to check a draw; the winners are ranked by
`lottery/ranking.py`, exactly as it does.
"""

import datetime
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, Literal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from city import roles
from city.errors import Refused
from city.models import AuditAction, District
from city.phones import committee_recipient, phone_e164
from city.selectors import campaign_get
from city.services import audit_record
from lottery import fairness as fairness_test
from lottery import merkle, ranking
from lottery import verify as algorithm
from lottery.models import (
    DRAWN_STATES,
    POOL_OPEN_STATES,
    UNDRAWN_STATES,
    Draw,
    DrawFile,
    DrawLog,
    DrawStatus,
    PoolTree,
    SchedulePause,
    SealedCertificate,
    SupplyArrival,
)
from lottery.schedule import draw_pool_cutoff, purchase_window_from
from lottery.selectors import (
    certificate_bytes,
    certificate_values,
    local_minute,
    regular_draws_pool_open,
    schedule_pause_in_force,
    schedule_slots,
    stock_packs,
)
from notifications.models import Kind
from notifications.services import NewMessage, messages_enqueue_new
from reservations import services as reservations
from reservations.models import Reservation, ReservationState, User, Win
from reservations.selectors import PENDING_WINS_SQL
from reservations.services import RecordedWin

logger = logging.getLogger(__name__)

# Beat keeps this many regular draws made ahead of time (rule 5: every 2 days, so 4 days).
SLOTS_AHEAD = 2
SCHEDULE_LOCK_KEY = 0x5055_4855_4901  # any constant the project uses for nothing else
SEAL_LOCK_KEY = 0x5055_4855_4903  # held while a certificate is sealed onto the ledger
# A committee's win message lists its numbers; this many keep it within two SMS segments.
NUMBERS_PER_COMMITTEE_MESSAGE = 3


def _log(draw: Draw, action: str, actor: User | None, **details) -> None:
    DrawLog.objects.create(draw=draw, action=action, actor=actor, details=details)


def _move(draw: Draw, *, from_states: list[str], to: str, **fields) -> None:
    """Move the draw on only from an expected state; another worker's move wins, not both."""
    changed = Draw.objects.filter(pk=draw.pk, status__in=from_states).update(status=to, **fields)
    if not changed:
        draw.refresh_from_db()
        raise Refused(
            "wrong_state",
            _("This draw is %(status)s; that step is not possible now.")
            % {"status": draw.get_status_display()},
        )
    draw.refresh_from_db()


# --- supply ---------------------------------------------------------------------------------


@transaction.atomic
def supply_record(
    *, arrived_on: datetime.date, masks: int, note: str = "", actor: User | None = None
) -> SupplyArrival:
    """Record masks delivered (the stock the quotas follow), in the audit trail too."""
    arrival = SupplyArrival.objects.create(
        arrived_on=arrived_on, masks=masks, note=note, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.SUPPLY_RECORDED,
        target=arrival,
        summary={"arrived_on": arrived_on.isoformat(), "masks": masks},
    )
    return arrival


def supply_cover(*, packs: int, note: str, actor: User | None = None) -> int:
    """Record today an arrival that brings the stock up to `packs`, if it is short; returns the
    packs recorded (0 when the stock was enough). For extra draws run by hand and benchmarks."""
    short = packs - stock_packs()
    if short <= 0:
        return 0
    supply_record(
        arrived_on=timezone.localdate(),
        masks=short * campaign_get().pack_size,
        note=note,
        actor=actor,
    )
    return short


# --- schedule -------------------------------------------------------------------------------


def _purchase_window(draw_at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Rule 6's window for a draw at `draw_at`, from the configuration."""
    config = campaign_get()
    return purchase_window_from(
        won_at=draw_at,
        draw_window=None,
        opens_at=config.purchase_opens_at,
        hours=config.purchase_window_hours,
    )


@transaction.atomic
def draw_add_extra(
    *, scheduled_at: datetime.datetime, pool_cutoff: datetime.datetime, actor: User | None
) -> Draw:
    """An extra draw, e.g. after a large delivery (rule 5)."""
    if pool_cutoff >= scheduled_at:
        raise Refused("bad_times", _("The pool must close before the draw."))
    opens, closes = _purchase_window(scheduled_at)
    draw = Draw.objects.create(
        kind=Draw.Kind.EXTRA,
        scheduled_at=scheduled_at,
        pool_cutoff=pool_cutoff,
        purchase_opens_at=opens,
        purchase_closes_at=closes,
    )
    _log(draw, "added", actor, scheduled_at=scheduled_at.isoformat())
    return draw


def _schedule_lock() -> None:
    """Serialise everything that makes, moves or pauses regular draws, for the transaction: a
    pause then sees every draw made before it, and nothing is made while it is in force."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK_KEY])


def schedule_keep(*, now: datetime.datetime, ahead: int = SLOTS_AHEAD) -> list[Draw]:
    """Beat: make sure the next regular draws exist, unless the schedule is paused.

    A slot is filled once, whatever became of its draw (postponed, cancelled): the constraint
    `one_draw_per_schedule_slot` settles two beats running at once.
    """
    config = campaign_get()
    # A slot near one already filled is the same draw under an edited configuration (another
    # draw time or start date): it is not made again.
    near = datetime.timedelta(days=config.draw_interval_days) / 2
    made = []
    for slot in schedule_slots(now=now, count=ahead):
        cutoff = draw_pool_cutoff(config=config, draw_at=slot)
        if cutoff >= slot:
            logger.error("draw schedule: the configured cut-off is not before the draw time")
            break
        opens, closes = _purchase_window(slot)
        with transaction.atomic():
            _schedule_lock()
            if schedule_pause_in_force() is not None:
                return made
            if Draw.objects.filter(slot__gt=slot - near, slot__lt=slot + near).exists():
                continue
            draw = Draw.objects.create(
                kind=Draw.Kind.REGULAR,
                slot=slot,
                scheduled_at=slot,
                pool_cutoff=cutoff,
                purchase_opens_at=opens,
                purchase_closes_at=closes,
            )
            _log(draw, "scheduled", None, scheduled_at=slot.isoformat())
        made.append(draw)
    return made


def _check_quota(quota: int) -> None:
    """A quota is a number of packs the stock has now."""
    if quota < 0:
        raise Refused("bad_quota", _("The quota cannot be negative."))
    stock = stock_packs()
    if quota > stock:
        raise Refused(
            "quota_above_stock",
            _("The quota (%(quota)d packs) is more than the stock (%(stock)d packs).")
            % {"quota": quota, "stock": stock},
        )


def draw_plan_quota(*, draw: Draw, quota: int, actor: User | None) -> Draw:
    """The official's quota for a coming draw; the pool close fixes it (at most the stock)."""
    _check_quota(quota)
    with transaction.atomic():
        changed = Draw.objects.filter(pk=draw.pk, status__in=POOL_OPEN_STATES).update(
            planned_quota=quota
        )
        if not changed:
            raise Refused("wrong_state", _("The quota is fixed once the pool has closed."))
        _log(draw, "quota_planned", actor, planned_quota=quota)
    draw.refresh_from_db()
    return draw


def _check_window(
    *, opens: datetime.datetime, closes: datetime.datetime, draw_at: datetime.datetime
) -> None:
    """A purchase window closes after it opens, and opens no earlier than the draw."""
    if closes <= opens:
        raise Refused("bad_window", _("The purchase window must close after it opens."))
    if opens < draw_at:
        raise Refused("bad_window", _("The purchase window cannot open before the draw."))


def draw_set_purchase_window(
    *, draw: Draw, opens: datetime.datetime, closes: datetime.datetime, actor: User | None
) -> Draw:
    """Rule 6: an official may move the draw's purchase window before the draw runs; the draw
    then gives every win this window."""
    _check_window(opens=opens, closes=closes, draw_at=draw.scheduled_at)
    with transaction.atomic():
        changed = Draw.objects.filter(pk=draw.pk, status__in=UNDRAWN_STATES).update(
            purchase_opens_at=opens, purchase_closes_at=closes
        )
        if not changed:
            raise Refused("wrong_state", _("The purchase window is fixed once the draw has run."))
        _log(draw, "purchase_window_set", actor, opens=opens.isoformat(), closes=closes.isoformat())
    draw.refresh_from_db()
    return draw


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("reason_required", _("Give the reason: residents will read it."))
    if len(reason) > 200:
        raise Refused("reason_too_long", _("Keep the reason under 200 characters."))
    return reason


def draw_postpone(
    *,
    draw: Draw,
    scheduled_at: datetime.datetime,
    reason: str,
    actor: User | None,
    now: datetime.datetime,
    pool_cutoff: datetime.datetime | None = None,
) -> Draw:
    """Move a draw that has not closed its pool to a later time. The draw is kept, marked
    postponed with its reason, and a new draw takes its place (and its slot), carrying the
    notary's commitment: the pool is still unknown, so the commitment still binds."""
    reason = _reason(reason)
    if pool_cutoff is None:
        pool_cutoff = draw_pool_cutoff(config=campaign_get(), draw_at=scheduled_at)
    if scheduled_at <= now or pool_cutoff <= now:
        raise Refused("in_the_past", _("The new draw time and its pool cut-off must be ahead."))
    if pool_cutoff >= scheduled_at:
        raise Refused("bad_times", _("The pool must close before the draw."))
    with transaction.atomic():
        _schedule_lock()
        old = Draw.objects.select_for_update().get(pk=draw.pk)
        if old.status not in POOL_OPEN_STATES:
            raise Refused(
                "wrong_state", _("Only a draw whose pool has not closed can be postponed.")
            )
        opens, closes = _purchase_window(scheduled_at)
        new = Draw.objects.create(
            kind=old.kind,
            status=old.status,
            commitment=old.commitment,
            planned_quota=old.planned_quota,
            scheduled_at=scheduled_at,
            pool_cutoff=pool_cutoff,
            purchase_opens_at=opens,
            purchase_closes_at=closes,
        )
        Draw.objects.filter(pk=old.pk).update(
            status=DrawStatus.POSTPONED, reason=reason, postponed_to=new
        )
        # Only now may the new draw hold the slot: the slot's constraint ignores postponed draws.
        Draw.objects.filter(pk=new.pk).update(slot=old.slot)
        new.slot = old.slot
        _log(
            old,
            "postponed",
            actor,
            reason=reason,
            to_draw=new.pk,
            scheduled_at=scheduled_at.isoformat(),
        )
        _log(new, "replaces_postponed", actor, from_draw=old.pk, reason=reason)
    draw.refresh_from_db()
    return new


def draw_cancel(*, draw: Draw, reason: str, actor: User | None) -> Draw:
    """Cancel a draw before its public value is fixed. After that the notary, knowing the secret,
    could compute the winners, so cancelling could throw away a result somebody disliked."""
    reason = _reason(reason)
    with transaction.atomic():
        changed = Draw.objects.filter(
            Q(status__in=POOL_OPEN_STATES)
            | Q(status=DrawStatus.POOL_CLOSED, public_value_fixed=False),
            pk=draw.pk,
        ).update(status=DrawStatus.CANCELLED, reason=reason)
        if not changed:
            raise Refused(
                "wrong_state",
                _("A draw can be cancelled only before its public value is fixed."),
            )
        reservations.pool_void(draw_id=draw.pk)  # if its pool had frozen
        _log(draw, "cancelled", actor, reason=reason)
    draw.refresh_from_db()
    return draw


def schedule_pause(*, reason: str, actor: User | None, now: datetime.datetime) -> SchedulePause:
    """Pause the regular schedule: its coming draws whose pools are still open are cancelled
    with the reason, and no new ones are made until it resumes. Extra draws stay possible."""
    reason = _reason(reason)
    try:
        with transaction.atomic():
            _schedule_lock()
            cancelled: list[int] = []
            pause = SchedulePause.objects.create(reason=reason, started_at=now, started_by=actor)
            for draw in regular_draws_pool_open().select_for_update():
                # The slot is given back: resumed in time, the schedule makes the draw again.
                Draw.objects.filter(pk=draw.pk).update(
                    status=DrawStatus.CANCELLED, reason=reason, slot=None
                )
                _log(draw, "cancelled", actor, reason=reason, schedule_paused=pause.pk)
                cancelled.append(draw.pk)
            audit_record(
                actor=actor,
                action=AuditAction.SCHEDULE_PAUSED,
                target=pause,
                summary={"reason": reason, "draws_cancelled": cancelled},
            )
    except IntegrityError:
        raise Refused("already_paused", _("The schedule is already paused.")) from None
    return pause


def schedule_resume(*, actor: User | None, now: datetime.datetime) -> list[Draw]:
    """Resume the schedule: the next regular draws are made again from now on."""
    with transaction.atomic():
        _schedule_lock()
        pause = SchedulePause.objects.select_for_update().filter(in_force=True).first()
        if pause is None:
            raise Refused("not_paused", _("The schedule is not paused."))
        SchedulePause.objects.filter(pk=pause.pk).update(
            in_force=False, ended_at=now, ended_by=actor
        )
        audit_record(actor=actor, action=AuditAction.SCHEDULE_RESUMED, target=pause)
    return schedule_keep(now=now)


def pools_close_due(*, now: datetime.datetime) -> list[Draw]:
    """Beat: close each committed draw's pool once its cut-off has passed, with the planned
    quota (the whole stock when none was planned), never more than the stock."""
    closed = []
    due = Draw.objects.filter(status=DrawStatus.COMMITTED, pool_cutoff__lte=now)
    for draw in due.order_by("pool_cutoff"):
        stock = max(0, stock_packs())
        quota = stock if draw.planned_quota is None else min(draw.planned_quota, stock)
        try:
            closed.append(draw_close_pool(draw=draw, quota=quota, actor=None, now=now))
        except Refused as refusal:
            # Another draw's pool still waits for its ceremony: try again at the next beat.
            logger.warning("draw %s: pool not closed: %s", draw.pk, refusal.code)
            break
        if draw.planned_quota is not None and quota < draw.planned_quota:
            _log(
                draw, "quota_lowered_to_stock", None, planned_quota=draw.planned_quota, quota=quota
            )
    late = Draw.objects.filter(
        status=DrawStatus.SCHEDULED,
        pool_cutoff__lte=now,
        scheduled_at__gte=now - datetime.timedelta(days=1),
    )
    for draw in late:
        # No commitment before the cut-off: the pool cannot close fairly. Officials postpone it.
        logger.warning("draw %s: cut-off passed without the notary's commitment", draw.pk)
    return closed


# --- the ceremony ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    commitment: str
    secret: str | None  # only when the system generated it: shown once, never stored


def draw_commit(
    *, draw: Draw, notary: User | None, commitment: str | None, now: datetime.datetime
) -> Commitment:
    """The notary commits to a secret before the pool closes. Without a commitment of their own,
    the system makes the secret, returns it once, and keeps only its SHA-256."""
    if now >= draw.pool_cutoff:
        raise Refused("too_late", _("The commitment must be made before the pool closes."))
    secret = None
    if commitment is None:
        secret = secrets.token_bytes(32).hex()
        commitment = algorithm.commitment(bytes.fromhex(secret))
    commitment = commitment.strip().lower()
    if len(commitment) != 64 or any(c not in "0123456789abcdef" for c in commitment):
        raise Refused("bad_commitment", _("A commitment is 64 hexadecimal digits."))
    with transaction.atomic():
        _move(
            draw, from_states=[DrawStatus.SCHEDULED], to=DrawStatus.COMMITTED, commitment=commitment
        )
        _log(draw, "committed", notary, commitment=commitment)
    return Commitment(commitment=commitment, secret=secret)


def draw_close_pool(
    *, draw: Draw, quota: int, actor: User | None, now: datetime.datetime, at_once: bool = False
) -> Draw:
    """Close the pool: snapshot every waiting reservation made before the cut-off, publish the
    pool file and its digest, and fix the quota (at most the stock).

    The reservations table is locked in SHARE mode for the snapshot, so reservations and
    cancellations in flight finish first and later ones wait; a reservation made after that is
    stamped at or after the cut-off (see reservations.services) and joins the next pool. So every
    reservation is either in this pool or made after the cut-off, never lost between.
    `at_once` closes an extra draw's pool now: its cut-off becomes this instant.
    """
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        cutoff = now if at_once else draw.pool_cutoff
        if now < cutoff:
            raise Refused("too_early", _("The pool closes at its cut-off, not before."))
        _check_quota(quota)
        try:
            # Reservations freeze the pool first: they lock their table for this transaction,
            # so every reservation is in this pool or stamped after its cut-off, never lost.
            reservations.pool_freeze(draw_id=draw.pk, cutoff=cutoff, now=now)
        except IntegrityError:
            # Another pool froze and is not drawn yet: `one_frozen_pool` waited for it.
            raise Refused(
                "another_closed", _("Another draw's pool is closed and not drawn yet.")
            ) from None
        if Draw.objects.filter(status=DrawStatus.POOL_CLOSED).exclude(pk=draw.pk).exists():
            raise Refused("another_closed", _("Another draw's pool is closed and not drawn yet."))
        extra = {"scheduled_at": now + datetime.timedelta(seconds=1)} if at_once else {}
        try:
            _move(
                draw,
                from_states=[DrawStatus.COMMITTED],
                to=DrawStatus.POOL_CLOSED,
                pool_cutoff=cutoff,
                quota=quota,
                closed_at=now,
                **extra,
            )
        except IntegrityError:
            # Another draw's close committed between our check and our move (SHARE locks do
            # not exclude each other); `one_draw_between_pool_close_and_draw` caught it.
            raise Refused(
                "another_closed", _("Another draw's pool is closed and not drawn yet.")
            ) from None
        with connection.cursor() as cursor:
            # The pool file is built by PostgreSQL in one statement: millions of lines never
            # pass through Python here. Numbers have eight digits (a check constraint), so
            # they need no padding; sorting 3,000,000 of them in memory rather than on disk
            # wants more than the default working memory, for this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                f"""
                INSERT INTO {DrawFile._meta.db_table} (draw_id, name, content, sha256, lines)
                SELECT %(draw)s, 'pool', f.content, encode(sha256(f.content), 'hex'), f.lines
                FROM (
                    SELECT convert_to(
                               coalesce(array_to_string(array_agg(number ORDER BY number),
                                                        E'\\n') || E'\\n', ''),
                               'UTF8') AS content,
                           count(*) AS lines
                    FROM {Reservation._meta.db_table}
                    WHERE state = %(waiting)s AND created_at < %(cutoff)s
                      -- a pending win is a win (usually there is none)
                      AND id NOT IN (SELECT reservation_id FROM ({PENDING_WINS_SQL}) AS pending)
                ) AS f
                RETURNING sha256, lines
                """,
                {"draw": draw.pk, "cutoff": cutoff, "waiting": ReservationState.WAITING},
            )
            digest, size = cursor.fetchone()
        Draw.objects.filter(pk=draw.pk).update(pool_digest=digest, pool_size=size)
        draw.refresh_from_db()
        _log(
            draw,
            "pool_closed",
            actor,
            pool_size=size,
            pool_digest=digest,
            quota=quota,
            pool_cutoff=cutoff.isoformat(),
        )
    return draw


def draw_fix_public_value(*, draw: Draw, value: str, actor: User | None) -> Draw:
    """At the ceremony, first: the public value thrown or read before witnesses."""
    value = algorithm.normalise_public_value(value)
    with transaction.atomic():
        changed = Draw.objects.filter(
            pk=draw.pk, status=DrawStatus.POOL_CLOSED, public_value_fixed=False, secret=""
        ).update(public_value=value, public_value_fixed=True)
        if not changed:
            raise Refused(
                "wrong_state", _("The public value is fixed once, after the pool closes.")
            )
        draw.refresh_from_db()
        _log(draw, "public_value_fixed", actor, public_value=value)
    return draw


def draw_reveal(*, draw: Draw, secret: str, notary: User | None) -> Draw:
    """Then the notary reveals the secret, which must match the commitment."""
    secret = _secret_normalise(secret)
    draw.refresh_from_db()
    if algorithm.commitment(bytes.fromhex(secret)) != draw.commitment:
        raise Refused("wrong_secret", _("This secret does not match the notary's commitment."))
    with transaction.atomic():
        changed = Draw.objects.filter(
            pk=draw.pk, status=DrawStatus.POOL_CLOSED, public_value_fixed=True, secret=""
        ).update(secret=secret)
        if not changed:
            raise Refused(
                "wrong_state",
                _("The secret is revealed once, after the public value is fixed."),
            )
        draw.refresh_from_db()
        _log(draw, "secret_revealed", notary, secret=secret)
    return draw


# --- an extra draw's whole ceremony at once (`run_draw`) ------------------------------------

RUN_AT_ONCE_LOCK_KEY = 0x5055_4855_4902  # held by one `run_draw` at a time, for its session


class CeremonyStopped(Exception):
    """A ceremony run at once stopped after its draw was made: `message` says what became of the
    draw (cancelled, or waiting to be finished) and what to do. Unlike Refused, something was
    written: the draw and its log."""

    def __init__(self, message: str, *, draw: Draw) -> None:
        super().__init__(message)
        self.message = message
        self.draw = draw


@dataclass(frozen=True)
class CeremonyAtOnce:
    draw: Draw
    stock: int  # packs in stock before the pool closed
    recorded: int  # packs of the arrival recorded to cover the quota (0: none recorded)


def ceremony_page(draw: Draw) -> str:
    return reverse("admin:lottery_ceremony", args=[draw.pk])


def _secret_normalise(secret: str) -> str:
    secret = secret.strip().lower()
    try:
        raw = bytes.fromhex(secret)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Refused("bad_secret", _("The secret is 64 hexadecimal digits."))
    return secret


@contextmanager
def _one_ceremony_at_once() -> Iterator[None]:
    """A second `run_draw` while one runs is refused before it writes anything: both would pass
    the checks below, and the slower one's pool close would then fail behind a draw it made."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_AT_ONCE_LOCK_KEY])
        (held,) = cursor.fetchone()
    if not held:
        raise Refused(
            "run_draw_running",
            _("Another run_draw is running. Wait until it has finished, then try again."),
        )
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_AT_ONCE_LOCK_KEY])
        except DatabaseError:
            logger.warning("run_draw: lock not released; the session's end releases it")


AT_ONCE_ACTION = "run_at_once"


def draws_at_once_orphaned_cancel() -> list[Draw]:
    """Beat: a `run_draw` killed outright (SIGKILL, power loss) between its commitment and its
    public value leaves a draw whose secret may have died with the process. Every `run_draw`
    holds RUN_AT_ONCE_LOCK_KEY for its whole session, so once the lock can be taken no such
    draw has a living owner: each is cancelled with the reason, before beat could close its
    pool with the whole stock or it could block every later draw."""
    orphans = Draw.objects.filter(
        Q(status=DrawStatus.COMMITTED) | Q(status=DrawStatus.POOL_CLOSED, public_value_fixed=False),
        log__action=AT_ONCE_ACTION,
    ).distinct()
    if not orphans.exists():
        return []
    cancelled = []
    try:
        with _one_ceremony_at_once():
            for draw in orphans.order_by("pk"):
                reason = " ".join(
                    _(
                        "The extra draw stopped before its public value was fixed: the run_draw "
                        "that made it ended without finishing its ceremony."
                    ).split()
                )
                try:
                    cancelled.append(draw_cancel(draw=draw, reason=reason, actor=None))
                except Refused:  # its state moved meanwhile: nothing to cancel
                    continue
    except Refused:  # a run_draw is running: its draws have an owner
        return []
    return cancelled


def _cancel_stopped(draw: Draw, error: BaseException, secret: str) -> CeremonyStopped:
    """Before the public value is fixed the draw can be cancelled, and must be: its secret may
    exist only in this process. The reason goes to the draw's log and to residents."""
    if isinstance(error, Refused):
        why = error.message
    else:
        why = _("an error (%(error)s)") % {"error": type(error).__name__}
    reason = " ".join(
        (
            _("The extra draw stopped before its public value was fixed: %(why)s") % {"why": why}
        ).split()
    )
    if len(reason) > 200:
        reason = reason[:199] + "…"
    try:
        draw_cancel(draw=draw, reason=reason, actor=None)
    except Exception:
        logger.exception("run_draw: draw %s not cancelled", draw.pk)
        # The secret must not be lost with this process: whoever runs the command gets it.
        return CeremonyStopped(
            _(
                "Draw %(draw)d stopped before its public value was fixed (%(why)s) and could not "
                "be cancelled. An official cancels it on its ceremony page, %(page)s. Should the "
                "ceremony go on instead, its secret is %(secret)s."
            )
            % {"draw": draw.pk, "why": why, "page": ceremony_page(draw), "secret": secret},
            draw=draw,
        )
    return CeremonyStopped(
        _("Draw %(draw)d is cancelled: %(reason)s") % {"draw": draw.pk, "reason": reason},
        draw=draw,
    )


# `run_draw --purchase-opens now`: the purchase window opens as the draw is timed, at its pool
# close (not when the command started, a moment before the draw).
AT_THE_DRAW: Final = "at_the_draw"


def draw_extra_at_once(
    *,
    quota: int,
    secret: str | None,
    public_value: str,
    purchase_opens: datetime.datetime | Literal["at_the_draw"] | None = None,
    note: str = "run_draw: arrival recorded to cover the quota",
) -> CeremonyAtOnce:
    """An extra draw and its whole ceremony now, through the steps' own services (`run_draw`).

    What would refuse it is checked before anything is written: a bad quota, secret or purchase
    window (one opening before now: the draw is timed at its pool close, after this), another
    ceremony at once, or another draw's pool closed and not drawn. `purchase_opens` (None: the
    configuration's) is set through draw_set_purchase_window once the pool close has timed the
    draw, in that close's transaction. The stock is topped up to the quota (an arrival
    recorded today) in the transaction that closes the pool, so a refused close records none.
    A draw made here never outlives its secret: a failure before the public value is fixed
    cancels the draw with the reason (CeremonyStopped); the public value and the secret are
    fixed and revealed in one transaction, so from then on the draw can always be finished,
    and a failure of the draw itself says how (CeremonyStopped).
    """
    if quota < 0:
        raise Refused("bad_quota", _("The quota cannot be negative."))
    commitment = None
    if secret is not None:
        secret = _secret_normalise(secret)
        commitment = algorithm.commitment(bytes.fromhex(secret))
    hours = datetime.timedelta(hours=campaign_get().purchase_window_hours)
    if isinstance(purchase_opens, datetime.datetime):
        _check_window(opens=purchase_opens, closes=purchase_opens + hours, draw_at=timezone.now())
    with _one_ceremony_at_once():
        closed = Draw.objects.filter(status=DrawStatus.POOL_CLOSED).first()
        if closed is not None:
            raise Refused(
                "another_closed",
                _(
                    "Draw %(draw)d's pool is closed and not drawn yet. It is drawn (or cancelled) "
                    "on its ceremony page, %(page)s, before another pool can close."
                )
                % {"draw": closed.pk, "page": ceremony_page(closed)},
            )
        # Nothing is written before this line. Provisional times: closing the pool at once
        # sets the cut-off to that instant and the draw time just after it.
        created = timezone.now()
        with transaction.atomic():
            draw = draw_add_extra(
                scheduled_at=created + datetime.timedelta(hours=1),
                pool_cutoff=created + datetime.timedelta(minutes=30),
                actor=None,
            )
            made = draw_commit(draw=draw, notary=None, commitment=commitment, now=timezone.now())
            # Marks the draw as this process's: should the process die outright before the
            # public value, beat cancels it (draws_at_once_orphaned_cancel).
            _log(draw, AT_ONCE_ACTION, None)
        secret = secret or made.secret
        try:
            with transaction.atomic():
                stock = stock_packs()
                recorded = supply_cover(packs=quota, note=note)
                draw = draw_close_pool(
                    draw=draw, quota=quota, actor=None, now=timezone.now(), at_once=True
                )
                if purchase_opens is not None:
                    opens = draw.scheduled_at if purchase_opens == AT_THE_DRAW else purchase_opens
                    draw = draw_set_purchase_window(
                        draw=draw, opens=opens, closes=opens + hours, actor=None
                    )
            with transaction.atomic():
                draw = draw_fix_public_value(draw=draw, value=public_value, actor=None)
                draw = draw_reveal(draw=draw, secret=secret, notary=None)
        except BaseException as error:
            raise _cancel_stopped(draw, error, secret) from error
        draw_started(draw=draw, actor=None, early=False, at_once=True)
        try:
            draw = draw_run(draw=draw, actor=None, now=timezone.now())
        except BaseException as error:
            logger.exception("run_draw: draw %s not drawn", draw.pk)
            raise CeremonyStopped(
                _(
                    "Draw %(draw)d has its public value fixed and its secret revealed, but the "
                    "draw itself did not run (%(error)s). An official finishes it with “Start "
                    "the draw” on its ceremony page, %(page)s, or with: python manage.py "
                    "run_draw --finish %(draw)d"
                )
                % {"draw": draw.pk, "error": type(error).__name__, "page": ceremony_page(draw)},
                draw=draw,
            ) from error
    return CeremonyAtOnce(draw=draw, stock=stock, recorded=recorded)


def _win_messages(draw: Draw, winners: list[RecordedWin]) -> Iterator[NewMessage]:
    """One SMS per winner; committee-registered winners: their committee, a few numbers each
    (to its mobile number for messages, if it has one). Made one by one as the outbox takes
    them."""
    opens = timezone.localtime(draw.purchase_opens_at).strftime("%m-%d %H:%M")
    closes = timezone.localtime(draw.purchase_closes_at).strftime("%m-%d %H:%M")
    draw_pk = draw.pk
    by_committee: dict[int, list[RecordedWin]] = {}
    for winner in winners:
        if winner.by_committee:
            by_committee.setdefault(winner.community_id, []).append(winner)
            continue
        yield (
            NewMessage(
                recipient=phone_e164(winner.phone),
                kind=Kind.WIN,
                dedupe_key=f"win:{draw_pk}:{winner.id}",
                context={"number": f"{winner.number:08d}", "opens": opens, "closes": closes},
                language=winner.language,
            )
        )
    for community_id, theirs in by_committee.items():
        for start in range(0, len(theirs), NUMBERS_PER_COMMITTEE_MESSAGE):
            chunk = theirs[start : start + NUMBERS_PER_COMMITTEE_MESSAGE]
            yield (
                NewMessage(
                    # Its mobile for messages; without one its fixed line, which the outbox
                    # refuses and records: the committee follows its wins in the admin.
                    recipient=committee_recipient(
                        sms_phone=chunk[0].committee_sms_phone, phone=chunk[0].committee_phone
                    ),
                    kind=Kind.COMMITTEE_WIN,
                    dedupe_key=f"committee-win:{draw_pk}:{community_id}:{chunk[0].id}",
                    context={
                        "committee": chunk[0].committee_name,
                        "numbers": ", ".join(f"{w.number:08d}" for w in chunk),
                        "closes": closes,
                    },
                )
            )


def draw_start(
    *, draw: Draw, actor: User | None, now: datetime.datetime, early: bool = False
) -> None:
    """An official starts the draw whose secret is revealed: a worker runs it (draw_run, in
    lottery.tasks) once this transaction commits, and logs the start as it begins. Starting it
    before its announced time needs `early` (the official's explicit confirmation), and the log
    says so. Starting it again while it runs changes nothing (draw_run draws once); a draw that
    is not ready, or no longer waits to be drawn, is refused."""
    from lottery.tasks import run_draw_queue  # the task calls these services

    draw.refresh_from_db()
    if draw.status != DrawStatus.POOL_CLOSED:
        raise Refused(
            "wrong_state",
            _("This draw is %(status)s; that step is not possible now.")
            % {"status": draw.get_status_display()},
        )
    if not draw.secret:
        raise Refused("not_ready", _("The secret has not been revealed yet."))
    is_early = now < draw.scheduled_at
    if is_early and not early:
        raise Refused(
            "early",
            _("The draw is announced for %(time)s: starting it before then needs confirmation.")
            % {"time": local_minute(draw.scheduled_at)},
        )
    draw_pk, actor_pk = draw.pk, actor.pk if actor else None
    transaction.on_commit(lambda: run_draw_queue(draw_pk, actor_pk, early=is_early))


def draw_started(*, draw: Draw, actor: User | None, early: bool, at_once: bool = False) -> None:
    """The draw's start in its log, as its worker begins (a start the broker refused is not
    one): early, before its announced time, or at once, as `run_draw` runs a whole ceremony."""
    if draw.status == DrawStatus.POOL_CLOSED:
        _log(
            draw,
            "started",
            actor,
            announced=draw.scheduled_at.isoformat(),
            early=early,
            at_once=at_once,
        )


def draw_run(
    *,
    draw: Draw,
    actor: User | None,
    now: datetime.datetime,
    progress: Callable[[str, int], None] | None = None,
) -> Draw:
    """The draw itself. Winners, their purchase window, their SMS, the winners file and the
    state change commit together or not at all; a second start, from anywhere, finds the draw
    drawn and changes nothing. The same inputs always give the same winners."""
    draw.refresh_from_db()
    if draw.status in DRAWN_STATES:
        return draw
    if draw.status != DrawStatus.POOL_CLOSED or not draw.secret or not draw.public_value_fixed:
        raise Refused(
            "not_ready",
            _("The pool must be closed, the public value fixed and the secret revealed."),
        )
    report = progress or (lambda step, percent: None)
    report("reading the pool", 5)
    pool_file = DrawFile.objects.get(draw=draw, name=DrawFile.Name.POOL)
    content = bytes(pool_file.content)
    if hashlib.sha256(content).hexdigest() != draw.pool_digest:
        raise RuntimeError(f"draw {draw.pk}: the stored pool file does not match its digest")
    # The file PostgreSQL wrote at pool close: eight digits and a line break per number, which
    # its digest (checked above) vouches for. Its lines are what is ranked, as they are.
    lines = content.split(b"\n")
    lines.pop()  # after the last line break (an empty pool is an empty file: nothing to pop)
    if len(content) != 9 * len(lines) or len(lines) != draw.pool_size:
        raise RuntimeError(f"draw {draw.pk}: the stored pool file is not {draw.pool_size} lines")
    key = algorithm.draw_key(bytes.fromhex(draw.secret), draw.pool_digest, draw.public_value)
    # The pool's Merkle tree is built during the draw and stored in its own transaction: its
    # root is one of the draw's results (the certificate carries it), so the two cannot
    # disagree or exist one without the other. It costs about as much CPU as the ranking (two
    # SHA-256 a number), so a forked helper builds it on the other core while this process
    # waits on PostgreSQL for the winners and the messages. Building it at pool close instead
    # would put that time on a step of the ceremony with nothing to overlap it.
    report("ranking the pool", 15)
    # With the cut-off: the last winner in (rank, number) order, a number won exactly when it
    # is not after it.
    winning, cut = ranking.ranked_winners(key, lines, draw.quota or 0)
    tree = ranking.ChunkRoots(lines)
    try:
        return _draw_commit_results(draw, actor, now, report, lines, winning, cut, tree)
    finally:
        tree.abandon()  # only if the transaction failed before it needed the tree


def _draw_commit_results(
    draw: Draw,
    actor: User | None,
    now: datetime.datetime,
    report: Callable[[str, int], None],
    lines: list[bytes],
    winning: list[bytes],
    cut: tuple[bytes, bytes] | None,
    tree: ranking.ChunkRoots,
) -> Draw:
    winners_file = b"".join(line + b"\n" for line in winning)
    chosen = [int(line) for line in winning]
    winners_digest = hashlib.sha256(winners_file).hexdigest()

    with transaction.atomic():
        # One start wins: the row lock serialises them, the status check stops the others.
        locked = Draw.objects.select_for_update().get(pk=draw.pk)
        if locked.status != DrawStatus.POOL_CLOSED:
            return locked
        if locked.purchase_opens_at is None or locked.purchase_closes_at <= now:
            # A draw held late (its pool waited for an earlier ceremony) must not hand out a
            # window that has already closed: rule 6 counts from the day it is actually drawn.
            opens, closes = _purchase_window(now)
            locked.purchase_opens_at, locked.purchase_closes_at = opens, closes
            _log(
                locked,
                "purchase_window_set",
                None,
                opens=opens.isoformat(),
                closes=closes.isoformat(),
            )
        report("marking the winners", 60)
        winners = reservations.wins_record(draw_id=locked.pk, numbers=chosen, drawn_at=now)
        if len(winners) != len(chosen):
            raise RuntimeError(
                f"draw {draw.pk}: {len(chosen)} winners but {len(winners)} waiting reservations"
            )
        report("queuing the messages", 75)
        # The keys are new: this transaction holds the draw, which is not drawn yet.
        messages_enqueue_new(messages=_win_messages(locked, winners))
        report("publishing", 95)
        upper = merkle.upper_levels(tree.result())
        firsts = merkle.chunk_firsts(lines)
        PoolTree.objects.create(
            draw=locked,
            pool_size=draw.pool_size,
            chunk_firsts=firsts,
            upper_levels=b"".join(upper),
        )
        DrawFile.objects.create(
            draw=locked,
            name=DrawFile.Name.WINNERS,
            content=winners_file,
            sha256=winners_digest,
            lines=len(chosen),
        )
        _move(
            locked,
            from_states=[DrawStatus.POOL_CLOSED],
            to=DrawStatus.DRAWN,
            winners_count=len(chosen),
            winners_digest=winners_digest,
            pool_merkle_root=merkle.root(upper).hex(),
            cutoff_rank=cut[0].hex() if cut else "",
            cutoff_number=int(cut[1]) if cut else None,
            drawn_at=now,
            purchase_opens_at=locked.purchase_opens_at,
            purchase_closes_at=locked.purchase_closes_at,
        )
        _log(locked, "drawn", actor, winners_count=len(chosen), winners_digest=winners_digest)
    return locked


def pool_tree_build(*, draw: Draw) -> PoolTree:
    """The stored tree of a drawn draw that has none (drawn by code older than stored trees
    and missed by lottery 0014, or its row lost): built from its pool file and checked against
    the certificate's root. Two requests at once store one tree (the draw is its primary key:
    the second insert does nothing)."""
    if draw.status not in DRAWN_STATES:
        raise ValueError(f"draw {draw.pk} is not drawn: it has no pool tree to build")
    content = bytes(DrawFile.objects.get(draw=draw, name=DrawFile.Name.POOL).content)
    lines = content.split(b"\n")[:-1]
    upper = merkle.upper_levels(merkle.chunk_roots(lines))
    if merkle.root(upper).hex() != draw.pool_merkle_root:
        raise RuntimeError(f"draw {draw.pk}: its pool file does not give its Merkle root")
    PoolTree.objects.bulk_create(
        [
            PoolTree(
                draw=draw,
                pool_size=len(lines),
                chunk_firsts=merkle.chunk_firsts(lines),
                upper_levels=b"".join(upper),
            )
        ],
        ignore_conflicts=True,
    )
    return PoolTree.objects.get(draw=draw)


def draw_wins_settle(
    *, draw_id: int, now: datetime.datetime, batch: int = reservations.SETTLE_BATCH
) -> int:
    """Settle a drawn draw's wins onto their reservations (`reservations.services.wins_settle`)
    and record that it is done. Run right after the draw commits, and by beat for any draw it
    missed; any number of runs settle each win once. Returns the reservations settled. Nobody
    waits for this: until a win is settled, readers apply it (the pending-win rule)."""
    settled, done = reservations.wins_settle(draw_id=draw_id, batch=batch)
    if done:
        with transaction.atomic():
            marked = Draw.objects.filter(pk=draw_id, wins_settled_at__isnull=True).update(
                wins_settled_at=now
            )
            if marked:
                _log(Draw.objects.get(pk=draw_id), "wins_settled", None, settled_now=settled)
    return settled


def wins_settle_pending(*, now: datetime.datetime) -> int:
    """Beat: settle every drawn draw whose wins are not settled yet (a worker may have died
    between a draw and its settling)."""
    pending = Draw.objects.filter(status__in=DRAWN_STATES, wins_settled_at__isnull=True)
    return sum(
        draw_wins_settle(draw_id=draw_id, now=now)
        for draw_id in pending.order_by("pk").values_list("pk", flat=True)
    )


STATEMENT_MAX = 2000
CERTIFICATE_NUMBER_MAX = 60


def _statement(statement: str) -> str:
    statement = statement.replace("\t", " ").strip()
    statement = "\n".join(line.rstrip() for line in statement.splitlines())
    if not statement:
        raise Refused("statement_required", _("Write the notary's statement for the certificate."))
    if any(not line.isprintable() for line in statement.split("\n")):
        raise Refused("bad_statement", _("The statement holds characters that cannot be shown."))
    if len(statement) > STATEMENT_MAX:
        raise Refused(
            "statement_too_long",
            _("Keep the statement under %(max)d characters.") % {"max": STATEMENT_MAX},
        )
    return statement


def _certificate_number(number: str) -> str:
    number = " ".join(number.split())
    if not number:
        raise Refused("certificate_number_required", _("Give the notarial certificate's number."))
    if len(number) > CERTIFICATE_NUMBER_MAX or not number.isprintable():
        raise Refused(
            "bad_certificate_number",
            _("A notarial certificate number is one line of at most %(max)d characters.")
            % {"max": CERTIFICATE_NUMBER_MAX},
        )
    return number


def notary_may_sign_off(user: User) -> bool:
    """Whether `user` may sign off a certificate: the notarise permission and membership of the
    notary group, as the admin's ceremony asks (a superuser holds every permission, but whoever
    runs a draw does not notarise it: separation of duties)."""
    return (
        user.is_active
        and user.has_perm("lottery.notarise")
        and user.groups.filter(name=roles.NOTARY).exists()
    )


def _seal_lock() -> None:
    """Serialise sealing for the transaction: two sign-offs at the same moment read the same
    ledger head, and without this one would fail on the unique previous digest (the backstop)
    instead of sealing after the other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])


def _check_final(draw: Draw) -> None:
    """Sign-off seals the certificate: everything it carries must be final by then. The
    purchase window is (`draw_set_purchase_window` refuses once the draw has run) and so are
    the draw's results; the fairness figures are made just after the draw, and must be there."""
    if draw.status != DrawStatus.DRAWN:
        raise Refused(
            "wrong_state",
            _("This draw is %(status)s; that step is not possible now.")
            % {"status": draw.get_status_display()},
        )
    if draw.fairness is None:
        raise Refused(
            "not_final",
            _(
                "The fairness figures are not made yet, and the sealed certificate carries "
                "them: try the sign-off again in a minute."
            ),
        )
    if not draw.pool_merkle_root:
        raise Refused(
            "not_final",
            _("The pool's Merkle root is not recorded yet, and the sealed certificate carries it."),
        )


def draw_sign_off(
    *,
    draw: Draw,
    notary: User,
    now: datetime.datetime,
    statement: str,
    certificate_number: str,
) -> Draw:
    """The notary's recorded sign-off of the certificate: who, when, the digests signed, their
    statement and the notarial certificate's number (shown on the public draw page); and the
    certificate sealed, in the same transaction, as the next link of the public ledger.

    Refused, saying why, until everything the certificate carries is final: the fairness
    figures are made here if beat has not made them yet.
    """
    statement = _statement(statement)
    certificate_number = _certificate_number(certificate_number)
    # Outside the sealing transaction: a whole pass over the pool, which the lock need not wait
    # for (the figures are the same however often they are made).
    if draw.fairness is None:
        draw_fairness_compute(draw=draw)
    with transaction.atomic():
        _seal_lock()
        _check_final(Draw.objects.select_for_update().get(pk=draw.pk))
        _move(
            draw,
            from_states=[DrawStatus.DRAWN],
            to=DrawStatus.SIGNED_OFF,
            signed_off_at=now,
            signed_off_by=notary,
            notary_statement=statement,
            notarial_certificate_number=certificate_number,
        )
        _log(
            draw,
            "signed_off",
            notary,
            pool_digest=draw.pool_digest,
            winners_digest=draw.winners_digest,
            commitment=draw.commitment,
            certificate_number=certificate_number,
            statement=statement,
        )
        _seal(draw, now=now)
    return draw


def _seal(draw: Draw, *, now: datetime.datetime) -> SealedCertificate:
    """The certificate's bytes kept for good, linked to the ledger's head. Under `_seal_lock`."""
    head = SealedCertificate.objects.order_by("-id").only("sealed_at", "certificate_sha256").first()
    # The ledger's times never go back, even when a sign-off that read the clock first seals
    # second.
    sealed_at = max(now, head.sealed_at) if head else now
    previous = head.certificate_sha256 if head else None
    content = certificate_bytes(
        certificate_values(draw=draw, sealed_at=sealed_at, previous_sha256=previous)
    )
    return SealedCertificate.objects.create(
        draw=draw,
        sealed_at=sealed_at,
        content=content,
        certificate_sha256=hashlib.sha256(content).hexdigest(),
        previous_certificate_sha256=previous,
    )


def draw_fairness_compute(*, draw: Draw) -> dict | None:
    """Win rates by district and by reservation day, with chi-square tests, for a drawn draw.

    Run after the draw commits (it reads the whole pool once more, which the draw itself need
    not wait for) and safe to run again: the pool file fixes who was in the pool, and a
    reservation's district and time never change, so the figures come out the same.
    """
    draw.refresh_from_db()
    if draw.status not in DRAWN_STATES:
        return None
    if draw.fairness is not None:
        return draw.fairness
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH pool AS (
                SELECT line::integer AS number
                FROM {DrawFile._meta.db_table} AS f,
                     string_to_table(convert_from(f.content, 'UTF8'), E'\\n') AS line
                WHERE f.draw_id = %(draw)s AND f.name = 'pool' AND line <> ''
            )
            SELECT r.district_id,
                   (r.created_at AT TIME ZONE %(tz)s)::date AS day,
                   count(*),
                   count(w.reservation_id)
            FROM pool JOIN {Reservation._meta.db_table} AS r USING (number)
            LEFT JOIN {Win._meta.db_table} AS w ON w.reservation_id = r.id
                                               AND w.draw_id = %(draw)s
            GROUP BY 1, 2
            """,
            {"draw": draw.pk, "tz": settings.TIME_ZONE},
        )
        rows = cursor.fetchall()
    districts = {district.pk: district for district in District.objects.all()}
    by_district: dict[int, list[int]] = {}
    by_day: dict[datetime.date, list[int]] = {}
    for district_id, day, pool, won in rows:
        for table, key in ((by_district, district_id), (by_day, day)):
            counts = table.setdefault(key, [0, 0])
            counts[0] += pool
            counts[1] += won
    day_counts = sorted(by_day.items())
    days = [
        fairness_test.Group(key=day.isoformat(), label=day.isoformat(), pool=pool, winners=won)
        for day, (pool, won) in day_counts
    ]
    fairness = {
        "by_district": fairness_test.win_rates(
            [
                fairness_test.Group(
                    key=districts[key].code, label=districts[key].name, pool=pool, winners=won
                )
                for key, (pool, won) in sorted(
                    by_district.items(), key=lambda item: districts[item[0]].sort_order
                )
            ]
        ),
        "by_reservation_day": fairness_test.win_rates(days),
    }
    if days:
        first = day_counts[0][0]
        fairness["by_reservation_day"]["trend"] = fairness_test.trend(
            days, [(day - first).days for day, _ in day_counts]
        )
    Draw.objects.filter(pk=draw.pk, fairness__isnull=True).update(fairness=fairness)
    draw.refresh_from_db()
    return draw.fairness


def fairness_compute_missing() -> int:
    """Fairness figures for any drawn draw still without them (e.g. the worker that drew died
    before computing them)."""
    missing = Draw.objects.filter(status__in=DRAWN_STATES, fairness__isnull=True)
    done = 0
    for draw in missing.order_by("pk")[:5]:
        draw_fairness_compute(draw=draw)
        done += 1
    return done

"""The one path every SMS takes: queue in the event's transaction, claim with a lease, send, mark.

Guarantee (docs/notifications.md): each message is sent at least once; never by two workers at
once; a repeat happens only after a crash between the gateway's answer and the outbox update,
and always carries the same id.
"""

import datetime
import io
import logging
import math
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Case, F, TextField, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from psycopg2.extras import execute_values

from city.models import AuditAction
from city.phones import is_sms_recipient
from city.services import audit_record
from notifications.backends import ConsoleBackend, HttpBackend, Outcome
from notifications.models import KIND_PRIORITY, Kind, OutboxMessage, State
from notifications.ratelimit import RateLimiter
from notifications.sealing import SEALED_PREFIX, Unsealable, seal, unseal

MAX_SEGMENTS = 2
TABLE = OutboxMessage._meta.db_table
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


# The first character GSM-7 cannot write, and GSM-7's extended characters (two septets each):
# regular expressions, so that counting a draw's 100,000 texts is not a loop over characters.
_NOT_GSM = re.compile("[^" + re.escape("".join(sorted(GSM_BASIC | GSM_EXTENDED))) + "]")
_GSM_EXTENDED_RE = re.compile("[" + re.escape("".join(sorted(GSM_EXTENDED))) + "]")


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes: GSM-7 when it can, else UCS-2 (any Chinese)."""
    if _NOT_GSM.search(text) is None:
        length = len(text) + len(_GSM_EXTENDED_RE.findall(text))
        single, multi = 160, 153
    else:
        # UCS-2 counts UTF-16 code units.
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if length <= single else math.ceil(length / multi)


@lru_cache(maxsize=64)
def _sms_pattern(kind: str, language: str, names: tuple[str, ...]) -> str:
    """The text with a marker where each value goes. SMS templates only substitute values (no
    conditions on them), so a draw renders each template once, not once per winner."""
    markers = {name: f"\x00{name}\x00" for name in names}
    with translation.override(language):
        return render_to_string(f"sms/{kind}.txt", markers).strip()


def sms_render(*, kind: Kind, context: dict, language: str) -> str:
    text = _sms_pattern(str(kind), language, tuple(sorted(context)))
    for name, value in context.items():
        text = text.replace(f"\x00{name}\x00", str(value))
    if sms_segments(text) > MAX_SEGMENTS:
        raise ValueError(f"{kind} text takes more than {MAX_SEGMENTS} SMS segments: {text!r}")
    return text


@dataclass(frozen=True)
class NewMessage:
    recipient: str
    kind: Kind
    dedupe_key: str
    context: dict
    language: str = "zh-hans"


# From this many messages (a draw's, a reminder round's) they go by COPY, which is several
# times faster than multi-row INSERTs; a single sign-in code does not pay for a temporary table.
COPY_FROM = 1000
_COLUMNS = "recipient, text, kind, language, priority, dedupe_key, state, last_error"


# What a new message's row holds besides `_COLUMNS`: never tried, due now.
_NEW_COLUMNS = "attempts, next_attempt_at, leased_by, created_at, updated_at"

# Why a message was refused instead of queued; stored in `last_error` in English (like the
# gateway's answers), shown translated in the admin.
REFUSED_NOT_A_MOBILE = gettext_noop("not a mobile number: no SMS can reach it")
_QUEUED, _REFUSED = State.QUEUED.value, State.REFUSED.value


def _row(message: NewMessage) -> tuple:
    """A message's values for `_COLUMNS`, its text rendered; a sign-in code's text sealed
    (notifications/sealing.py), so that no row, backup or admin lookup holds a live code.

    A recipient that is not a mobile number (a committee's fixed line) is refused here, on
    every path into the outbox: the row is kept as `refused`, with the reason, and no worker
    ever claims it. One regular-expression match per message, no query."""
    text = sms_render(kind=message.kind, context=message.context, language=message.language)
    if message.kind == Kind.SIGN_IN_CODE:
        text = seal(text)
    reachable = is_sms_recipient(message.recipient)
    return (
        message.recipient,
        text,
        str(message.kind),
        message.language,
        int(KIND_PRIORITY[message.kind]),
        message.dedupe_key,
        _QUEUED if reachable else _REFUSED,
        "" if reachable else REFUSED_NOT_A_MOBILE,
    )


def _copy_line(row: tuple) -> str:
    line = "\t".join(map(str, row))
    # Nothing to escape, which is nearly always the case: the separators are the only tabs.
    if line.count("\t") == len(row) - 1 and not ("\\" in line or "\n" in line or "\r" in line):
        return line
    return "\t".join(map(_copy_field, row))


def _copy_field(value) -> str:
    """A value in COPY's text format."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _LinesReader:
    """A file whose content is made as it is read: COPY reads a chunk, PostgreSQL stores it on
    its own core while the next chunk is rendered here."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        parts, have = [self._pending], len(self._pending)
        for line in self._lines:
            encoded = line.encode()
            parts.append(encoded)
            have += len(encoded)
            if 0 <= size <= have:
                break
        data = b"".join(parts)
        if size < 0:
            size = len(data)
        self._pending = data[size:]
        return data[:size]


def messages_enqueue_new(*, messages: Iterable[NewMessage]) -> int:
    """Queue messages whose dedupe keys the caller knows are new (a draw's, made once under the
    draw's lock), in the caller's transaction: copied straight into the outbox, each rendered as
    PostgreSQL reads the one before, so that rendering and storing overlap. A key that is not
    new after all fails the COPY, and with it the caller's transaction: nothing is doubled.
    Returns the number written (queued, or refused for a recipient that is not a mobile)."""
    now = timezone.now().isoformat()
    fixed = f"\t0\t{now}\t\t{now}\t{now}\n"
    count = 0

    def lines():
        nonlocal count
        for message in messages:
            count += 1
            yield _copy_line(_row(message)) + fixed

    # Django's wrapper turns psycopg2's errors into django.db's, as for any query.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(
            f"COPY {TABLE} ({_COLUMNS}, {_NEW_COLUMNS}) FROM STDIN",
            _LinesReader(lines()),
            size=1 << 16,
        )
    if count and settings.SMS_DRAIN_ON_COMMIT:
        transaction.on_commit(_wake_workers)
    return count


def messages_enqueue(
    *, messages: Iterable[NewMessage], batch_size: int = 5000, wake: bool = True
) -> None:
    """Queue messages in the caller's transaction; a dedupe key already queued is skipped.

    A rolled-back event therefore sends nothing, and a committed one cannot be forgotten.
    Workers are woken once the transaction commits, unless `wake` is False: for a message
    that may wait for beat's next round (10 s) rather than cost its request a broker publish.
    """
    now = timezone.now()
    rows = [_row(message) for message in messages]
    if len(rows) >= COPY_FROM:
        _enqueue_by_copy(rows, now=now)
    elif len(rows) == 1:
        # One message (a reservation's confirmation, a sign-in code): one plain INSERT;
        # execute_values' paging and templating cost more than the statement.
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.execute(_INSERT_ONE, (*rows[0], now, now, now))
    elif rows:
        # Plain multi-row INSERTs: model instances would cost more than the insert itself.
        insert = (
            f"INSERT INTO {TABLE} ({_COLUMNS}, {_NEW_COLUMNS}) "
            "VALUES %s ON CONFLICT (dedupe_key) DO NOTHING"
        )
        template = "(%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, '', %s, %s)"
        with connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                insert,
                [(*row, now, now, now) for row in rows],
                template=template,
                page_size=batch_size,
            )
    if rows and wake and settings.SMS_DRAIN_ON_COMMIT:
        transaction.on_commit(_wake_workers)


_INSERT_ONE = (
    f"INSERT INTO {TABLE} ({_COLUMNS}, {_NEW_COLUMNS}) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, '', %s, %s) ON CONFLICT (dedupe_key) DO NOTHING"
)


def _enqueue_by_copy(rows: list[tuple], *, now: datetime.datetime) -> None:
    """COPY into a temporary table, then one INSERT … SELECT that skips queued dedupe keys."""
    data = "".join(_copy_line(row) + "\n" for row in rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS outbox_incoming (recipient text, text text, "
            "kind text, language text, priority integer, dedupe_key text, state text, "
            "last_error text) ON COMMIT DELETE ROWS"
        )
        cursor.cursor.copy_expert(
            f"COPY outbox_incoming ({_COLUMNS}) FROM STDIN", io.StringIO(data)
        )
        cursor.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}, {_NEW_COLUMNS}) "
            f"SELECT {_COLUMNS}, 0, %s, '', %s, %s "
            "FROM outbox_incoming "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            [now, now, now],
        )
        # A second batch in the same transaction must not find this one's rows.
        cursor.execute("TRUNCATE outbox_incoming")


def message_enqueue(
    *,
    recipient: str,
    kind: Kind,
    dedupe_key: str,
    context: dict,
    language: str = "zh-hans",
    wake: bool = True,
) -> None:
    messages_enqueue(
        messages=[
            NewMessage(
                recipient=recipient,
                kind=kind,
                dedupe_key=dedupe_key,
                context=context,
                language=language,
            )
        ],
        wake=wake,
    )


def _wake_workers() -> None:
    """Ask a worker to drain now, after the commit. Best effort, and it never raises: the
    messages are already in the outbox (durable) and beat drains it every few seconds, so a
    broker that is down or frozen only delays them; it must not hold the answer or turn the
    saved work into an error. The publish is bounded (CELERY_BROKER_* timeouts) and not
    retried."""
    from notifications.tasks import drain_outbox

    try:
        drain_outbox.apply_async(retry_policy={"max_retries": 0})
    except Exception:  # whatever the broker raises: kombu's, redis-py's or a socket's
        logging.getLogger(__name__).warning(
            "Could not wake the outbox workers; beat will drain the outbox.", exc_info=True
        )


# --- claiming and marking -------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient: str
    text: str
    priority: int
    attempts: int


def outbox_claim(*, token: str, limit: int, lease_seconds: float) -> list[Claimed]:
    """Lease up to `limit` due messages to `token`: rows whose lease ran out, then queued ones.

    FOR UPDATE SKIP LOCKED lets any number of workers claim at once without taking the same
    row; the lease times come from the database clock, shared by every worker.
    """
    claim = f"""
        UPDATE {TABLE} AS m
        SET state = '{State.SENDING.value}', leased_by = %(token)s,
            lease_until = clock_timestamp() + %(lease)s * interval '1 second',
            attempts = m.attempts + 1, updated_at = clock_timestamp()
        FROM (
            SELECT id FROM {TABLE}
            WHERE {{where}}
            ORDER BY {{order}}
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        ) AS picked
        WHERE m.id = picked.id
        RETURNING m.id, m.recipient, m.text, m.priority, m.attempts
    """
    expired = claim.format(
        where=f"state = '{State.SENDING.value}' AND lease_until < clock_timestamp()",
        order="lease_until",
    )
    due = claim.format(
        where=f"state = '{State.QUEUED.value}' AND next_attempt_at <= clock_timestamp()",
        order="priority, next_attempt_at, id",
    )
    params = {"token": token, "lease": lease_seconds, "limit": limit}
    claimed: list[Claimed] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(expired, params)
        claimed += [Claimed(*row) for row in cursor.fetchall()]
        if len(claimed) < limit:
            cursor.execute(due, {**params, "limit": limit - len(claimed)})
            claimed += [Claimed(*row) for row in cursor.fetchall()]
    return sorted(claimed, key=lambda message: (message.priority, message.id))


def _held(ids: list[int], token: str):
    # Only rows whose lease this claim still holds: after a lease expires and another worker
    # claims the row, this worker's late update changes nothing.
    return OutboxMessage.objects.filter(id__in=ids, state=State.SENDING, leased_by=token)


# Once the gateway has a sealed text (or will never get it) the row keeps nothing of it.
_FORGET_SEALED = Case(
    When(text__startswith=SEALED_PREFIX, then=Value("")),
    default=F("text"),
    output_field=TextField(),
)


def outbox_mark_sent(*, ids: list[int], token: str, keep_sealed: bool = False) -> int:
    """Mark sent, blanking sealed texts (a sign-in code), unless `keep_sealed`: the console
    backend's, whose demo page reads them (they go at 15 minutes, as every code does)."""
    if not ids:
        return 0
    forget = {} if keep_sealed else {"text": _FORGET_SEALED}
    return _held(ids, token).update(
        **forget,
        state=State.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        leased_by="",
        last_error="",
        updated_at=timezone.now(),
    )


def retry_delay(attempts: int) -> float:
    """Exponential backoff after the `attempts`-th try, capped."""
    base = settings.SMS_RETRY_BASE_SECONDS
    return min(settings.SMS_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))


def outbox_mark_retry(*, message: Claimed, token: str, error: str) -> int:
    if message.attempts >= settings.SMS_MAX_ATTEMPTS:
        return outbox_mark_failed(message_id=message.id, token=token, error=error)
    now = timezone.now()
    return _held([message.id], token).update(
        state=State.QUEUED,
        next_attempt_at=now + datetime.timedelta(seconds=retry_delay(message.attempts)),
        lease_until=None,
        leased_by="",
        last_error=error[:500],
        updated_at=now,
    )


def outbox_mark_failed(*, message_id: int, token: str, error: str) -> int:
    return _held([message_id], token).update(
        text=_FORGET_SEALED,
        state=State.FAILED,
        lease_until=None,
        leased_by="",
        last_error=error[:500],
        updated_at=timezone.now(),
    )


def outbox_mark_refused(*, message_id: int, token: str, reason: str) -> int:
    """A claimed row whose recipient no SMS can reach: refused, never handed to the gateway."""
    return _held([message_id], token).update(
        state=State.REFUSED,
        lease_until=None,
        leased_by="",
        last_error=reason[:500],
        updated_at=timezone.now(),
    )


def outbox_release(*, ids: list[int], token: str, delay: float = 0) -> int:
    """Give back claimed rows that were not tried; their attempt does not count."""
    if not ids:
        return 0
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {TABLE}
            SET state = '{State.QUEUED.value}', leased_by = '', lease_until = NULL,
                attempts = GREATEST(attempts - 1, 0), next_attempt_at = %s, updated_at = %s
            WHERE id = ANY(%s) AND state = '{State.SENDING.value}' AND leased_by = %s
            """,
            [now + datetime.timedelta(seconds=delay), now, ids, token],
        )
        return cursor.rowcount


def outbox_forget_sign_in_codes(*, older_than: datetime.timedelta) -> int:
    """Blank the text of sign-in codes once they can no longer be used: the outbox must hold
    a code to send it, but not a moment longer than the code is good for."""
    cutoff = timezone.now() - older_than
    return (
        OutboxMessage.objects.filter(kind=Kind.SIGN_IN_CODE, created_at__lt=cutoff)
        .exclude(text="")
        .exclude(state=State.SENDING)
        .update(text="", updated_at=timezone.now())
    )


def outbox_retry_failed(*, ids: Iterable[int], actor: AbstractBaseUser | None = None) -> int:
    """An official's retry of failed messages: queued again now, with fresh attempts. A
    sign-in code whose text is gone (blanked when it failed) is not: it has nothing to send.
    A retry that queues any is in the audit trail, by the official (`actor`)."""
    now = timezone.now()
    failed = OutboxMessage.objects.filter(id__in=list(ids), state=State.FAILED).exclude(text="")
    with transaction.atomic():
        retried = list(failed.values_list("id", flat=True))
        count = OutboxMessage.objects.filter(id__in=retried, state=State.FAILED).update(
            state=State.QUEUED, attempts=0, next_attempt_at=now, last_error="", updated_at=now
        )
        if count:
            audit_record(
                actor=actor,
                action=AuditAction.OUTBOX_RETRIED,
                summary={"count": count, "messages": retried[:100]},
                at=now,
            )
    return count


def outbox_personal_data_erase(*, cutoff: datetime.datetime, dry_run: bool = False) -> int:
    """Retention: the recipient and the text of every message finished (sent, failed or
    refused) before `cutoff`, erased; kind, state and times stay for the counts. A second run
    erases nothing. Returns how many (`dry_run`: would be)."""
    finished = OutboxMessage.objects.filter(
        state__in=[State.SENT, State.FAILED, State.REFUSED], created_at__lt=cutoff
    ).exclude(recipient="", text="")
    if dry_run:
        return finished.count()
    return finished.update(recipient="", text="", updated_at=timezone.now())


# --- draining -------------------------------------------------------------------------------


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    refused: int = 0
    stopped_early: bool = False  # time budget or a failing gateway; more may be due
    errors: list[str] = field(default_factory=list)


# After this many transient failures in a row the gateway is taken to be down: the batch's
# remaining rows go back untried, to be picked up after a pause.
GATEWAY_DOWN_AFTER = 3
SENT_FLUSH_EVERY = 100


def outbox_drain(
    *,
    backend: ConsoleBackend | HttpBackend,
    worker: str,
    limiter: RateLimiter | None = None,
    batch_size: int | None = None,
    max_seconds: float | None = None,
) -> DrainResult:
    """Send due messages until none is due, the gateway seems down, or `max_seconds` pass."""
    batch_size = batch_size or settings.SMS_BATCH_SIZE
    lease = settings.SMS_LEASE_SECONDS
    # Stop sending from a batch this long before its lease ends, so that no send of ours can
    # still be in flight when another worker may take the row over.
    # (requests' timeout bounds each socket read, so a slow answer can take two of them.)
    margin = 2 * backend.timeout + 1.0
    if lease <= margin + 1:
        raise ImproperlyConfigured(
            "SMS_LEASE_SECONDS must be more than 2 x SMS_GATEWAY_TIMEOUT + 2 seconds"
        )
    limiter = limiter or RateLimiter(per_second=settings.SMS_RATE_LIMIT)
    result = DrainResult()
    started = time.monotonic()
    while True:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            result.stopped_early = True
            return result
        token = f"{worker}:{uuid.uuid4().hex[:12]}"
        claimed_at = time.monotonic()
        batch = outbox_claim(token=token, limit=batch_size, lease_seconds=lease)
        if not batch:
            return result
        send_until = claimed_at + lease - margin
        sent: list[int] = []
        transient_in_a_row = 0
        keep_sealed = getattr(backend, "keeps_sent_text", False)
        for index, message in enumerate(batch):
            if time.monotonic() > send_until or transient_in_a_row >= GATEWAY_DOWN_AFTER:
                rest = [m.id for m in batch[index:]]
                pause = settings.SMS_RETRY_BASE_SECONDS if transient_in_a_row else 0
                outbox_release(ids=rest, token=token, delay=pause)
                break
            if not is_sms_recipient(message.recipient):
                # Queued before the outbox refused such recipients, or written around it: the
                # gateway never gets a number that is not a mobile.
                result.refused += outbox_mark_refused(
                    message_id=message.id, token=token, reason=REFUSED_NOT_A_MOBILE
                )
                continue
            limiter.acquire()
            if time.monotonic() > send_until:  # waiting for the rate limit used up the lease
                outbox_release(ids=[m.id for m in batch[index:]], token=token)
                break
            try:
                # Opened here, just before the gateway gets it; kept in no row or log.
                text = unseal(message.text)
            except Unsealable:
                text = ""
                error = "sealed text does not open with this SECRET_KEY"
            else:
                error = "nothing to send: the text was forgotten"
            if not text:
                # An expired code blanked by outbox_forget_sign_in_codes, or one sealed under
                # a key no longer known: sending it would text the resident nothing useful.
                result.failed += outbox_mark_failed(message_id=message.id, token=token, error=error)
                continue
            outcome = backend.send(message_id=message.id, to=message.recipient, text=text)
            if outcome.outcome == Outcome.SENT:
                transient_in_a_row = 0
                sent.append(message.id)
                if len(sent) >= SENT_FLUSH_EVERY:
                    result.sent += outbox_mark_sent(ids=sent, token=token, keep_sealed=keep_sealed)
                    sent = []
            elif outcome.outcome == Outcome.RETRY:
                transient_in_a_row += 1
                if message.attempts >= settings.SMS_MAX_ATTEMPTS:
                    result.failed += outbox_mark_failed(
                        message_id=message.id, token=token, error=outcome.error
                    )
                else:
                    result.retried += outbox_mark_retry(
                        message=message, token=token, error=outcome.error
                    )
            else:
                transient_in_a_row = 0
                result.failed += outbox_mark_failed(
                    message_id=message.id, token=token, error=outcome.error
                )
        result.sent += outbox_mark_sent(ids=sent, token=token, keep_sealed=keep_sealed)
        if transient_in_a_row >= GATEWAY_DOWN_AFTER:
            result.stopped_early = True
            return result


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int
    failed: int
    sent: int


def outbox_counts() -> OutboxCounts:
    from django.db.models import Count, Q

    counts = OutboxMessage.objects.aggregate(
        waiting=Count("id", filter=Q(state__in=[State.QUEUED, State.SENDING])),
        failed=Count("id", filter=Q(state=State.FAILED)),
        sent=Count("id", filter=Q(state=State.SENT)),
    )
    return OutboxCounts(**counts)

"""Reads of draws: the public pages' (calendar, certificate, published files, "did number X
win?": numbers only, nothing personal), the schedule notice residents' pages show, and wins
recorded but not yet settled onto their reservations (`pending_wins_apply`)."""

import bisect
import datetime
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from city import prepared
from city.memo import remembered
from city.models import CampaignConfig, District
from city.selectors import campaign_get
from lottery import merkle
from lottery import verify as algorithm
from lottery.models import (
    DRAWN_STATES,
    POOL_CLOSED_STATES,
    POOL_OPEN_STATES,
    UNDRAWN_STATES,
    Draw,
    DrawFile,
    DrawLog,
    DrawStatus,
    SchedulePause,
    SealedCertificate,
    SupplyArrival,
)
from lottery.schedule import draw_pool_cutoff, draw_schedule_next, purchase_window
from reservations.models import Reservation, ReservationState
from reservations.selectors import PENDING_WINS_SQL, lapsed_wins_count, pending_wins_apply

FILE_CHUNK = 1 << 20  # bytes per read when streaming a published file


class PoolTreeMissing(Exception):
    """A drawn draw without its stored tree: `services.pool_tree_build` makes it."""


class _NotDrawn(Exception):
    pass


@dataclass(frozen=True)
class _Drawn:
    """What a proof needs of a drawn draw besides its pool's lines; none of it ever changes."""

    pool_digest: str
    root: str
    key: bytes
    cut: tuple[bytes, int] | None
    pool_size: int
    firsts: list[bytes]  # the first line of each chunk of 256, ascending
    upper: list[bytes]  # level 8 up to the root (merkle.upper_levels)


# Once drawn, a draw's pool, key, cut-off and tree never change: each process keeps the last
# few it served (about 1 MB each at 3,000,000), checked drawn before they are kept, so a proof
# costs one query. That query also reads the draw's pool digest, and a digest that is not the
# kept one (a database rebuilt under a running process) drops what was kept.
@functools.lru_cache(maxsize=8)
def _drawn(draw_id: int) -> _Drawn:
    draw = (
        Draw.objects.filter(pk=draw_id, status__in=DRAWN_STATES)
        .exclude(pool_merkle_root="")
        .select_related("pool_tree")
        .first()
    )
    if draw is None:
        raise _NotDrawn(draw_id)
    tree = getattr(draw, "pool_tree", None)
    if tree is None:
        raise PoolTreeMissing(draw_id)
    firsts = bytes(tree.chunk_firsts)
    return _Drawn(
        pool_digest=draw.pool_digest,
        root=draw.pool_merkle_root,
        key=algorithm.draw_key(bytes.fromhex(draw.secret), draw.pool_digest, draw.public_value),
        cut=(bytes.fromhex(draw.cutoff_rank), draw.cutoff_number) if draw.cutoff_rank else None,
        pool_size=tree.pool_size,
        firsts=[firsts[at : at + merkle.LINE] for at in range(0, len(firsts), merkle.LINE)],
        upper=merkle.split_levels(bytes(tree.upper_levels), tree.pool_size),
    )


def proof_available(*, draw_id: int) -> bool:
    """Whether per-number proofs of the draw can be given: it is drawn. Raises PoolTreeMissing
    for a drawn draw whose tree is not stored."""
    try:
        _drawn(draw_id)
    except _NotDrawn:
        return False
    return True


def _pool_chunk(draw_id: int, chunk: int) -> tuple[str, list[bytes]] | None:
    """The draw's pool digest and the lines of one chunk of 256 of its pool file: a substring
    of it, for which PostgreSQL reads only the TOAST pieces it spans (the file is stored
    uncompressed, lottery 0007), about 2 KB of the 27 MB at 3,000,000."""
    size = merkle.CHUNK * (merkle.LINE + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.pool_digest, substring(f.content FROM %s FOR %s) "
            f"FROM {Draw._meta.db_table} AS d JOIN {DrawFile._meta.db_table} AS f "
            "ON f.draw_id = d.id AND f.name = %s WHERE d.id = %s",
            [chunk * size + 1, size, DrawFile.Name.POOL, draw_id],
        )
        row = cursor.fetchone()
    return (row[0], bytes(row[1]).split(b"\n")[:-1]) if row else None


def number_proof_of(*, draw_id: int, number: int, _again: bool = True) -> dict | None:
    """`/draws/<id>/proof`: one number's place in a drawn draw's pool (DOMAIN "Per-number
    proofs"): its index and RFC 6962 audit path to the certificate's Merkle root, its rank and
    whether it won by the published rule; None when the draw is not drawn (PoolTreeMissing
    when its tree is not stored). One query (the chunk of the pool file the number would be
    in), and one more the first time a process serves the draw; the chunk's own 8 levels are
    recomputed (511 SHA-256)."""
    try:
        drawn = _drawn(draw_id)
    except _NotDrawn:
        return None
    text = f"{number:08d}"
    line = text.encode()
    chunk = bisect.bisect_right(drawn.firsts, line) - 1  # lines are fixed width: bytes order
    read = _pool_chunk(draw_id, max(chunk, 0))
    if read is None or read[0] != drawn.pool_digest:
        _drawn.cache_clear()
        return number_proof_of(draw_id=draw_id, number=number, _again=False) if _again else None
    lines = read[1]
    offset = bisect.bisect_left(lines, line)
    if chunk < 0 or offset == len(lines) or lines[offset] != line:
        return {"number": text, "in_pool": False}
    index = chunk * merkle.CHUNK + offset
    path = merkle.chunk_audit_path(index, lines, drawn.upper)
    rank = algorithm.rank(drawn.key, number)
    return {
        "number": text,
        "in_pool": True,
        "index": index,
        "pool_size": drawn.pool_size,
        "audit_path": [sibling.hex() for sibling in path],
        "root": drawn.root,
        "rank": rank.hex(),
        "won": drawn.cut is not None and (rank, number) <= drawn.cut,
    }


def number_proof(*, draw: Draw, number: int) -> dict | None:
    """`number_proof_of` for a draw already loaded. None when the draw is not drawn."""
    if draw.status not in DRAWN_STATES or not draw.pool_merkle_root:
        return None
    return number_proof_of(draw_id=draw.pk, number=number)


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


# "Did number X win?" at the peak: the number's reservation and whether its win is pending
# (reservations.selectors.PENDING_WINS_SQL), in one statement that is quick to plan as well as
# to run (the ORM took three, each costing more to build than to run).
_NUMBER_SQL = f"""
    SELECT r.id, r.state, r.won_draw_id, r.won_at,
        EXISTS (SELECT 1 FROM ({PENDING_WINS_SQL}) AS pw WHERE pw.reservation_id = r.id)
    FROM {Reservation._meta.db_table} AS r
    WHERE r.number = %s
"""


@dataclass(frozen=True)
class NumberAnswer:
    """What `/results/` tells of a number: `answer` as number_status gives it, the draw a
    waiting number last took part in (`last_draw`), and a winner's purchase window."""

    answer: dict
    last_draw: int | None
    purchase_window: tuple[datetime.datetime, datetime.datetime] | None


def number_answer(*, number: int) -> NumberAnswer:
    """`/results/`: whether a reservation number won (and in which draw), is waiting, or is
    unknown (never given, cancelled, or void); nothing personal. For a winner, when it may buy
    (rule 6: the draw's window); for a waiting number, the last drawn draw with a published
    pool tree, whose check page says how it fared (or that it was not in that pool)."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, name="results_number", sql=_NUMBER_SQL, params=[number])
        row = cursor.fetchone()
    text = f"{number:08d}"
    if row is None:
        return NumberAnswer({"number": text, "status": "unknown", "draw": None}, None, None)
    reservation_id, state, won_draw_id, won_at, pending = row
    if won_draw_id or pending:
        reservation = Reservation(
            pk=reservation_id, state=state, won_draw_id=won_draw_id, won_at=won_at
        )
        pending_wins_apply(reservations=[reservation])  # read a pending win as settling will
        if reservation.won_draw_id:
            answer = {"number": text, "status": "won", "draw": reservation.won_draw_id}
            window = purchase_window(config=campaign_get(), reservation=reservation)
            return NumberAnswer(answer, None, window)
    if state == ReservationState.WAITING:
        last = remembered("last-drawn-draw", last_drawn_draw_id)
        return NumberAnswer({"number": text, "status": "waiting", "draw": None}, last, None)
    return NumberAnswer({"number": text, "status": "unknown", "draw": None}, None, None)


def last_drawn_draw_id() -> int | None:
    """The draw a waiting number last took part in, if it was in that pool: `/results/` links
    to its check page (which says so when the number was not in the pool). Read through this
    process's few seconds' memory (city.memo): a link, the same for every waiting number."""
    return (
        Draw.objects.filter(status__in=DRAWN_STATES)
        .exclude(pool_merkle_root="")
        .order_by("-drawn_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def number_status(*, number: int) -> dict:
    """`/results/`' answer for a number, as its JSON gives it: `number`, `status` (won,
    waiting or unknown) and `draw`."""
    return number_answer(number=number).answer


def certificate_values(
    *, draw: Draw, sealed_at: datetime.datetime | None, previous_sha256: str | None
) -> dict:
    """A certificate's values from the draw row; each value null until its step has happened.
    The live builder: sealing (`lottery.services.draw_sign_off`) calls it with the seal's time
    and the ledger head's digest; lottery 0015 keeps a frozen copy for the draws it sealed."""
    drawn = draw.status in DRAWN_STATES
    return {
        "id": draw.pk,
        "algorithm": draw.algorithm,
        "status": draw.status,
        "scheduled_at": _iso(draw.scheduled_at),
        "pool_cutoff": _iso(draw.pool_cutoff),
        "drawn_at": _iso(draw.drawn_at),
        "signed_off_at": _iso(draw.signed_off_at),
        "commitment": draw.commitment or None,
        "secret": draw.secret or None,
        "public_value": draw.public_value if draw.public_value_fixed else None,
        "pool_size": draw.pool_size,
        "pool_digest": draw.pool_digest or None,
        "quota": draw.quota,
        "winners_count": draw.winners_count if drawn else None,
        "winners_digest": draw.winners_digest or None,
        # DOMAIN "Per-number proofs"; null before the draw (and the cut-off when nobody won).
        "pool_merkle_root": draw.pool_merkle_root or None,
        "cutoff_rank": draw.cutoff_rank or None,
        "cutoff_number": draw.cutoff_number,
        "purchase_opens_at": _iso(draw.purchase_opens_at),
        "purchase_closes_at": _iso(draw.purchase_closes_at),
        # Win rates by district and by reservation day with chi-square tests; null until the
        # figures are made, just after the draw.
        "fairness": draw.fairness,
        # The notary's sign-off, and the seal: null until the certificate is sealed.
        "notary_statement": draw.notary_statement,
        "notarial_certificate_number": draw.notarial_certificate_number,
        "sealed_at": _iso(sealed_at),
        "previous_certificate_sha256": previous_sha256,
    }


def certificate_bytes(values: dict) -> bytes:
    """A certificate as served and sealed: UTF-8 JSON, two-space indent, one final line break.
    What its SHA-256 is taken over."""
    return (json.dumps(values, ensure_ascii=False, indent=2) + "\n").encode()


def sealed_certificate_of(*, draw_id: int) -> SealedCertificate | None:
    return SealedCertificate.objects.filter(draw_id=draw_id).first()


def certificate_json(*, draw: Draw) -> bytes:
    """The exact bytes `/draws/<id>/certificate.json` serves: once signed off, the sealed bytes
    (whatever later happens to the draw row); before, the certificate as it stands."""
    sealed = sealed_certificate_of(draw_id=draw.pk)
    if sealed is not None:
        return bytes(sealed.content)
    return certificate_bytes(certificate_values(draw=draw, sealed_at=None, previous_sha256=None))


def certificate_of(*, draw: Draw) -> dict:
    """`/draws/<id>/certificate.json`'s values (the sealed ones once signed off)."""
    return json.loads(certificate_json(draw=draw))


def certificates_of(*, draws: list[Draw]) -> dict[int, dict]:
    """`certificate_of` for many draws, by draw id, with one query for their seals."""
    sealed = {
        row.draw_id: json.loads(bytes(row.content))
        for row in SealedCertificate.objects.filter(draw__in=[draw.pk for draw in draws])
    }
    return {
        draw.pk: sealed.get(draw.pk)
        or certificate_values(draw=draw, sealed_at=None, previous_sha256=None)
        for draw in draws
    }


# --- the ledger: every sealed certificate's digest, chained ------------------------------------


def ledger() -> list[dict]:
    """`/draws/ledger.json`: the sealed certificates in sealing order, each with its digest and
    the digest of the one before (null for the first)."""
    rows = SealedCertificate.objects.order_by("id").values_list(
        "draw_id", "sealed_at", "certificate_sha256", "previous_certificate_sha256"
    )
    return [
        {
            "draw": draw_id,
            "sealed_at": _iso(sealed_at),
            "certificate_sha256": digest,
            "previous_certificate_sha256": previous,
        }
        for draw_id, sealed_at, digest, previous in rows
    ]


def ledger_head() -> dict | None:
    """The ledger's latest row ({"draw", "sealed_at", "certificate_sha256"}), read out at the
    next ceremony and kept in the notary's records; None before the first seal."""
    row = (
        SealedCertificate.objects.order_by("-id")
        .values("draw_id", "sealed_at", "certificate_sha256")
        .first()
    )
    if row is None:
        return None
    return {
        "draw": row["draw_id"],
        "sealed_at": row["sealed_at"],
        "certificate_sha256": row["certificate_sha256"],
    }


# Below this expected count in any cell the chi-square p-value is only an approximation (the
# textbook rule, Cochran 1954): the page says so rather than let a rough p-value read as exact.
FAIRNESS_EXACT_MIN_EXPECTED = 5


def _smallest_expected(test: dict) -> float | None:
    """The smallest expected count of a 2×k test: stored with the figures, or worked out from
    its groups for figures stored before it was."""
    if test.get("smallest_expected") is not None:
        return test["smallest_expected"]
    groups = test.get("groups") or []
    pool = sum(group["pool"] for group in groups)
    winners = sum(group["winners"] for group in groups)
    if not pool:
        return None
    rate = winners / pool
    return min(min(g["pool"] * rate, g["pool"] * (1 - rate)) for g in groups)


def fairness_display(*, fairness: dict | None) -> dict | None:
    """A draw's fairness figures as its page shows them: district names in the reader's
    language (the figures keep the Chinese name they were computed with, and certificate.json
    publishes them unchanged), and each test marked `approximate` when an expected count is
    under 5, as its p-value is then rough."""
    if not fairness:
        return fairness
    names = {district.code: district.display_name for district in District.objects.all()}
    shown = {}
    for name, test in fairness.items():
        test = dict(test)
        if name == "by_district":
            test["groups"] = [
                {**group, "label": names.get(group.get("key"), group.get("label"))}
                for group in test.get("groups") or []
            ]
        smallest = _smallest_expected(test) if test.get("p_value") is not None else None
        test["approximate"] = smallest is not None and smallest < FAIRNESS_EXACT_MIN_EXPECTED
        shown[name] = test
    return shown


def published_file(*, draw_id: int, name: str) -> DrawFile | None:
    return DrawFile.objects.filter(draw_id=draw_id, name=name).defer("content").first()


def file_chunks(*, draw_file: DrawFile) -> Iterator[bytes]:
    """A published file in 1 MiB pieces, read from the database one piece at a time."""
    for start in range(1, (len_of(draw_file=draw_file) or 0) + 1, FILE_CHUNK):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT substring(content FROM %s FOR %s) FROM {DrawFile._meta.db_table} "
                "WHERE id = %s",
                [start, FILE_CHUNK, draw_file.pk],
            )
            yield bytes(cursor.fetchone()[0])


def len_of(*, draw_file: DrawFile) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT octet_length(content) FROM {DrawFile._meta.db_table} WHERE id = %s",
            [draw_file.pk],
        )
        return cursor.fetchone()[0]


def draws_coming(
    *, now: datetime.datetime | None = None, draws: QuerySet[Draw] | None = None
) -> list[Draw]:
    """Draws still to happen, soonest first, with those postponed or cancelled in the last week
    so residents see what changed and why. `draws`: the ones the reader may see (an admin
    view's own queryset); all by default."""
    now = now or timezone.now()
    draws = Draw.objects.all() if draws is None else draws
    return list(
        draws.exclude(status__in=DRAWN_STATES)
        .filter(
            Q(status=DrawStatus.POOL_CLOSED) | Q(scheduled_at__gte=now - datetime.timedelta(days=7))
        )
        .order_by("scheduled_at", "pk")
    )


def draws_for_calendar(
    *,
    now: datetime.datetime | None = None,
) -> tuple[list[Draw], list[Draw]]:
    """(coming, past): `draws_coming`, and the draws done, latest first."""
    past = list(Draw.objects.filter(status__in=DRAWN_STATES).order_by("-scheduled_at")[:100])
    return draws_coming(now=now), past


@dataclass(frozen=True)
class ScheduleNotice:
    """What residents' pages say about the next draw: its time and cut-off, whether it replaces
    a postponed one (and why), and any pause of the schedule (and why)."""

    draw_at: datetime.datetime | None
    cutoff: datetime.datetime | None
    postponed_from: datetime.datetime | None = None
    postponed_reason: str = ""
    paused_reason: str = ""
    paused_since: datetime.datetime | None = None


def schedule_notice(*, now: datetime.datetime | None = None) -> ScheduleNotice:
    now = now or timezone.now()
    pause = SchedulePause.objects.filter(in_force=True).first()
    paused = {"paused_reason": pause.reason, "paused_since": pause.started_at} if pause else {}
    replaced = Draw.objects.filter(postponed_to=OuterRef("pk")).order_by("-scheduled_at")
    coming = (
        Draw.objects.filter(
            # A draw still waiting for its commitment after its cut-off will be postponed.
            Q(status__in=UNDRAWN_STATES) & ~Q(status=DrawStatus.SCHEDULED, pool_cutoff__lte=now),
            scheduled_at__gte=now - datetime.timedelta(days=1),
        )
        # The draw it replaces, if it was postponed: in the same query (a page residents load).
        .annotate(
            postponed_from_at=Subquery(replaced.values("scheduled_at")[:1]),
            postponed_reason=Subquery(replaced.values("reason")[:1]),
        )
        .only("scheduled_at", "pool_cutoff")
        .order_by("scheduled_at", "pk")
        .first()
    )
    if coming is not None:
        return ScheduleNotice(
            draw_at=coming.scheduled_at,
            cutoff=coming.pool_cutoff,
            postponed_from=coming.postponed_from_at,
            postponed_reason=coming.postponed_reason or "",
            **paused,
        )
    if pause:
        return ScheduleNotice(draw_at=None, cutoff=None, **paused)
    # Nothing made yet (beat has not run): the plain schedule of rule 5.
    config = campaign_get()
    draw_at = draw_schedule_next(config=config, now=now)
    return ScheduleNotice(draw_at=draw_at, cutoff=draw_pool_cutoff(config=config, draw_at=draw_at))


# Before any campaign: `draw_schedule_next` from here gives the schedule's first draw.
_DAWN_OF_TIME = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class DrawEntered:
    """A draw a reservation was in, as residents tell draws apart: its number and time. Two
    draws can fall on one day (an extra draw), so the date alone does not name a draw.
    `recorded`: the lottery holds it, so `/draws/<number>/` shows it; a draw of the plain
    schedule (none recorded yet) is numbered by its place in rule 5's sequence instead."""

    number: int
    at: datetime.datetime
    recorded: bool


@dataclass(frozen=True)
class ClosedDraws:
    """What draws_entered reads of the lottery: whether it has recorded any draw, and each
    draw whose pool has closed, as (id, scheduled_at, pool_cutoff)."""

    any_recorded: bool
    closed: list[tuple[int, datetime.datetime, datetime.datetime]]


def closed_draws() -> ClosedDraws:
    """The lottery's draws as draws_entered reads them, in one query."""
    rows = list(Draw.objects.values_list("pk", "status", "scheduled_at", "pool_cutoff"))
    closed = [(pk, at, cutoff) for pk, status, at, cutoff in rows if status in POOL_CLOSED_STATES]
    return ClosedDraws(any_recorded=bool(rows), closed=sorted(closed, key=lambda d: (d[1], d[0])))


def draws_entered(
    *,
    config: CampaignConfig,
    reservation,
    now: datetime.datetime,
    draws: ClosedDraws | None = None,
) -> list[DrawEntered]:
    """The draws a reservation has been in, derived from their cut-offs (a reservation is in
    every pool that closed after it was made while it was waiting), not stored per draw.

    The draws the lottery has recorded, once there are any; before that, the plain schedule.
    `draws`: closed_draws(), for a caller that read it.
    """
    draws = draws if draws is not None else closed_draws()
    if draws.any_recorded:
        end = reservation.cancelled_at or now
        won_cutoff = None
        if reservation.won_draw_id:
            won_cutoff = next(
                (cutoff for pk, _at, cutoff in draws.closed if pk == reservation.won_draw_id),
                None,
            )
            if won_cutoff is None:  # a win in a draw whose pool is not closed: none entered
                return []
        return [
            DrawEntered(number=pk, at=scheduled_at, recorded=True)
            for pk, scheduled_at, cutoff in draws.closed
            if reservation.created_at < cutoff <= end
            and (won_cutoff is None or cutoff <= won_cutoff)
        ]
    entered: list[DrawEntered] = []
    first = draw_schedule_next(config=config, now=_DAWN_OF_TIME)
    interval = datetime.timedelta(days=config.draw_interval_days)
    draw_at = draw_schedule_next(config=config, now=reservation.created_at)
    end = reservation.won_at or reservation.cancelled_at or now
    while draw_at <= end and len(entered) < 366:
        if draw_pool_cutoff(config=config, draw_at=draw_at) > reservation.created_at:
            number = (draw_at - first) // interval + 1
            entered.append(DrawEntered(number=number, at=draw_at, recorded=False))
        draw_at += interval
    return entered


# --- supply and the schedule, as the lottery's services read them -------------------------------


def stock_packs(*, config: CampaignConfig | None = None) -> int:
    """Packs in stock: arrivals, less packs allotted to wins, plus packs of lapsed wins.
    `config`: the campaign's, if the caller has it already (one query fewer)."""
    pack_size = (config or campaign_get()).pack_size
    masks = SupplyArrival.objects.aggregate(total=Sum("masks"))["total"] or 0
    allotted = (
        Draw.objects.filter(status__in=DRAWN_STATES).aggregate(total=Sum("winners_count"))["total"]
        or 0
    )
    return masks // pack_size - allotted + lapsed_wins_count()


def schedule_pause_in_force() -> SchedulePause | None:
    """The pause of the regular schedule in force, if any (one at most, by a constraint)."""
    return SchedulePause.objects.filter(in_force=True).first()


def regular_draws_pool_open():
    """The regular draws whose pools are still open: those a pause of the schedule cancels."""
    return Draw.objects.filter(kind=Draw.Kind.REGULAR, status__in=POOL_OPEN_STATES).order_by(
        "scheduled_at", "pk"
    )


def schedule_slots(*, now: datetime.datetime, count: int) -> list[datetime.datetime]:
    """The next `count` regular draw times of rule 5 whose pool has not closed yet."""
    config = campaign_get()
    slots: list[datetime.datetime] = []
    moment = now
    while len(slots) < count:
        slot = draw_schedule_next(config=config, now=moment)
        if draw_pool_cutoff(config=config, draw_at=slot) > now:
            slots.append(slot)
        moment = slot + datetime.timedelta(seconds=1)
    return slots


# --- the draw log, as sentences ---------------------------------------------------------------


def local_minute(moment: datetime.datetime | str | None) -> str:
    """A moment as people read it here: the city's time to the minute ("2020-02-18 21:00"). An
    ISO string (as the draw log's details keep moments) is read first."""
    if moment is None:
        return "–"
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


def _short(digest) -> str:
    """A digest or secret by its first eight hex digits: enough to compare with a print-out."""
    return f"{digest[:8]}…" if digest else "–"


def _person(actor, *, notary: bool) -> str:
    if actor is None:
        return _("The system")
    name = actor.get_full_name() or actor.get_username()
    return (_("Notary %(name)s") if notary else _("Official %(name)s")) % {"name": name}


def _sentence_scheduled(d: dict, p: dict) -> str:
    return _("The schedule made this regular draw at %(at)s, for %(when)s.") % {
        **p,
        "when": local_minute(d.get("scheduled_at")),
    }


def _sentence_added(d: dict, p: dict) -> str:
    return _("%(who)s added this extra draw at %(at)s, for %(when)s.") % {
        **p,
        "when": local_minute(d.get("scheduled_at")),
    }


def _sentence_quota_planned(d: dict, p: dict) -> str:
    return _("%(who)s planned a quota of %(quota)s packs at %(at)s.") % {
        **p,
        "quota": d.get("planned_quota"),
    }


def _sentence_quota_lowered(d: dict, p: dict) -> str:
    return _(
        "At %(at)s the quota was lowered from the planned %(planned)s packs to the stock, "
        "%(quota)s packs."
    ) % {**p, "planned": d.get("planned_quota"), "quota": d.get("quota")}


def _sentence_purchase_window(d: dict, p: dict) -> str:
    times = {**p, "opens": local_minute(d.get("opens")), "closes": local_minute(d.get("closes"))}
    if p["actor"] is None:
        return _("At %(at)s the purchase window was set: %(opens)s to %(closes)s.") % times
    return _("%(who)s set the purchase window at %(at)s: %(opens)s to %(closes)s.") % times


def _sentence_postponed(d: dict, p: dict) -> str:
    return _("%(who)s postponed this draw at %(at)s to %(when)s, as draw #%(to)s: %(reason)s") % {
        **p,
        "when": local_minute(d.get("scheduled_at")),
        "to": d.get("to_draw"),
        "reason": d.get("reason", ""),
    }


def _sentence_replaces(d: dict, p: dict) -> str:
    return _("At %(at)s this draw took the place of draw #%(from)s, postponed: %(reason)s") % {
        **p,
        "from": d.get("from_draw"),
        "reason": d.get("reason", ""),
    }


def _sentence_cancelled(d: dict, p: dict) -> str:
    values = {**p, "reason": d.get("reason", "")}
    if d.get("schedule_paused"):
        return _("%(who)s paused the schedule at %(at)s, which cancelled this draw: %(reason)s") % (
            values
        )
    return _("%(who)s cancelled this draw at %(at)s: %(reason)s") % values


def _sentence_committed(d: dict, p: dict) -> str:
    return _("%(who)s committed at %(at)s: %(commitment)s") % {
        **p,
        "commitment": _short(d.get("commitment")),
    }


def _sentence_pool_closed(d: dict, p: dict) -> str:
    values = {
        **p,
        "size": d.get("pool_size"),
        "digest": _short(d.get("pool_digest")),
        "quota": d.get("quota"),
        "cutoff": local_minute(d.get("pool_cutoff")),
    }
    if p["actor"] is None:
        return (
            _(
                "The pool closed at %(at)s: %(size)s numbers (digest %(digest)s), quota %(quota)s "
                "packs, cut-off %(cutoff)s."
            )
            % values
        )
    return (
        _(
            "%(who)s closed the pool at %(at)s: %(size)s numbers (digest %(digest)s), quota "
            "%(quota)s packs, cut-off %(cutoff)s."
        )
        % values
    )


def _sentence_public_value(d: dict, p: dict) -> str:
    return _("%(who)s fixed the public value at %(at)s: “%(value)s”.") % {
        **p,
        "value": d.get("public_value", ""),
    }


def _sentence_revealed(d: dict, p: dict) -> str:
    return _("%(who)s revealed the secret at %(at)s: %(secret)s, which matches the commitment.") % {
        **p,
        "secret": _short(d.get("secret")),
    }


def _sentence_started(d: dict, p: dict) -> str:
    if d.get("at_once"):
        return (
            _(
                "run_draw started the draw at once, at %(at)s: a scripted extra draw does not "
                "wait for an announced time."
            )
            % p
        )
    if d.get("early"):
        return _("%(who)s started the draw at %(at)s, early, before the announced %(when)s.") % {
            **p,
            "when": local_minute(d.get("announced")),
        }
    return _("%(who)s started the draw at %(at)s.") % p


def _sentence_drawn(d: dict, p: dict) -> str:
    return _("The draw ran at %(at)s: %(count)s winners (digest %(digest)s).") % {
        **p,
        "count": d.get("winners_count"),
        "digest": _short(d.get("winners_digest")),
    }


def _sentence_settled(d: dict, p: dict) -> str:
    return _("At %(at)s the wins were marked on their reservations.") % p


def _sentence_at_once(d: dict, p: dict) -> str:
    return _("At %(at)s run_draw took this extra draw through its whole ceremony at once.") % p


def _sentence_signed_off(d: dict, p: dict) -> str:
    values = {
        **p,
        "number": d.get("certificate_number"),
        "pool": _short(d.get("pool_digest")),
        "winners": _short(d.get("winners_digest")),
    }
    if not values["number"]:  # signed off before the certificate's number was recorded
        return (
            _(
                "%(who)s signed off the certificate at %(at)s: pool digest %(pool)s, winners "
                "digest %(winners)s."
            )
            % values
        )
    return (
        _(
            "%(who)s signed off the certificate at %(at)s: notarial certificate %(number)s, pool "
            "digest %(pool)s, winners digest %(winners)s."
        )
        % values
    )


# Every action the draw log is written with (lottery.services' `_log`), and its sentence.
# Every action the draw log holds: its label (the audit page's and the admin's filters, the
# entry's name) and its sentence. One table, so no action has a sentence and no label.
DRAW_LOG_ACTIONS = {
    "scheduled": (gettext_lazy("draw scheduled"), _sentence_scheduled),
    "added": (gettext_lazy("extra draw added"), _sentence_added),
    "quota_planned": (gettext_lazy("quota planned"), _sentence_quota_planned),
    "quota_lowered_to_stock": (gettext_lazy("quota lowered to the stock"), _sentence_quota_lowered),
    "purchase_window_set": (gettext_lazy("purchase window set"), _sentence_purchase_window),
    "postponed": (gettext_lazy("draw postponed"), _sentence_postponed),
    "replaces_postponed": (gettext_lazy("replaces a postponed draw"), _sentence_replaces),
    "cancelled": (gettext_lazy("draw cancelled"), _sentence_cancelled),
    "committed": (gettext_lazy("notary committed"), _sentence_committed),
    "pool_closed": (gettext_lazy("pool closed"), _sentence_pool_closed),
    "public_value_fixed": (gettext_lazy("public value fixed"), _sentence_public_value),
    "secret_revealed": (gettext_lazy("notary revealed the secret"), _sentence_revealed),
    "started": (gettext_lazy("draw started"), _sentence_started),
    "drawn": (gettext_lazy("numbers drawn"), _sentence_drawn),
    "wins_settled": (gettext_lazy("wins settled"), _sentence_settled),
    "run_at_once": (gettext_lazy("run at once"), _sentence_at_once),
    "signed_off": (gettext_lazy("notary signed off"), _sentence_signed_off),
}
LOG_SENTENCES = {action: sentence for action, (_label, sentence) in DRAW_LOG_ACTIONS.items()}
DRAW_LOG_LABELS = {action: label for action, (label, _sentence) in DRAW_LOG_ACTIONS.items()}


# The notary's acts; every other act in the log is an official's (or the system's).
NOTARY_SENTENCES = frozenset({_sentence_committed, _sentence_revealed, _sentence_signed_off})


def draw_log_label(action: str) -> str:
    """A draw log action in the reader's language ("pool closed", 名单已截止); an action written
    after the table is shown as it is stored rather than hidden."""
    label = DRAW_LOG_LABELS.get(action)
    return str(label) if label is not None else action


def draw_log_sentence(entry: DrawLog) -> str:
    """One entry of a draw's log as a sentence in the reader's language, times in the city's
    time: "Notary 张三 committed at 2020-02-18 09:30: ac31…". Load `actor` with the entries."""
    sentence = LOG_SENTENCES.get(entry.action)
    parts = {
        "actor": entry.actor,
        "who": _person(entry.actor, notary=sentence in NOTARY_SENTENCES),
        "at": local_minute(entry.at),
    }
    if sentence is None:  # an action written after this table: said plainly, not hidden
        return _("%(who)s recorded “%(action)s” at %(at)s.") % {**parts, "action": entry.action}
    return sentence(entry.details or {}, parts)

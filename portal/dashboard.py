"""The officials' dashboard: what it shows, read from every app (hence here, at the portal's
layer). Each figure is one aggregate in SQL over a table of a few thousand rows at most, the
counts the database keeps: of reservations (reservations.ReservationHourCount and
ReservationStateCount), of parcels (pickup.ParcelCount), of SMS (notifications.OutboxCount);
and the draws and the pickup batches. No query runs per row, so a page costs the same for 10
reservations as for 3,000,000 (bench/dashboard.py measures it at city scale); the largest read
is the hourly counts, eight rows (slots) per district and hour of the range."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from city.models import District, ReservationWindow
from city.selectors import campaign_get
from lottery.models import DRAWN_STATES, UNDRAWN_STATES, Draw
from lottery.selectors import stock_packs
from notifications.models import Kind, OutboxCount
from notifications.models import State as SmsState
from pickup.models import HELD_STATES, ParcelState, PickupPoint
from pickup.selectors import parcels_per_point_and_state
from reservations.models import ReservationState
from reservations.selectors import reservation_state_counts, reservations_per_day_and_hour

# What became of a draw's wins, in the order a win moves.
WIN_STATES = [
    ReservationState.WON,
    ReservationState.ORDERED,
    ReservationState.COLLECTED,
    ReservationState.DELIVERED,
    ReservationState.LAPSED,
]
SMS_STATES = [SmsState.SENT, SmsState.FAILED, SmsState.REFUSED, SmsState.QUEUED, SmsState.SENDING]
UNCOLLECTED_STATES = [ParcelState.AWAITING, *HELD_STATES]
# The draws a page shows at most (the latest); the schedule page lists them all.
DRAWS_SHOWN = 60


@dataclass(frozen=True)
class Filters:
    """What the official chose: one district or all, and Shanghai dates (both included)."""

    district: District | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None

    @property
    def district_id(self) -> int | None:
        return self.district.pk if self.district else None


@dataclass
class Series:
    """One chart's numbers: a row per label (a day, an hour, a draw, a point), a value per
    column (a district, a state), and the row's total."""

    columns: list[tuple[str, str]]  # (key, label)
    rows: list[tuple[str, list[int]]] = field(default_factory=list)  # (label, values)

    @property
    def totals(self) -> list[int]:
        return [sum(values) for _label, values in self.rows]

    @property
    def lines(self) -> list[tuple[str, list[int], int]]:
        """The rows as a table shows them: label, values, total."""
        return [(label, values, sum(values)) for label, values in self.rows]

    @property
    def column_totals(self) -> list[int]:
        return [sum(values[i] for _, values in self.rows) for i in range(len(self.columns))]

    @property
    def total(self) -> int:
        return sum(self.totals)


@dataclass
class Dashboard:
    filters: Filters
    since: datetime.date  # the range shown, filled in from the campaign and today
    until: datetime.date
    districts: list[District]
    per_day: Series
    per_hour: Series
    waiting: Series
    waiting_total: int
    draws: Series  # pool size and quota per draw
    wins: Series  # per draw, per state of its wins
    pickup: Series  # per point: batches, parcels uncollected, collected
    sms: Series  # per kind, per state
    stock: int
    next_draw: Draw | None
    next_quota: int | None  # its quota once its pool closed, else the plan (None: the stock)


def _district_columns(districts: list[District]) -> list[tuple[str, str]]:
    return [(str(d.pk), d.display_name) for d in districts]


def _per_district(rows: list[dict], key: str, index: dict[int, int]) -> dict:
    """`{row[key]: [count per column]}` of rows with `key`, `district_id` and `count`, one row
    per (key, district); districts not shown (not in `index`) left out."""
    found: dict = {}
    for row in rows:
        if row["district_id"] in index:
            found.setdefault(row[key], [0] * len(index))[index[row["district_id"]]] = row["count"]
    return found


def _window_hours() -> range:
    """The hours of the day in which some district's window is open (rule 2); all 24 before
    any window is set."""
    windows = list(ReservationWindow.objects.values_list("opens_at", "closes_at"))
    if not windows:
        return range(24)
    first = min(opens.hour for opens, _closes in windows)
    # A window closing at 21:00 ends with the 20:00 hour; one closing at 21:30 takes 21:00 in.
    last = max(
        closes.hour + (closes != closes.replace(minute=0, second=0, microsecond=0))
        for _opens, closes in windows
    )
    return range(first, max(last, first + 1))


def dashboard_get(*, filters: Filters, now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    config = campaign_get()
    # By default the campaign so far, its last year at most (the longest range one may choose).
    until = filters.until or (
        min(max(today, filters.since), filters.since + datetime.timedelta(days=365))
        if filters.since
        else today
    )
    since = filters.since or max(
        min(config.start_date, until), until - datetime.timedelta(days=365)
    )
    districts = list(District.objects.order_by("sort_order", "pk"))
    shown = [filters.district] if filters.district else districts
    columns = _district_columns(shown)
    index = {int(key): i for i, (key, _) in enumerate(columns)}
    district_id = filters.district_id

    per_day = Series(columns=columns)
    per_hour = Series(columns=columns)
    made_per_day, made_per_hour = reservations_per_day_and_hour(
        since=since, until=until, district_id=district_id
    )
    by_day = _per_district(made_per_day, "date", index)
    by_hour = _per_district(made_per_hour, "hour", index)
    day = since
    while day <= until:  # every day of the range, the empty ones too
        per_day.rows.append((day.isoformat(), by_day.get(day, [0] * len(columns))))
        day += datetime.timedelta(days=1)

    hours = _window_hours()
    for hour in sorted(set(hours) | set(by_hour)):
        per_hour.rows.append((f"{hour:02d}:00", by_hour.get(hour, [0] * len(columns))))

    draws = list(
        Draw.objects.filter(scheduled_at__date__gte=since, scheduled_at__date__lte=until).order_by(
            "-scheduled_at", "-pk"
        )[:DRAWS_SHOWN]
    )
    draws.reverse()
    draw_ids = {d.pk for d in draws}
    states = reservation_state_counts(district_id=district_id)
    waiting_values = [0] * len(columns)
    won: dict[int, dict[str, int]] = {}
    for row in states:
        if row["state"] == ReservationState.WAITING and row["district_id"] in index:
            waiting_values[index[row["district_id"]]] += row["count"]
        elif row["won_draw_id"] in draw_ids:
            per_state = won.setdefault(row["won_draw_id"], {})
            per_state[row["state"]] = per_state.get(row["state"], 0) + row["count"]
    waiting = Series(columns=[("waiting", ReservationState.WAITING.label)])
    for (_key, label), value in zip(columns, waiting_values, strict=True):
        waiting.rows.append((label, [value]))

    draw_series = Series(
        columns=[
            ("pool_size", Draw._meta.get_field("pool_size").verbose_name),
            ("quota", Draw._meta.get_field("quota").verbose_name),
            ("winners", Draw._meta.get_field("winners_count").verbose_name),
        ]
    )
    wins = Series(columns=[(state.value, state.label) for state in WIN_STATES])
    for draw in draws:
        label = _draw_label(draw)
        quota = _quota(draw)
        draw_series.rows.append((label, [draw.pool_size or 0, quota or 0, draw.winners_count or 0]))
        if draw.status in DRAWN_STATES:
            per_state = won.get(draw.pk, {})
            wins.rows.append((label, [per_state.get(state.value, 0) for state in WIN_STATES]))

    pickup = _pickup(filters=filters, since=since, until=until)
    sms = _sms(since=since, until=until)
    next_draw = (
        Draw.objects.filter(
            status__in=UNDRAWN_STATES, scheduled_at__gte=now - datetime.timedelta(days=1)
        )
        .order_by("scheduled_at", "pk")
        .first()
    )
    return Dashboard(
        filters=filters,
        since=since,
        until=until,
        districts=districts,
        per_day=per_day,
        per_hour=per_hour,
        waiting=waiting,
        waiting_total=sum(waiting_values),
        draws=draw_series,
        wins=wins,
        pickup=pickup,
        sms=sms,
        stock=stock_packs(config=config),
        next_draw=next_draw,
        next_quota=_quota(next_draw) if next_draw else None,
    )


def _quota(draw: Draw) -> int | None:
    """The draw's quota once its pool closed (the stock may have lowered it), else the plan."""
    return draw.quota if draw.quota is not None else draw.planned_quota


def _draw_label(draw: Draw) -> str:
    return f"{draw.pk} · {timezone.localtime(draw.scheduled_at):%m-%d %H:%M}"


def _pickup(*, filters: Filters, since: datetime.date, until: datetime.date) -> Series:
    """Per pickup point (of the district chosen): its batches of the range, and their parcels
    not collected yet and collected: the points with their batches counted, then the parcels
    from the counts the database keeps (counting 18,000 parcels per point and state took 20-60
    ms). Each query is a round trip: on a busy machine, a few milliseconds however small."""
    in_range = Q(batches__delivery_date__gte=since, batches__delivery_date__lte=until)
    points = list(
        PickupPoint.objects.select_related("district")
        .annotate(batches_in_range=Count("batches", filter=in_range))
        .order_by("district__sort_order", "pk")
    )
    if filters.district is not None:
        points = [point for point in points if point.district_id == filters.district.pk]
    parcels = parcels_per_point_and_state(since=since, until=until)
    series = Series(
        columns=[
            ("batches", _("batches")),
            ("uncollected", _("parcels not collected")),
            ("collected", ParcelState.COLLECTED.label),
        ]
    )
    for point in points:
        uncollected = sum(parcels.get((point.pk, state.value), 0) for state in UNCOLLECTED_STATES)
        collected = parcels.get((point.pk, ParcelState.COLLECTED.value), 0)
        series.rows.append((point.display_name, [point.batches_in_range, uncollected, collected]))
    return series


def _sms(*, since: datetime.date, until: datetime.date) -> Series:
    """SMS per kind and state, of the messages queued in the range, from the counts the
    database keeps (notifications.OutboxCount): reading 300,000 messages took 0.25 s."""
    rows = (
        OutboxCount.objects.filter(day__gte=since, day__lte=until)
        .exclude(count=0)
        .values("kind", "state")
        .annotate(n=Sum("count"))
    )
    columns = [(state.value, state.label) for state in SMS_STATES]
    where = {state.value: i for i, state in enumerate(SMS_STATES)}
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], [0] * len(columns))[where[row["state"]]] += row["n"]
    series = Series(columns=columns)
    for kind in Kind:
        if kind.value in by_kind:
            series.rows.append((kind.label, by_kind[kind.value]))
    return series

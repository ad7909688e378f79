"""Routing (rule 9): where a win's pack goes, and on which day.

Orders and the resident's page use these rules; nothing else decides them. A
committee-registered resident's reservation carries their committee's town and address, so the
same rules route it there.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.utils import timezone

from city import roles
from city.admin import in_group
from city.models import CampaignConfig, Community, Town
from city.phones import mask_phone
from pickup.models import (
    HELD_STATES,
    Batch,
    CollectAtPoint,
    Fulfilment,
    Parcel,
    ParcelCount,
    ParcelState,
    ParcelStep,
    PickupPoint,
    PickupStaff,
)
from reservations.models import Reservation
from reservations.validators import mask_name


class NoPickupPoint(Exception):
    """An out-of-range town whose district has no pickup point: the reference data is
    incomplete, and the order cannot be routed until an official adds the point."""


@dataclass(frozen=True)
class Route:
    fulfilment: Fulfilment
    pickup_point: PickupPoint | None

    @property
    def home_delivery(self) -> bool:
        return self.fulfilment == Fulfilment.DELIVERY


def route_for(*, reservation: Reservation) -> Route:
    """Home delivery when the reservation's town is inside the partner's range, else the
    district's pickup point (one per district, held by a constraint)."""
    if reservation.town.in_delivery_range:
        return route_from(in_delivery_range=True, point=None)
    point = PickupPoint.objects.filter(district_id=reservation.district_id).first()
    return route_from(in_delivery_range=False, point=point)


def route_from(*, in_delivery_range: bool, point: PickupPoint | None) -> Route:
    """The same rule, for a caller that read the town's range and the district's point."""
    if in_delivery_range:
        return Route(fulfilment=Fulfilment.DELIVERY, pickup_point=None)
    if point is None:
        raise NoPickupPoint
    return Route(fulfilment=Fulfilment.PICKUP, pickup_point=point)


def delivery_date(
    *, fulfilment: str, config: CampaignConfig, ordered_at: datetime.datetime
) -> datetime.date:
    """Home delivery: the day of the order (the partner's promise). To a pickup point, one
    delivery a day: ordered before the cut-off (Asia/Shanghai), that day; at or after it, the
    next day."""
    local = timezone.localtime(ordered_at)
    if fulfilment == Fulfilment.DELIVERY or local.time() < config.pickup_cutoff_time:
        return local.date()
    return local.date() + datetime.timedelta(days=1)


def staff_point_id(*, user) -> int | None:
    """The pickup point `user` works at, if any: what scopes pickup staff's admin pages."""
    if not user.is_authenticated:
        return None
    return PickupStaff.objects.filter(user_id=user.pk).values_list("point_id", flat=True).first()


# --- batches and parcels -----------------------------------------------------------------------


def _state_counts() -> dict:
    return {state.value: Count("parcels", filter=Q(parcels__state=state)) for state in ParcelState}


def batches_with_counts(*, point_id: int | None):
    """Batches, newest first, each with its parcels' count per state (`counts[state]`) and the
    missing ones; pickup staff see their point's (`point_id`), officials every point's."""
    queryset = Batch.objects.select_related("point")
    if point_id is not None:
        queryset = queryset.filter(point_id=point_id)
    return queryset.annotate(
        **{f"n_{state}": count for state, count in _state_counts().items()},
        n_missing=Count("parcels", filter=Q(parcels__missing=True)),
    ).order_by("-delivery_date", "point__district__sort_order")


def parcels_per_point_and_state(
    *, since: datetime.date, until: datetime.date
) -> dict[tuple[int, str], int]:
    """Parcels of the batches delivered between two dates (both included) per pickup point and
    state now: `{(point_id, state): n}`, from the counts the database keeps (ParcelCount), a few
    rows per batch however many parcels it holds."""
    rows = (
        ParcelCount.objects.filter(
            batch__delivery_date__gte=since, batch__delivery_date__lte=until, count__gt=0
        )
        .values_list("batch__point_id", "state")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {(point_id, state): n for point_id, state, n in rows}


def collect_deadline() -> ExpressionWrapper:
    """When a parcel that arrived should be collected by: its point's number of days after."""
    days = ExpressionWrapper(
        F("batch__point__collect_within_days") * Value(datetime.timedelta(days=1)),
        output_field=DurationField(),
    )
    return ExpressionWrapper(F("arrived_at") + days, output_field=DateTimeField())


def overdue_filter(*, now: datetime.datetime) -> Q:
    """Parcels (annotated with `deadline`) that arrived and were not collected in time."""
    return Q(state__in=HELD_STATES, deadline__lt=now)


def parcels_of(*, batch_id: int | None = None, community_id: int | None = None):
    """A batch's or a community's parcels, in manifest order (town, community, number), with
    what the pages show: the reservation and its resident, the town and community, whether the
    town collects at the point, the collection deadline."""
    queryset = Parcel.objects.select_related(
        "reservation__resident", "town", "community", "batch__point"
    ).annotate(
        collects_at_point=Exists(CollectAtPoint.objects.filter(town_id=OuterRef("town_id"))),
        deadline=collect_deadline(),
    )
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if community_id is not None:
        queryset = queryset.filter(community_id=community_id)
    # Towns and communities in the reference data's order (their ids), within the district.
    return queryset.order_by("town_id", "community_id", "reservation__number")


@dataclass(frozen=True)
class ManifestRow:
    number: str
    name: str
    phone: str
    committee: str
    state: str
    state_code: str
    missing: bool
    overdue: bool


def _tally(rows) -> list[tuple[str, int]]:
    """(state, how many) for the states these rows are in, in the chain's order."""
    counts = Counter(row.state_code for row in rows)
    return [(state.label, counts[state]) for state in ParcelState if counts[state]]


@dataclass
class CommunityGroup:
    community: Community
    rows: list[ManifestRow]

    @property
    def tally(self) -> list[tuple[str, int]]:
        return _tally(self.rows)


@dataclass
class TownGroup:
    town: Town
    collects_at_point: bool
    communities: list[CommunityGroup]

    @property
    def count(self) -> int:
        return sum(len(group.rows) for group in self.communities)

    @property
    def tally(self) -> list[tuple[str, int]]:
        return _tally([row for group in self.communities for row in group.rows])


def manifest(*, batch_id: int, now: datetime.datetime) -> list[TownGroup]:
    """A batch's parcels grouped by town, then community; names and phones masked, no ID
    number. Withdrawn parcels (their order cancelled) are not in it."""
    towns: list[TownGroup] = []
    parcels = parcels_of(batch_id=batch_id).exclude(state=ParcelState.WITHDRAWN)
    for parcel in parcels:
        if not towns or towns[-1].town.pk != parcel.town_id:
            towns.append(TownGroup(parcel.town, parcel.collects_at_point, []))
        groups = towns[-1].communities
        if not groups or groups[-1].community.pk != parcel.community_id:
            groups.append(CommunityGroup(parcel.community, []))
        reservation = parcel.reservation
        groups[-1].rows.append(
            ManifestRow(
                number=reservation.number_display,
                name=mask_name(reservation.resident.name),
                phone=mask_phone(reservation.phone),
                committee=parcel.community.display_name,
                state=parcel.get_state_display(),
                state_code=parcel.state,
                missing=parcel.missing,
                overdue=parcel.state in HELD_STATES and parcel.deadline < now,
            )
        )
    return towns


def discrepancies(*, point_id: int | None = None):
    """Parcels the partner reported delivered that the point's staff listed missing."""
    queryset = Parcel.objects.filter(missing=True, reported_delivered_at__isnull=False)
    if point_id is not None:
        queryset = queryset.filter(batch__point_id=point_id)
    return queryset


@dataclass(frozen=True)
class ParcelCounts:
    overdue: int
    discrepancies: int
    missing: int


def parcel_counts(*, now: datetime.datetime, point_id: int | None = None) -> ParcelCounts:
    """For officials (every point) and a point's staff: parcels not collected in time, reported
    delivered but missing, and missing."""
    queryset = Parcel.objects.all()
    if point_id is not None:
        queryset = queryset.filter(batch__point_id=point_id)
    counts = queryset.annotate(deadline=collect_deadline()).aggregate(
        overdue=Count("pk", filter=overdue_filter(now=now)),
        discrepancies=Count("pk", filter=Q(missing=True, reported_delivered_at__isnull=False)),
        missing=Count("pk", filter=Q(missing=True)),
    )
    return ParcelCounts(**counts)


@dataclass(frozen=True)
class Progress:
    """Where a reservation's parcel is, for the resident: each step's time, and where to go."""

    parcel: Parcel
    steps: dict[str, datetime.datetime]  # state reached -> when (the latest time it was)
    collects_at_point: bool
    deadline: datetime.datetime | None

    @property
    def place(self):
        """Where the resident collects: the point, or their committee."""
        return self.parcel.batch.point if self.collects_at_point else self.parcel.community


def parcel_progress(*, reservation_id: int) -> Progress | None:
    """The parcel of a reservation's pickup order and its steps: two queries, however many."""
    parcel = (
        Parcel.objects.select_related("batch__point", "community")
        .annotate(
            collects_at_point=Exists(CollectAtPoint.objects.filter(town_id=OuterRef("town_id"))),
            deadline=collect_deadline(),
        )
        .filter(reservation_id=reservation_id)
        .first()
    )
    if parcel is None:
        return None
    steps: dict[str, datetime.datetime] = {}
    for target, at in ParcelStep.objects.filter(parcel_id=parcel.pk).values_list("target", "at"):
        steps[target] = at
    return Progress(
        parcel=parcel,
        steps=steps,
        collects_at_point=parcel.collects_at_point,
        deadline=parcel.deadline if parcel.state in HELD_STATES else None,
    )


def collects_at_point(*, town_id: int) -> bool:
    """Whether the town's residents collect their packs at the pickup point itself."""
    return CollectAtPoint.objects.filter(town_id=town_id).exists()


def staff_scoped(queryset, *, user, community_field: str, point_field: str):
    """What a staff member's admin pages list: committee staff their community's rows, pickup
    staff their point's, nobody's without one; other staff (officials) every row."""
    if in_group(user, roles.COMMITTEE_STAFF):
        if user.community_id is None:
            return queryset.none()
        return queryset.filter(**{community_field: user.community_id})
    if in_group(user, roles.PICKUP_STAFF):
        point_id = staff_point_id(user=user)
        if point_id is None:
            return queryset.none()
        return queryset.filter(**{point_field: point_id})
    return queryset

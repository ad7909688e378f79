"""Routing (rule 9): where a win's pack goes, and on which day.

Orders and the resident's page use these rules; nothing else decides them. A
committee-registered resident's reservation carries their committee's town and address, so the
same rules route it there.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from city.models import CampaignConfig
from pickup.models import Fulfilment, PickupPoint, PickupStaff
from reservations.models import Reservation


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

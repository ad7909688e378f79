"""Writes of pickup's own records: its points (from the reference data) and their staff."""

from collections import Counter
from types import ModuleType

from django.contrib.auth.models import AbstractBaseUser

from city.models import District
from pickup.models import PickupPoint, PickupStaff


def pickup_points_load(*, data: ModuleType, **_signal) -> Counter:
    """The reference data's pickup points that are missing; never overwrites an official's edit.
    Called by `city.services.reference_data_load`, in its transaction."""
    created: Counter = Counter()
    for item in getattr(data, "PICKUP_POINTS", []):
        _, new = PickupPoint.objects.get_or_create(
            district=District.objects.get(code=item["district"]),
            defaults={
                "name": item["name"],
                "name_en": item["name_en"],
                "address": item["address"],
                "phone": item["phone"],
            },
        )
        created["pickup points"] += int(new)
    return created


def pickup_staff_assign(*, user: AbstractBaseUser, point: PickupPoint | None) -> None:
    """Make `user` staff of `point`, or of no point (None)."""
    if point is None:
        PickupStaff.objects.filter(user=user).delete()
        return
    PickupStaff.objects.update_or_create(user=user, defaults={"point": point})

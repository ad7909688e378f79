from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from city.models import BilingualNameMixin


class Fulfilment(models.TextChoices):
    """How a pack reaches its buyer (rule 9)."""

    DELIVERY = "delivery", _("home delivery")
    PICKUP = "pickup", _("through the pickup point")


class PickupPoint(BilingualNameMixin, models.Model):
    """A district's pickup point (代收点), for orders from out-of-range towns (rule 9)."""

    district = models.ForeignKey(
        "city.District",
        on_delete=models.PROTECT,
        related_name="pickup_points",
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30)

    class Meta:
        ordering = ["district__sort_order"]
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        constraints = [
            # Rule 9 routes an out-of-range order to "its district's pickup point": exactly one.
            models.UniqueConstraint(fields=["district"], name="one_pickup_point_per_district")
        ]

    def __str__(self) -> str:
        return self.display_name


class PickupStaff(models.Model):
    """A pickup point's staff member: their account, and the point that scopes what they see in
    the admin. Pickup's own record (the user model stands below pickup, and points nowhere up).
    First held as `User.pickup_point`; migration pickup 0003 carried every value over."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pickup_staff",
        verbose_name=_("account"),
    )
    point = models.ForeignKey(
        PickupPoint,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("pickup point"),
    )

    class Meta:
        verbose_name = _("pickup point staff member")
        verbose_name_plural = _("pickup point staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.point}"

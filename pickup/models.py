from django.db import models
from django.utils.translation import gettext_lazy as _

from reservations.models import BilingualNameMixin


class Fulfilment(models.TextChoices):
    """How a pack reaches its buyer (rule 9)."""

    DELIVERY = "delivery", _("home delivery")
    PICKUP = "pickup", _("through the pickup point")


class PickupPoint(BilingualNameMixin, models.Model):
    """A district's pickup point (代收点), for orders from out-of-range towns (rule 9)."""

    district = models.ForeignKey(
        "reservations.District",
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

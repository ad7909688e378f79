from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pickup.models import Fulfilment


class Partner(models.Model):
    """A retailer that sells the packs and calls the partner API with a bearer token.

    Only the token's SHA-256 is stored: the token is shown once, when the partner is created.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("token revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"), name="partner_token_is_hashed"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("placed")
    DISPATCHED = "dispatched", _("dispatched")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


class Order(models.Model):
    """The one pack a win allows (rule 8), as the partner recorded it.

    At most one order per win that is not cancelled: a partial unique constraint, so that no
    two simultaneous requests can both sell the pack. The partner's own id is unique per
    partner, which makes a retried request find its first answer.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="orders", verbose_name=_("partner")
    )
    partner_order_id = models.CharField(_("partner's order id"), max_length=64)
    reservation = models.ForeignKey(
        "reservations.Reservation",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("reservation"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus, default=OrderStatus.PLACED
    )
    fulfilment = models.CharField(_("fulfilment"), max_length=10, choices=Fulfilment)
    pickup_point = models.ForeignKey(
        "pickup.PickupPoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("pickup point"),
    )
    delivery_date = models.DateField(_("delivery date"))
    # SHA-256 of the normalised request: a retry with the same id must be the same request.
    request_fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            # Rule 8: one pack per win. A cancelled order gives the win back.
            models.UniqueConstraint(
                fields=["reservation"],
                condition=~Q(status="cancelled"),
                name="one_live_order_per_win",
            ),
            models.UniqueConstraint(
                fields=["partner", "partner_order_id"], name="partner_order_id_unique_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["placed", "dispatched", "delivered", "cancelled"]),
                name="order_status_is_known",
            ),
            models.CheckConstraint(
                condition=(Q(fulfilment="delivery") & Q(pickup_point__isnull=True))
                | (Q(fulfilment="pickup") & Q(pickup_point__isnull=False)),
                name="order_pickup_point_iff_pickup",
            ),
            models.CheckConstraint(
                condition=~Q(partner_order_id=""), name="order_has_a_partner_order_id"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_order_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["dispatched", "delivered"])
                | Q(dispatched_at__isnull=False),
                name="dispatched_order_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="delivered_order_has_a_time",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="order_created_at")]

    def __str__(self) -> str:
        return f"#{self.pk}"

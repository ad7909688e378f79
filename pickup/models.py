from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    # Parcels that reached the point and are not collected within this many days are flagged
    # on the point's and the committees' pages, and counted for officials.
    collect_within_days = models.PositiveSmallIntegerField(_("days to collect a parcel"), default=7)

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


class CollectAtPoint(models.Model):
    """The point decided that residents of this town collect at the point itself: their
    parcels go `at_point → collected`, not through the town and the committee."""

    point = models.ForeignKey(
        PickupPoint,
        on_delete=models.CASCADE,
        related_name="collect_at_point",
        verbose_name=_("pickup point"),
    )
    town = models.ForeignKey(
        "city.Town", on_delete=models.CASCADE, related_name="+", verbose_name=_("town")
    )

    class Meta:
        verbose_name = _("town collecting at the point")
        verbose_name_plural = _("towns collecting at the point")
        constraints = [
            models.UniqueConstraint(fields=["town"], name="collect_at_point_once_per_town")
        ]

    def __str__(self) -> str:
        return f"{self.town} @ {self.point}"


class Batch(models.Model):
    """One pickup point's delivery of one day (rule 9): the parcels routed there for that
    date. It exists from its first parcel; staff confirm its receipt once."""

    point = models.ForeignKey(
        PickupPoint,
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("pickup point"),
    )
    delivery_date = models.DateField(_("delivery date"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )

    class Meta:
        ordering = ["-delivery_date", "point__district__sort_order"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "delivery_date"], name="one_batch_per_point_and_day"
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True, received_by__isnull=True)
                | Q(received_at__isnull=False, received_by__isnull=False),
                name="batch_received_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.delivery_date:%Y-%m-%d}"


class ParcelState(models.TextChoices):
    """Where a pickup order's pack is (docs/pickup.md)."""

    AWAITING = "awaiting", _("awaiting delivery to the point")
    AT_POINT = "at_point", _("at the pickup point")
    AT_TOWN = "at_town", _("at the town government")
    AT_COMMITTEE = "at_committee", _("at the committee")
    COLLECTED = "collected", _("collected")
    WITHDRAWN = "withdrawn", _("withdrawn (order cancelled)")


# Arrived and not yet collected: what the collection deadline applies to.
HELD_STATES = [ParcelState.AT_POINT, ParcelState.AT_TOWN, ParcelState.AT_COMMITTEE]


class Parcel(models.Model):
    """The pack of one reservation's pickup order, on its way from the point to the resident.
    One per reservation: an order cancelled withdraws it, a new order places it again."""

    reservation = models.OneToOneField(
        "reservations.Reservation",
        on_delete=models.PROTECT,
        related_name="parcel",
        verbose_name=_("reservation"),
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("batch")
    )
    # Copied from the reservation: the batch is handed on per town and community.
    town = models.ForeignKey(
        "city.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town")
    )
    community = models.ForeignKey(
        "city.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ParcelState, default=ParcelState.AWAITING
    )
    # Listed missing at the batch's receipt: it stays `awaiting` until found.
    missing = models.BooleanField(_("missing at receipt"), default=False)
    # When the partner reported the order delivered: missing after that is a discrepancy.
    reported_delivered_at = models.DateTimeField(_("reported delivered at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at the point"), null=True, blank=True)
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    state_at = models.DateTimeField(_("last step at"), default=timezone.now)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[state.value for state in ParcelState]),
                name="parcel_state_is_known",
            ),
            models.CheckConstraint(
                condition=Q(missing=False) | Q(state=ParcelState.AWAITING),
                name="only_an_awaiting_parcel_is_missing",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[ParcelState.AWAITING, ParcelState.WITHDRAWN])
                | Q(arrived_at__isnull=False),
                name="arrived_parcel_has_a_time",
            ),
        ]
        indexes = [models.Index(fields=["batch", "state"], name="parcel_batch_state")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ParcelCount(models.Model):
    """Parcels per batch and state now, kept by statement-level triggers on the parcels
    (migration 0007; nothing in Python writes it), so that the officials' dashboard counts a
    campaign's parcels per point without reading them. Each count is split in eight rows (the
    parcel's id modulo 8): staff collecting parcels of one batch at once do not wait for each
    other's commit on one row. `batch` is not a constraint: a count is not a reference that
    locks its batch or stops it going."""

    batch = models.ForeignKey(
        Batch,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique constraint's index starts with it
        related_name="+",
        verbose_name=_("batch"),
    )
    state = models.CharField(_("state"), max_length=12, choices=ParcelState)
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("parcels per batch and state")
        verbose_name_plural = _("parcels per batch and state")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "state", "slot"], name="one_parcel_count_per_slot"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="parcel_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.state} {self.count}"


class ParcelStep(models.Model):
    """Every move of a parcel, who made it and when: append-only. `by` is empty for the
    partner's own report (its `delivered`) and for placing and withdrawing with the order."""

    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, related_name="steps", verbose_name=_("parcel")
    )
    source = models.CharField(_("from"), max_length=12, choices=ParcelState, blank=True)
    target = models.CharField(_("to"), max_length=12, choices=ParcelState)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("parcel step")
        verbose_name_plural = _("parcel steps")

    def __str__(self) -> str:
        return f"{self.source or '-'} → {self.target}"

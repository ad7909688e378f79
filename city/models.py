"""The city's reference data and the campaign configuration: the kernel every app reads.

These models were first made in `reservations`; they keep their tables (`db_table`), so the move
changed no row (migrations city 0001 and reservations 0011).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from city.phones import normalize_phone


class BilingualNameMixin:
    """Reference data carries a Chinese name and an English one; pages show the reader's."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class District(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        db_table = "reservations_district"
        ordering = ["sort_order", "id"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.display_name


class Town(BilingualNameMixin, models.Model):
    """A town, township or street office (乡镇街道) inside a district."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="towns", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    # Rule 9: the partner delivers home inside its range; other towns go through a pickup point.
    in_delivery_range = models.BooleanField(_("inside the delivery range"), default=True)

    class Meta:
        db_table = "reservations_town"
        ordering = ["district__sort_order", "id"]
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="town_name_unique_in_district"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class Community(BilingualNameMixin, models.Model):
    """A village or residential committee (村居委会)."""

    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="communities", verbose_name=_("town")
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30)
    # Rule 10: committees often have only a fixed line, which no SMS reaches. Messages for the
    # residents they registered go to this mobile number when there is one (11 digits, as
    # `city.phones.normalize_phone` writes it); without one, the committee sees its wins in the
    # admin and the outbox refuses the fixed line.
    sms_phone = models.CharField(
        _("mobile number for messages"),
        max_length=20,  # as typed in the admin: "+86 138 0013 8000"; stored as 11 digits
        blank=True,
        default="",
        help_text=_(
            "A mobile number that receives the SMS for the residents this committee registered "
            "(wins, reminders, orders). Leave empty if the committee has none: it then sees its "
            "residents' wins in the administration only."
        ),
    )
    address = models.CharField(_("address"), max_length=200)

    class Meta:
        db_table = "reservations_community"
        ordering = ["town__district__sort_order", "town_id", "id"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="community_name_unique_in_town"),
            models.CheckConstraint(
                condition=Q(sms_phone="") | Q(sms_phone__regex=r"^1[3-9][0-9]{9}$"),
                name="community_sms_phone_is_a_mobile",
                violation_error_message=_(
                    "The mobile number for messages must be a mainland China mobile number."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        # However it was typed (spaces, +86, full-width digits): the 11 digits, or refused.
        if self.sms_phone:
            try:
                self.sms_phone = normalize_phone(self.sms_phone)
            except ValidationError as error:
                raise ValidationError({"sms_phone": error.messages}) from None


class ReservationWindow(models.Model):
    """A daily reservation window (rule 2), half-open: [opens_at, closes_at) in Asia/Shanghai.

    A window without a district is shared by all five (the evening window).
    """

    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="windows",
        verbose_name=_("district"),
        help_text=_("Leave empty for a window shared by all districts."),
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    # `setup_demo` opens one on a developer's machine (DEBUG only) so that a newcomer can
    # reserve at any hour; marked wherever windows are shown, never made without DEBUG.
    is_demo = models.BooleanField(
        _("demo window"),
        default=False,
        editable=False,
        help_text=_("Made by setup_demo on a development site only (DEBUG): open all day."),
    )

    class Meta:
        db_table = "reservations_reservationwindow"
        ordering = ["opens_at"]
        verbose_name = _("reservation window")
        verbose_name_plural = _("reservation windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="window_opens_before_it_closes"
            ),
            models.UniqueConstraint(
                fields=["district", "opens_at"],
                name="window_unique_per_district_and_start",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        where = self.district.display_name if self.district else _("All districts")
        return f"{where} {self.times_text}"

    @property
    def times_text(self) -> str:
        """ "08:00–10:00"; a window to the end of the day closes at "24:00"; a demo window says
        so, since it exists only on a development site."""
        closes = "24:00" if self.closes_at == datetime.time.max else f"{self.closes_at:%H:%M}"
        times = f"{self.opens_at:%H:%M}–{closes}"
        if self.is_demo:
            return _("%(times)s (demo window: only on a development site)") % {"times": times}
        return times

    def contains(self, moment: datetime.time) -> bool:
        return self.opens_at <= moment < self.closes_at


class CampaignConfig(models.Model):
    """Every bracketed default of DOMAIN.md, edited by officials in the admin. One row."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    start_date = models.DateField(
        _("start date"),
        default=datetime.date(2020, 2, 17),
        help_text=_("Reservations open daily from this date (rule 2)."),
    )
    product_name = models.CharField(
        _("product"), max_length=100, default="普惠口罩（成人型）", help_text=_("Rule 8.")
    )
    pack_size = models.PositiveSmallIntegerField(
        _("masks per pack"), default=10, validators=[MinValueValidator(1)]
    )
    unit_price = models.DecimalField(
        _("price per pack (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    first_draw_after_days = models.PositiveSmallIntegerField(
        _("first draw, days after the start date"), default=2
    )
    draw_interval_days = models.PositiveSmallIntegerField(
        _("days between draws"), default=2, validators=[MinValueValidator(1)]
    )
    draw_time = models.TimeField(_("draw time"), default=datetime.time(10, 0))
    pool_cutoff_days_before = models.PositiveSmallIntegerField(
        _("pool closes, days before the draw day"), default=1
    )
    pool_cutoff_time = models.TimeField(
        _("pool cut-off time"),
        default=datetime.time(21, 0),
        help_text=_("Rule 5: after every reservation window of that day."),
    )
    purchase_opens_at = models.TimeField(
        _("purchase window opens on the draw day at"), default=datetime.time(14, 0)
    )
    purchase_window_hours = models.PositiveSmallIntegerField(
        _("purchase window length (hours)"), default=24, validators=[MinValueValidator(1)]
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("days after a draw before a winner may reserve again"),
        default=10,
        help_text=_("Rule 7: from 00:00 of this day after the draw day."),
    )
    lapse_reminder_hours = models.PositiveSmallIntegerField(
        _("reminder to order, hours before the purchase window closes"),
        default=4,
        help_text=_(
            "Winners who have not ordered get one SMS this long before their win "
            "lapses; 0 sends none."
        ),
    )
    pickup_cutoff_time = models.TimeField(
        _("pickup-point order cut-off"), default=datetime.time(12, 0)
    )
    pickup_delivery_time = models.TimeField(
        _("daily delivery to pickup points at"), default=datetime.time(15, 0)
    )
    committee_registration_deadline = models.DateField(
        _("committee registration deadline"),
        default=datetime.date(2020, 2, 20),
        help_text=_("Rule 10: committees register special groups up to and including this date."),
    )
    city_hotline = models.CharField(_("city hotline"), max_length=30, default="12345")
    city_hotline_name = models.CharField(
        _("city hotline name"), max_length=100, default="福州市12345便民服务平台"
    )
    city_hotline_name_en = models.CharField(
        _("city hotline name (English)"),
        max_length=100,
        default="Fuzhou 12345 citizen service hotline",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "reservations_campaignconfig"
        verbose_name = _("campaign configuration")
        verbose_name_plural = _("campaign configuration")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="campaign_config_is_single_row"),
            models.CheckConstraint(
                condition=Q(pack_size__gte=1), name="campaign_pack_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="campaign_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(draw_interval_days__gte=1), name="campaign_draw_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(purchase_window_hours__gte=1),
                name="campaign_purchase_window_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Campaign configuration"))

    @property
    def hotline_display_name(self) -> str:
        if self.city_hotline_name_en and (get_language() or "").startswith("en"):
            return self.city_hotline_name_en
        return self.city_hotline_name


class OtherArea(BilingualNameMixin, models.Model):
    """Counties and zones outside the five districts that run their own schemes (rule 11)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    phone = models.CharField(_("contact line"), max_length=60)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        db_table = "reservations_otherarea"
        ordering = ["sort_order", "id"]
        verbose_name = _("other county or zone")
        verbose_name_plural = _("other counties and zones")

    def __str__(self) -> str:
        return self.display_name


class Suggestion(models.Model):
    """A comment or suggestion from the help page (rule 11), read by officials in the admin."""

    text = models.TextField(_("comment or suggestion"), max_length=2000)
    contact = models.CharField(_("contact (optional)"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
    )

    class Meta:
        db_table = "reservations_suggestion"
        ordering = ["-created_at"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("comments and suggestions")

    def __str__(self) -> str:
        return self.text[:40]

    def masked_repr(self) -> str:
        # The text may name or reach its writer: the admin's log names the row by its number.
        return f"#{self.pk}"


class AuditAction(models.TextChoices):
    """What staff did through a service or a command, as the audit trail names it. Every app
    records here (city is the lowest layer), so the keys of every app are listed here too."""

    REFERENCE_DATA_LOADED = "reference_data_loaded", _("loaded the reference data")
    CAMPAIGN_STARTED = "campaign_started", _("started the campaign today (demo)")
    RESIDENT_REGISTERED = "resident_registered", _("registered a resident")
    RESERVED_ON_BEHALF = "reserved_on_behalf", _("reserved on a resident's behalf")
    CANCELLED_ON_BEHALF = "cancelled_on_behalf", _("cancelled a resident's reservation")
    STAFF_ACCOUNT_SET = "staff_account_set", _("set up a staff account")
    STAFF_ACCOUNT_DEACTIVATED = "staff_account_deactivated", _("deactivated a staff account")
    BATCH_RECEIVED = "batch_received", _("confirmed a batch's receipt")
    PARCELS_FOUND = "parcels_found", _("recorded missing parcels as found")
    PARCELS_STEPPED = "parcels_stepped", _("recorded a hand-over step")
    PARTNER_CREATED = "partner_created", _("created a partner and its token")
    PARTNER_TOKEN_REVOKED = "partner_token_revoked", _("revoked a partner's token")
    OUTBOX_RETRIED = "outbox_retried", _("retried failed text messages")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("erased personal data past retention")
    SUPPLY_RECORDED = "supply_recorded", _("recorded a supply arrival")
    SCHEDULE_PAUSED = "schedule_paused", _("paused the draw schedule")
    SCHEDULE_RESUMED = "schedule_resumed", _("resumed the draw schedule")


class AuditEntry(models.Model):
    """One change a staff member (or a command, `actor` empty) made through a service: who,
    when, what, to which record, with a summary holding no personal data beyond masked values.
    Append-only: database triggers refuse UPDATE, DELETE (city 0004) and TRUNCATE (city 0006),
    and the actor's account cannot be deleted while an entry names it."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        # The audit page reads the newest first, a page at a time (portal.audit).
        indexes = [models.Index(F("at").desc(), F("id").desc(), name="auditentry_newest_first")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
    address = models.CharField(_("address"), max_length=200)

    class Meta:
        ordering = ["town__district__sort_order", "town_id", "id"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="community_name_unique_in_town")
        ]

    def __str__(self) -> str:
        return self.display_name


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

    class Meta:
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
        return f"{where} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

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
        "reservations.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("comments and suggestions")

    def __str__(self) -> str:
        return self.text[:40]


class User(AbstractUser):
    """Every account: residents (later, by phone) and staff (admin, by password).

    Committee staff belong to one community and pickup staff to one pickup point; what they see
    in the admin is scoped by it.
    """

    phone = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("community (committee staff)"),
    )
    pickup_point = models.ForeignKey(
        "pickup.PickupPoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("pickup point (pickup staff)"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=True) | Q(pickup_point__isnull=True),
                name="user_belongs_to_at_most_one_place",
            )
        ]


class Category(models.TextChoices):
    """Special groups a committee registers (rule 10)."""

    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    HARDSHIP = "hardship", _("Person in hardship")
    FOREIGNER = "foreigner", _("Foreigner")
    HMT_OVERSEAS = "hmt_overseas", _("Hong Kong / Macau / Taiwan / overseas Chinese")


class Level(models.TextChoices):
    L1 = "L1", "L1"
    L2 = "L2", "L2"
    L3 = "L3", "L3"


class Method(models.TextChoices):
    FACE = "face", _("Face recognition")
    BANK_CARD = "bank_card", _("Bank card")
    COMMITTEE = "committee", _("Checked in person by the committee")


class Resident(models.Model):
    """A person who may reserve: signed up by phone (has a user) or registered by a committee.

    The document number is never stored: only a keyed HMAC (unique: one account per document)
    and a masked form for people to recognise it.
    """

    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    document_type = models.CharField(_("document type"), max_length=20, blank=True)
    document_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    document_masked = models.CharField(_("document"), max_length=40, blank=True)
    level = models.CharField(_("verification level"), max_length=2, choices=Level, blank=True)
    method = models.CharField(_("verification method"), max_length=10, choices=Method, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("town")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("community"),
    )
    street_address = models.CharField(_("street address"), max_length=120, blank=True)
    category = models.CharField(_("special group"), max_length=20, choices=Category, blank=True)
    registered_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(fields=["document_hash"], name="one_resident_per_document"),
            # Self-registered residents sign in; committee-registered ones belong to a committee.
            models.CheckConstraint(
                condition=Q(user__isnull=False)
                | (Q(community__isnull=False) & ~Q(category="") & Q(registered_by__isnull=False)),
                name="resident_has_account_or_committee",
            ),
        ]
        indexes = [models.Index(fields=["community", "category"], name="resident_community")]

    def __str__(self) -> str:
        return self.name or self.document_masked or f"#{self.pk}"

    @property
    def is_verified(self) -> bool:
        return self.level in (Level.L2, Level.L3)

    @property
    def committee_registered(self) -> bool:
        return self.user_id is None


class ReservationState(models.TextChoices):
    WAITING = "waiting", _("waiting for a draw")
    WON = "won", _("won")
    ORDERED = "ordered", _("ordered")
    COLLECTED = "collected", _("collected")
    LAPSED = "lapsed", _("lapsed")
    CANCELLED = "cancelled", _("cancelled")


LIVE_STATES = [ReservationState.WAITING, ReservationState.WON]


class Reservation(models.Model):
    """A resident's reservation (rules 3 and 4), with the phone and address given at that moment.

    Numbers are unique across every reservation ever made, and rows are never deleted, so a
    number is never reused.
    """

    number = models.PositiveIntegerField(_("reservation number"), unique=True)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("resident")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReservationState, default=ReservationState.WAITING
    )
    phone = models.CharField(_("phone"), max_length=30)  # a committee landline stands in
    # Every index costs each reservation at the peak: district and town are read from the row,
    # not searched by. (Altering the resident's index would drop the partial unique one too.)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, verbose_name=_("district"), db_index=False
    )
    town = models.ForeignKey(Town, on_delete=models.PROTECT, verbose_name=_("town"), db_index=False)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    address = models.CharField(_("delivery address"), max_length=250)
    by_committee = models.BooleanField(_("reserved by the committee"), default=False)
    # The resident's language, recorded with the phone: the win SMS goes in it, and a draw
    # need not look up 100,000 residents to find it.
    language = models.CharField(
        _("language"), max_length=10, default="zh-hans", db_default="zh-hans"
    )
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now)
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    won_draw = models.ForeignKey(
        "lottery.Draw",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="winners",
        verbose_name=_("won in draw"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(state__in=["waiting", "won"]),
                name="one_live_reservation_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=10_000_000) & Q(number__lte=99_999_999),
                name="reservation_number_has_eight_digits",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_reservation_has_a_time",
            ),
        ]
        indexes = [
            # A resident's reservations are found through the resident's foreign-key index (a
            # resident has a handful); a second index on it cost every reservation and every
            # win a second index entry.
            # The draw's pool: waiting reservations made before a cut-off.
            models.Index(
                fields=["created_at"], name="reservation_waiting", condition=Q(state="waiting")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:08d}"

    @property
    def number_display(self) -> str:
        return f"{self.number:08d}"


class SignInCode(models.Model):
    """A 6-digit sign-in code sent by SMS; stored as a keyed hash, single use, 5 tries."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(wrong_tries__lte=5), name="sign_in_code_at_most_five_wrong_tries"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"

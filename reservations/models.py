"""Accounts, residents and their reservations: the one owner of a reservation's life.

A reservation's state moves only through `reservations.services` (its transition table is
`reservations.states`); the draw's record of who won (`Win`) and the pool frozen at each cut-off
(`PoolSnapshot`) live here too, so no app above writes these tables.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from city.models import Community, District, Town
from city.phones import mask_phone
from reservations.validators import mask_name


class User(AbstractUser):
    """Every account: residents (later, by phone) and staff (admin, by password).

    Committee staff belong to one community, which scopes what they see in the admin; pickup
    staff belong to a point through `pickup.PickupStaff` (pickup stands above this app).
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def masked_repr(self) -> str:
        # A resident's username holds their phone ("resident-138…"); staff are named as such.
        if self.is_staff:
            return self.username
        return f"#{self.pk} {mask_phone(self.phone)}" if self.phone else f"#{self.pk}"


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

    def masked_repr(self) -> str:
        """How the admin's log and the audit trail name a resident: the masked name."""
        return mask_name(self.name) if self.name else f"#{self.pk}"

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
    DELIVERED = "delivered", _("delivered home")
    LAPSED = "lapsed", _("lapsed")
    CANCELLED = "cancelled", _("cancelled")


LIVE_STATES = [ReservationState.WAITING, ReservationState.WON]
# Final: no move leaves them (reservations.states). Retention erases their personal data.
CLOSED_STATES = [
    ReservationState.COLLECTED,
    ReservationState.DELIVERED,
    ReservationState.LAPSED,
    ReservationState.CANCELLED,
]


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
    # The lottery's draw, by its id: a plain integer, as the lottery stands above this app.
    won_draw_id = models.BigIntegerField(_("won in draw"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When it reached a final state (collected, delivered, lapsed, cancelled): retention runs
    # from here. Rows closed before issue 14 have none; retention reads their cancel or win time.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When retention erased its phone and address (`personal_data_erase`); numbers stay.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

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
            # The draw's pool: waiting reservations made before a cut-off, read in number order
            # by an index-only scan (the pool file is the numbers ascending), 116 MB at
            # 3,000,000 rather than the whole table and a sort.
            models.Index(
                fields=["number"],
                include=["created_at", "id"],
                name="reservation_waiting_by_number",
                condition=Q(state="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:08d}"

    @property
    def number_display(self) -> str:
        return f"{self.number:08d}"


class CommitteeWin(Reservation):
    """The wins of committee-registered residents, as their committee follows them in the
    admin ("my community's wins", `portal.admin`): the same rows, only read. It has no
    permissions of its own: whoever may view reservations may view these (scoped there)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("win of a committee-registered resident")
        verbose_name_plural = _("committee residents' wins")


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
        return f"{mask_phone(self.phone)} {self.created_at:%Y-%m-%d %H:%M}"


class Win(models.Model):
    """A reservation's win, written by the draw that chose it, in the draw's transaction
    (`reservations.services.wins_record`).

    This is the record of who won. Marking 100,000 random reservations in place costs their
    table's heap and five indexes a write each, 10-20 s on the draw's critical path; a row here
    costs one narrow insert. The draw's wins are then copied onto their reservations (state
    `won`, `won_at`, `won_draw_id`: "settled", `reservations.services.draw_wins_settle`) right
    after it commits. Until then a won reservation still reads `waiting`, and every reader that
    tells waiting from won applies its win (`reservations.selectors.pending_wins_apply`, or the
    SQL fragment `reservations.selectors.PENDING_WINS_SQL`).

    The reservation is referenced without a foreign-key constraint: checking one locks the
    reservation's row, which writes to its page, the very cost this table avoids. The draw
    writes a win only for a reservation it has just read, and reservations are never deleted.
    The draw is a plain integer, as the lottery stands above this app. First made by the
    lottery; it keeps its table.
    """

    reservation = models.OneToOneField(
        Reservation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="win",
        verbose_name=_("reservation"),
    )
    draw_id = models.BigIntegerField(_("draw"), db_index=True)

    class Meta:
        db_table = "lottery_win"
        verbose_name = _("win")
        verbose_name_plural = _("wins")

    def __str__(self) -> str:
        return f"{self.reservation_id} @ {self.draw_id}"


class PoolState(models.TextChoices):
    FROZEN = "frozen", _("frozen: the draw is still to run")
    DRAWN = "drawn", _("drawn: its wins are being settled")
    SETTLED = "settled", _("drawn and settled")
    VOIDED = "voided", _("voided: the draw was cancelled")


class PoolSnapshot(models.Model):
    """ "The pool of draw N froze at cut-off T", and what became of it: what reservations must
    know of a draw, kept here so that this app never reads the lottery's tables (the lottery
    writes it through `reservations.services`, in its own transactions).

    While a pool is frozen its reservations cannot be cancelled (the draw must find every number
    of its pool waiting). No reservation is stamped before the latest cut-off of a pool that
    froze and was not voided: one that raced the freezing joins the next pool instead of being
    lost. A drawn pool's wins are pending until settled (see Win)."""

    draw_id = models.BigIntegerField(_("draw"), unique=True)
    cutoff = models.DateTimeField(_("pool cut-off"))
    state = models.CharField(_("state"), max_length=10, choices=PoolState, default=PoolState.FROZEN)
    frozen_at = models.DateTimeField(_("frozen at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pool snapshot")
        verbose_name_plural = _("pool snapshots")
        constraints = [
            # Rule 5: at most one draw between its pool's close and its draw at any time.
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="frozen"), name="one_frozen_pool"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["drawn", "settled"], drawn_at__isnull=False)
                | (Q(state__in=["frozen", "voided"]) & Q(drawn_at__isnull=True)),
                name="pool_snapshot_drawn_when_drawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} {timezone.localtime(self.cutoff):%Y-%m-%d %H:%M}"


# --- counts kept by the database ---------------------------------------------------------------
# The officials' dashboard and the open data read counts over millions of reservations; reading
# them from the reservations themselves took seconds at city scale. These two tables hold the
# counts, kept current by statement-level triggers on the reservations table (migration 0016:
# every insert, update, delete and truncate, ORM or SQL, seed_demo's COPY included), so nothing
# in Python writes them and nothing can forget to. Each row is split in SLOTS (the reservation's
# id modulo SLOTS): at the peak every new reservation of a district adds to the same count, and
# one row would make concurrent reservations wait for each other's commit.

TALLY_SLOTS = 8


class ReservationHourCount(models.Model):
    """Reservations made per district per hour (the hour they were made, in UTC: Shanghai's
    hours are whole hours of UTC), whatever became of them. Written only by the triggers."""

    district_id = models.BigIntegerField(_("district"))
    hour = models.DateTimeField(_("hour"))
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("reservations made per hour")
        verbose_name_plural = _("reservations made per hour")
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "district_id", "slot"], name="one_hour_count_per_slot"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="hour_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.hour:%Y-%m-%d %H}:00 {self.count}"


class ReservationStateCount(models.Model):
    """Reservations per district, state and the draw they won in (0: none) now. Written only by
    the triggers. A win a draw has recorded but not yet settled still counts as `waiting` here
    (the pending-win rule applies to readers of these counts as to any other)."""

    district_id = models.BigIntegerField(_("district"))
    state = models.CharField(_("state"), max_length=10, choices=ReservationState)
    won_draw_id = models.BigIntegerField(_("won in draw"))
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("reservations per state")
        verbose_name_plural = _("reservations per state")
        constraints = [
            models.UniqueConstraint(
                fields=["state", "won_draw_id", "district_id", "slot"],
                name="one_state_count_per_slot",
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="state_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.state} {self.won_draw_id} {self.count}"

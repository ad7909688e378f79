from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Mod
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SupplyArrival(models.Model):
    """Masks delivered to the city (rule 5: the number of winners follows the masks in stock)."""

    arrived_on = models.DateField(_("arrived on"))
    masks = models.PositiveIntegerField(_("masks"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-arrived_on", "-id"]
        verbose_name = _("supply arrival")
        verbose_name_plural = _("supply arrivals")
        constraints = [
            models.CheckConstraint(condition=Q(masks__gt=0), name="supply_arrival_has_masks")
        ]

    def __str__(self) -> str:
        return f"{self.arrived_on:%Y-%m-%d} {self.masks}"


class DrawStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    COMMITTED = "committed", _("notary committed")
    POOL_CLOSED = "pool_closed", _("pool closed")
    DRAWN = "drawn", _("drawn")
    SIGNED_OFF = "signed_off", _("signed off")
    POSTPONED = "postponed", _("postponed")
    CANCELLED = "cancelled", _("cancelled")


# The sets of states the rules speak of, named once; every filter and check uses these.
# Before the pool closes: the draw may still be planned, postponed and cancelled freely.
POOL_OPEN_STATES = (DrawStatus.SCHEDULED, DrawStatus.COMMITTED)
# Not drawn yet, nor postponed or cancelled: its purchase window may still move.
UNDRAWN_STATES = (*POOL_OPEN_STATES, DrawStatus.POOL_CLOSED)
# Drawn (and perhaps signed off): its winners are fixed, published and count against stock.
DRAWN_STATES = (DrawStatus.DRAWN, DrawStatus.SIGNED_OFF)
# Closed: the pool has closed and the draw goes on (a pool that is in the draw's record for good).
POOL_CLOSED_STATES = (DrawStatus.POOL_CLOSED, *DRAWN_STATES)


class Draw(models.Model):
    """One lottery draw and its certificate (DOMAIN "The draw, exactly", version 1).

    Only the commitment of the notary's secret is kept until the ceremony reveals it.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular")
        EXTRA = "extra", _("extra")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.REGULAR)
    status = models.CharField(
        _("status"), max_length=12, choices=DrawStatus, default=DrawStatus.SCHEDULED
    )
    algorithm = models.PositiveSmallIntegerField(_("algorithm version"), default=1)
    scheduled_at = models.DateTimeField(_("draw time"))
    # The rule-5 time a regular draw fills; kept when it is postponed, so the schedule knows the
    # slot is taken and never makes it twice. Extra draws have none.
    slot = models.DateTimeField(_("schedule slot"), null=True, blank=True, editable=False)
    postponed_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postponed_from",
        verbose_name=_("postponed to"),
    )
    pool_cutoff = models.DateTimeField(_("pool cut-off"))
    commitment = models.CharField(_("commitment"), max_length=64, blank=True)
    secret = models.CharField(_("revealed secret"), max_length=64, blank=True)
    public_value = models.TextField(_("public value"), blank=True)
    public_value_fixed = models.BooleanField(_("public value fixed"), default=False)
    # Set by an official before the pool closes; the quota is fixed from it (at most the stock).
    planned_quota = models.PositiveIntegerField(_("planned quota (packs)"), null=True, blank=True)
    quota = models.PositiveIntegerField(_("quota (packs)"), null=True, blank=True)
    pool_size = models.PositiveIntegerField(_("pool size"), null=True, blank=True)
    pool_digest = models.CharField(_("pool digest"), max_length=64, blank=True)
    winners_count = models.PositiveIntegerField(_("winners"), null=True, blank=True)
    winners_digest = models.CharField(_("winners digest"), max_length=64, blank=True)
    # DOMAIN "Per-number proofs": the pool's RFC 6962 Merkle root, and the (rank, number) of the
    # last winner, so one number's membership and outcome can be checked without the files.
    pool_merkle_root = models.CharField(_("pool Merkle root"), max_length=64, blank=True)
    cutoff_rank = models.CharField(_("cut-off rank"), max_length=64, blank=True)
    cutoff_number = models.PositiveIntegerField(_("cut-off number"), null=True, blank=True)
    purchase_opens_at = models.DateTimeField(_("purchase window opens"), null=True, blank=True)
    purchase_closes_at = models.DateTimeField(_("purchase window closes"), null=True, blank=True)
    closed_at = models.DateTimeField(_("pool closed at"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    # When the unordered wins of a closed purchase window were lapsed (orders.services): the
    # lapse task then leaves the draw alone instead of searching its winners every minute.
    wins_lapsed_at = models.DateTimeField(_("wins lapsed at"), null=True, blank=True)
    # When the draw's wins were settled onto their reservations (reservations.Win).
    wins_settled_at = models.DateTimeField(_("wins settled at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    # The notary's sign-off: their statement and the notarial certificate's number, shown on
    # the public draw page. NULL on a draw signed off before they were recorded (issue 14);
    # from then on the database refuses a sign-off without them (lottery 0010's trigger).
    notary_statement = models.TextField(_("notary's statement"), null=True, blank=True)
    notarial_certificate_number = models.CharField(
        _("notarial certificate number"), max_length=60, null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Win rates by district and by reservation day with chi-square tests (selectors.fairness).
    fairness = models.JSONField(_("fairness"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-scheduled_at"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        # The ceremony's two roles (lottery.admin): officials run it, notaries notarise it.
        permissions = [
            ("run_ceremony", _("Can run draw ceremonies")),
            ("notarise", _("Can notarise draws")),
        ]
        constraints = [
            # Rule 5: at most one draw between pool closed and drawn at any time.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=DrawStatus.POOL_CLOSED),
                name="one_draw_between_pool_close_and_draw",
            ),
            # Beat may run twice at once: a slot holds one live draw (a postponed one hands its
            # slot to the draw that replaces it).
            models.UniqueConstraint(
                fields=["slot"],
                condition=~Q(status=DrawStatus.POSTPONED),
                name="one_draw_per_schedule_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status=DrawStatus.POSTPONED) | Q(postponed_to__isnull=False),
                name="postponed_draw_points_to_its_replacement",
            ),
            models.CheckConstraint(
                condition=Q(pool_cutoff__lt=models.F("scheduled_at")),
                name="draw_pool_closes_before_the_draw",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[DrawStatus.SCHEDULED, DrawStatus.POSTPONED, DrawStatus.CANCELLED]
                )
                | ~Q(commitment=""),
                name="draw_committed_before_it_goes_on",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=list(DRAWN_STATES))
                | (
                    ~Q(secret="")
                    & Q(winners_count__isnull=False)
                    & ~Q(winners_digest="")
                    & Q(public_value_fixed=True)
                ),
                name="drawn_draw_has_its_results",
            ),
            # Both or neither, never blank, and only on a signed-off draw.
            models.CheckConstraint(
                condition=Q(notary_statement__isnull=True, notarial_certificate_number__isnull=True)
                | (
                    Q(status=DrawStatus.SIGNED_OFF)
                    & ~Q(notary_statement="")
                    & ~Q(notarial_certificate_number="")
                ),
                name="draw_sign_off_statement_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {timezone.localtime(self.scheduled_at):%Y-%m-%d %H:%M}"


class SchedulePause(models.Model):
    """The regular schedule paused by an official (rule 5: supply short), with the reason shown
    to residents. At most one pause is in force."""

    reason = models.CharField(_("reason"), max_length=200)
    started_at = models.DateTimeField(_("paused at"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paused by"),
    )
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resumed by"),
    )
    in_force = models.BooleanField(_("in force"), default=True, editable=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("schedule pause")
        verbose_name_plural = _("schedule pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["in_force"], condition=Q(in_force=True), name="one_schedule_pause_in_force"
            ),
            models.CheckConstraint(
                condition=Q(in_force=True, ended_at__isnull=True)
                | Q(in_force=False, ended_at__isnull=False),
                name="schedule_pause_ended_when_not_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.started_at):%Y-%m-%d %H:%M} {self.reason}"


class DrawFile(models.Model):
    """The published pool and winners files, byte for byte (numbers only, nothing personal)."""

    class Name(models.TextChoices):
        POOL = "pool", "pool.txt"
        WINNERS = "winners", "winners.txt"

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=10, choices=Name)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "name"], name="one_file_of_each_name_per_draw")
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}/{self.get_name_display()}"


class PoolTree(models.Model):
    """A drawn draw's pool Merkle tree from level 8 up (DOMAIN "Per-number proofs"), written in
    the draw's own transaction, so that a proof reads 256 lines of the pool file (a substring
    of it) instead of the whole file. Levels 0 to 7 are not stored: they are 32 bytes per
    number (96 MB at 3,000,000) and any 256 of them are recomputed in microseconds."""

    draw = models.OneToOneField(
        Draw, on_delete=models.PROTECT, primary_key=True, related_name="pool_tree"
    )
    pool_size = models.PositiveIntegerField()
    # The first line (eight ASCII digits) of each chunk of 256 pool lines: which chunk to read.
    chunk_firsts = models.BinaryField()
    # Level 8 (one hash per chunk) up to the root, 32-byte hashes concatenated.
    upper_levels = models.BinaryField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("chunk_firsts"), (F("pool_size") + 255) / 256 * 8),
                name="pool_tree_one_first_line_per_chunk",
            ),
            models.CheckConstraint(
                condition=Exact(Mod(Length("upper_levels"), 32), 0),
                name="pool_tree_whole_hashes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}/tree"


class DrawLog(models.Model):
    """Append-only record of every step of every draw: who, when, what. Database triggers
    refuse UPDATE, DELETE (lottery 0002) and TRUNCATE (lottery 0012), so not even the admin or
    a script can rewrite it."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("draw log entry")
        verbose_name_plural = _("draw log")
        # The audit page reads the draw log newest first, a page at a time (portal.audit).
        indexes = [models.Index(F("at").desc(), F("id").desc(), name="drawlog_newest_first")]

    def __str__(self) -> str:
        # Imported here: the labels live with the sentences, in selectors, which import models.
        from lottery.selectors import draw_log_label

        return _("Draw #%(id)s: %(action)s") % {
            "id": self.draw_id,
            "action": draw_log_label(self.action),
        }


# A SHA-256 digest as the certificates and the ledger write it: 64 lower-case hex digits.
SHA256_HEX = r"^[0-9a-f]{64}$"


class SealedCertificate(models.Model):
    """A draw's certificate as the notary signed it off, byte for byte, and a link in the public
    ledger (`/draws/ledger.json`): the SHA-256 of its bytes and of the certificate sealed before
    it. Kept apart from the draw row, which later steps (lapses) still update. Database triggers
    refuse UPDATE, DELETE and TRUNCATE, and an insert that does not extend the chain's head
    (lottery 0015); the unique previous digest, the first's NULL included, forbids a fork."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="+")
    sealed_at = models.DateTimeField(_("sealed at"))
    content = models.BinaryField(_("certificate"))
    certificate_sha256 = models.CharField(_("certificate SHA-256"), max_length=64)
    previous_certificate_sha256 = models.CharField(
        _("previous certificate's SHA-256"), max_length=64, null=True, blank=True
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("sealed certificate")
        verbose_name_plural = _("sealed certificates")
        constraints = [
            models.UniqueConstraint(fields=["draw"], name="one_sealed_certificate_per_draw"),
            models.UniqueConstraint(
                fields=["certificate_sha256"], name="sealed_certificate_digest_unique"
            ),
            # One chain: each certificate follows exactly one other, and only one is first.
            models.UniqueConstraint(
                fields=["previous_certificate_sha256"],
                nulls_distinct=False,
                name="sealed_certificate_one_successor_each",
            ),
            models.CheckConstraint(
                condition=Q(certificate_sha256__regex=SHA256_HEX),
                name="sealed_certificate_digest_format",
            ),
            models.CheckConstraint(
                condition=Q(previous_certificate_sha256__isnull=True)
                | Q(previous_certificate_sha256__regex=SHA256_HEX),
                name="sealed_certificate_previous_digest_format",
            ),
            # The digest is of the bytes kept, not merely claimed.
            models.CheckConstraint(
                condition=Q(
                    certificate_sha256=models.Func(
                        models.Func(F("content"), function="sha256"),
                        models.Value("hex"),
                        function="encode",
                        output_field=models.CharField(),
                    )
                ),
                name="sealed_certificate_digest_of_its_bytes",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.draw_id} {self.certificate_sha256[:8]}…"

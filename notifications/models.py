from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from city.phones import mask_phone


class Kind(models.TextChoices):
    SIGN_IN_CODE = "sign_in_code", _("sign-in code")
    WIN = "win", _("win")
    COMMITTEE_WIN = "committee_win", _("wins for a committee")
    LAPSE_REMINDER = "lapse_reminder", _("lapse reminder")
    PICKUP_NOTICE = "pickup_notice", _("pickup notice")
    ORDER_PLACED = "order_placed", _("order placed")
    PARCEL_READY = "parcel_ready", _("parcel ready to collect")
    RESERVATION_CONFIRMED = "reservation_made", _("reservation confirmed")


class Priority(models.IntegerChoices):
    # Lower goes first: a resident waiting for a sign-in code must not queue behind a draw.
    URGENT = 0, _("urgent")
    NORMAL = 5, _("normal")
    BULK = 9, _("bulk")


KIND_PRIORITY = {
    Kind.SIGN_IN_CODE: Priority.URGENT,
    Kind.WIN: Priority.BULK,
    Kind.COMMITTEE_WIN: Priority.NORMAL,
    Kind.LAPSE_REMINDER: Priority.BULK,
    Kind.PICKUP_NOTICE: Priority.NORMAL,
    Kind.ORDER_PLACED: Priority.NORMAL,
    Kind.PARCEL_READY: Priority.NORMAL,
    # Below sign-in codes: a busy window's confirmations must not delay someone signing in.
    Kind.RESERVATION_CONFIRMED: Priority.NORMAL,
}


class State(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # Never handed to the gateway: the recipient is not a mobile number (a committee's fixed
    # line). Kept, with the reason in `last_error`, so that the event is on record and its
    # dedupe key holds; workers claim only queued rows, and no retry applies to it.
    REFUSED = "refused", _("refused")


class OutboxMessage(models.Model):
    """One SMS, written in the same transaction as the event that causes it.

    Workers claim rows with a lease (state `sending`, `leased_by` a token of the claim,
    `lease_until`); a row whose lease ran out is claimable again. The gateway gets the primary
    key as the message id, so it can drop a repeat.
    """

    recipient = models.CharField(_("recipient"), max_length=20)
    text = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    dedupe_key = models.CharField(_("dedupe key"), max_length=120)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    leased_by = models.CharField(_("leased by"), max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        indexes = [
            # The claim query: due queued rows, most urgent first.
            models.Index(
                fields=["priority", "next_attempt_at", "id"],
                name="outbox_due_queued",
                condition=Q(state="queued"),
            ),
            # Rows whose worker may have died.
            models.Index(
                fields=["lease_until"], name="outbox_leased", condition=Q(state="sending")
            ),
            models.Index(fields=["state", "kind"], name="outbox_state_kind"),
        ]
        constraints = [
            # A constraint rather than unique=True: Django would add a second, pattern-matching
            # index on the key, which nothing searches by and a draw's 100,000 messages pay for.
            models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique"),
            models.CheckConstraint(
                condition=~Q(state="sending") | (Q(lease_until__isnull=False) & ~Q(leased_by="")),
                name="outbox_sending_has_a_lease",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(last_error=""),
                name="outbox_refused_says_why",
            ),
        ]

    def __str__(self) -> str:
        # Masked as everywhere staff read it: the admin puts this in each row's checkbox label.
        return f"{self.get_kind_display()} → {mask_phone(self.recipient)}"


class OutboxCount(models.Model):
    """Messages per day queued (a Shanghai date), kind and state now, kept by statement-level
    triggers on the outbox (migration 0008; nothing in Python writes it), so that the officials'
    dashboard counts hundreds of thousands of messages without reading them. Each count is
    split in eight rows (the message's id modulo 8): workers marking messages sent at once do
    not wait for each other's commit on one row."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("messages per day")
        verbose_name_plural = _("messages per day")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "state", "slot"], name="one_outbox_count_per_slot"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="outbox_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.state} {self.count}"

import re

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from city.admin import AllowListedLookupsMixin, SafeActionsMixin
from city.phones import mask_phone
from notifications.models import Kind, OutboxMessage, State
from notifications.sealing import is_sealed
from notifications.services import outbox_retry_failed


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
    """Read-only: messages are written by the events that cause them, and sent by workers."""

    list_display = [
        "id",
        "kind",
        "masked_recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]
    list_filter = ["state", "kind", "priority"]
    search_fields = ["=recipient", "=dedupe_key"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    show_full_result_count = False  # a draw queues 100,000 rows; counting them all is slow
    fields = [
        "kind",
        "priority",
        "masked_recipient",
        "visible_text",
        "language",
        "dedupe_key",
        "state",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "leased_by",
        "error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: OutboxMessage) -> str:
        return mask_phone(obj.recipient)

    @admin.display(description=_("text"))
    def visible_text(self, obj: OutboxMessage) -> str:
        # Staff must not be able to read a resident's sign-in code and use it: a sealed code is
        # never opened here, and digits are masked whatever the text.
        if is_sealed(obj.text):
            return _("(sealed: opened only to send it)")
        if obj.kind == Kind.SIGN_IN_CODE:
            return re.sub(r"\d{4,}", lambda m: "*" * len(m.group()), obj.text)
        return obj.text

    @admin.display(description=_("last error"))
    def error(self, obj: OutboxMessage) -> str:
        # A refusal's reason is one of the outbox's own sentences: shown in the reader's
        # language. The gateway's answers are shown as they came.
        return gettext(obj.last_error) if obj.state == State.REFUSED else obj.last_error

    @admin.action(description=_("Retry the selected failed messages"), permissions=["change"])
    def retry_failed(self, request, queryset) -> None:
        count = outbox_retry_failed(ids=queryset.values_list("id", flat=True), actor=request.user)
        self.message_user(request, _("%(count)d messages queued again.") % {"count": count})

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # "change" is for the retry action on the list; a message's own page saves nothing.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

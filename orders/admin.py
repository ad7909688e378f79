from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.models import Partner
from orders.services import partner_revoke
from reservations.admin import SafeActionsMixin


@admin.register(Partner)
class PartnerAdmin(SafeActionsMixin, admin.ModelAdmin):
    """Partners are created with `manage.py create_partner` (which shows the token once)."""

    list_display = ["name", "created_at", "revoked_at"]
    readonly_fields = ["name", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected partners' tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        for partner in queryset:
            partner_revoke(partner=partner)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

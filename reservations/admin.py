from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reservations import roles
from reservations.models import (
    CampaignConfig,
    Community,
    District,
    OtherArea,
    ReservationWindow,
    Suggestion,
    Town,
    User,
)

admin.site.site_header = _("Puhui masks administration")
admin.site.site_title = _("Puhui masks")
admin.site.index_title = _("Administration")


def in_group(user, group_name: str) -> bool:
    return not user.is_superuser and user.groups.filter(name=group_name).exists()


class TownInline(admin.TabularInline):
    model = Town
    fields = ["name", "name_en", "in_delivery_range"]
    extra = 0
    show_change_link = True


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "sort_order"]
    inlines = [TownInline]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "district", "in_delivery_range"]
    list_filter = ["district", "in_delivery_range"]
    search_fields = ["name", "name_en"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "district_name", "phone", "address"]
    list_filter = ["town__district", "town__in_delivery_range"]
    search_fields = ["name", "name_en", "address"]
    list_select_related = ["town__district"]
    autocomplete_fields = ["town"]

    @admin.display(description=_("district"), ordering="town__district__sort_order")
    def district_name(self, obj: Community) -> str:
        return obj.town.district.display_name

    def get_queryset(self, request):
        # Committee staff see their own community only.
        queryset = super().get_queryset(request)
        if in_group(request.user, roles.COMMITTEE_STAFF):
            return queryset.filter(pk=request.user.community_id)
        return queryset


@admin.register(ReservationWindow)
class ReservationWindowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "district", "opens_at", "closes_at"]
    list_filter = ["district"]


@admin.register(CampaignConfig)
class CampaignConfigAdmin(admin.ModelAdmin):
    """One row: the list goes straight to it; it cannot be added twice or deleted."""

    fieldsets = [
        (_("Campaign"), {"fields": ["start_date", "committee_registration_deadline"]}),
        (_("Product"), {"fields": ["product_name", "pack_size", "unit_price"]}),
        (
            _("Draws"),
            {
                "fields": [
                    "first_draw_after_days",
                    "draw_interval_days",
                    "draw_time",
                    "pool_cutoff_days_before",
                    "pool_cutoff_time",
                ]
            },
        ),
        (
            _("Purchase and delivery"),
            {
                "fields": [
                    "purchase_opens_at",
                    "purchase_window_hours",
                    "cooldown_days",
                    "pickup_cutoff_time",
                    "pickup_delivery_time",
                ]
            },
        ),
        (_("Hotline"), {"fields": ["city_hotline", "city_hotline_name", "city_hotline_name_en"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not CampaignConfig.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        config = CampaignConfig.objects.first()
        if config is not None:
            return HttpResponseRedirect(
                reverse("admin:reservations_campaignconfig_change", args=[config.pk])
            )
        return super().changelist_view(request, extra_context)


@admin.register(OtherArea)
class OtherAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "phone", "sort_order"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "short_text", "contact", "language", "read_at", "read_by"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "language"]
    search_fields = ["text", "contact"]
    readonly_fields = ["text", "contact", "language", "created_at", "read_at", "read_by"]
    actions = ["mark_read"]
    date_hierarchy = "created_at"

    @admin.display(description=_("comment or suggestion"))
    def short_text(self, obj: Suggestion) -> str:
        return obj.text if len(obj.text) <= 60 else obj.text[:60] + "…"

    @admin.action(description=_("Mark as read"), permissions=["change"])
    def mark_read(self, request, queryset) -> None:
        count = queryset.filter(read_at__isnull=True).update(
            read_at=timezone.now(), read_by=request.user
        )
        self.message_user(request, _("%(count)d marked as read.") % {"count": count})

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "phone", "is_staff", "community", "pickup_point"]
    list_filter = ["is_staff", "is_superuser", "groups"]
    search_fields = ["username", "phone"]
    autocomplete_fields = ["community"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Where this person works"), {"fields": ["phone", "community", "pickup_point"]}),
    ]

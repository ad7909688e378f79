from django.contrib import admin

from city import roles
from city.admin import AllowListedLookupsMixin, in_group
from pickup.models import PickupPoint, PickupStaff
from pickup.selectors import staff_point_id


@admin.register(PickupPoint)
class PickupPointAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "district", "address", "phone"]

    def get_queryset(self, request):
        # Pickup staff see their own point only.
        queryset = super().get_queryset(request).select_related("district")
        if in_group(request.user, roles.PICKUP_STAFF):
            return queryset.filter(pk=staff_point_id(user=request.user))
        return queryset


@admin.register(PickupStaff)
class PickupStaffAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    """Officials say who works at which point; the point scopes what that person sees."""

    list_display = ["user", "point"]
    list_filter = ["point"]
    list_select_related = ["user", "point"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username"]

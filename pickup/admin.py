from django.contrib import admin

from pickup.models import PickupPoint
from reservations import roles
from reservations.admin import AllowListedLookupsMixin, in_group


@admin.register(PickupPoint)
class PickupPointAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "district", "address", "phone"]

    def get_queryset(self, request):
        # Pickup staff see their own point only.
        queryset = super().get_queryset(request).select_related("district")
        if in_group(request.user, roles.PICKUP_STAFF):
            return queryset.filter(pk=request.user.pickup_point_id)
        return queryset

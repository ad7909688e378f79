"""The admin pages composed above every app: committee staff's "my community's wins" and the
printable slip for each resident a committee registered (rule 10). Read-only: reservations
change only through reservations services."""

from django.contrib import admin
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from city import roles
from city.admin import AllowListedLookupsMixin, ReadOnlyMixin, in_group
from city.models import AuditEntry
from orders.models import OrderStatus
from pickup.models import ParcelState
from portal import audit, committee_views
from portal.selectors import committee_wins
from reservations.models import CommitteeWin, ReservationState
from reservations.validators import mask_name

# Whoever may view reservations may follow these wins (officials all, committee staff their own
# community's, scoped by the selector): the proxy has no permissions of its own.
VIEW_PERMISSION = "reservations.view_reservation"


@admin.register(CommitteeWin)
class CommitteeWinAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """One line per win of a resident the committee registered: what the committee needs to
    order for them and to hand the pack on."""

    list_display = [
        "number_display",
        "masked_name",
        "draw",
        "purchase_window",
        "win_state",
        "order_state",
        "parcel_state",
        "tell_the_partner",
        "slip",
    ]
    list_display_links = None
    list_filter = ["state"]
    search_fields = ["=number"]
    actions = None
    show_full_result_count = False
    # A line's own page (reachable by its address only): the reservation, never who it is.
    fields = ["number", "state", "community", "created_at", "won_at"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_queryset(self, request):
        return committee_wins(user=request.user)

    def get_ordering(self, request):
        return ["-win__draw_id", "number"]

    def get_urls(self):
        slip = self.admin_site.admin_view(committee_views.slip)
        return [
            path("slip/<int:resident_id>/", slip, name="reservations_committeewin_slip"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = dict(extra_context or {})
        if in_group(request.user, roles.COMMITTEE_STAFF):
            context["title"] = _("My community's wins")
        return super().changelist_view(request, context)

    @admin.display(description=_("reservation number"), ordering="number")
    def number_display(self, obj: CommitteeWin) -> str:
        return obj.number_display

    @admin.display(description=_("Name"))
    def masked_name(self, obj: CommitteeWin) -> str:
        return mask_name(obj.resident.name)

    @admin.display(description=_("draw"))
    def draw(self, obj: CommitteeWin):
        return obj.win_draw_id

    @admin.display(description=_("purchase window"))
    def purchase_window(self, obj: CommitteeWin) -> str:
        if obj.window_opens is None or obj.window_closes is None:
            return "–"
        opens = timezone.localtime(obj.window_opens)
        closes = timezone.localtime(obj.window_closes)
        return f"{opens:%m-%d %H:%M} – {closes:%m-%d %H:%M}"

    @admin.display(description=_("state"))
    def win_state(self, obj: CommitteeWin) -> str:
        # Every row here has a win: one still `waiting` is a win its draw has not settled onto
        # the reservation yet (moments after the draw), won all the same.
        if obj.state == ReservationState.WAITING:
            return ReservationState.WON.label
        return obj.get_state_display()

    @admin.display(description=_("order"))
    def order_state(self, obj: CommitteeWin) -> str:
        if obj.order_status is None:
            return _("not ordered yet")
        return OrderStatus(obj.order_status).label

    @admin.display(description=_("parcel"))
    def parcel_state(self, obj: CommitteeWin) -> str:
        # The selector's annotation: where the pack is on pickup's hand-over chain, if ordered
        # for a pickup point.
        state = getattr(obj, "parcel_state", None)
        return ParcelState(state).label if state else "–"

    @admin.display(description=_("tell the partner"))
    def tell_the_partner(self, obj: CommitteeWin) -> str:
        # One committee phone serves many residents: the partner needs the number too.
        return _("phone %(phone)s, reservation number %(number)s") % {
            "phone": obj.phone,  # as the reservation recorded it: the committee's phone
            "number": obj.number_display,
        }

    @admin.display(description=_("slip"))
    def slip(self, obj: CommitteeWin) -> str:
        url = reverse("admin:reservations_committeewin_slip", args=[obj.resident_id])
        return format_html('<a href="{}">{}</a>', url, _("Print the slip"))


@admin.register(AuditEntry)
class AuditTrailAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """The audit page (`portal.audit`): the admin's log, staff's changes through services and
    commands, and the draw logs in one timeline. Whoever may view audit entries sees it
    (officials and notaries); nobody changes or deletes an entry (the database refuses too)."""

    actions = None

    def changelist_view(self, request, extra_context=None):
        return audit.audit_view(request, self)

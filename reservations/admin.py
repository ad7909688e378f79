from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from city import roles
from city.admin import AllowListedLookupsMixin, MaskedLogMixin, SafeActionsMixin, in_group
from city.errors import Refused
from city.selectors import campaign_get
from reservations.forms import CommitteeResidentForm, ResidentAdminForm
from reservations.models import LIVE_STATES, Reservation, ReservationState, Resident, User
from reservations.services import (
    committee_reservation_cancel,
    committee_reservation_create,
    committee_resident_register,
    staff_account_deactivate,
)


@admin.register(User)
class UserAdmin(AllowListedLookupsMixin, MaskedLogMixin, SafeActionsMixin, BaseUserAdmin):
    """Accounts are deactivated, never deleted: the admin's log, the audit trail and the draw
    logs keep naming them (the database refuses deleting a staff account too)."""

    list_display = ["username", "phone", "is_staff", "is_active", "community"]
    list_filter = ["is_staff", "is_active", "is_superuser", "groups"]
    search_fields = ["username", "phone"]
    autocomplete_fields = ["community"]
    actions = ["deactivate"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Where this person works"), {"fields": ["phone", "community"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Deactivate the selected accounts"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        count = 0
        for user in queryset:
            try:
                count += staff_account_deactivate(actor=request.user, user=user)
            except Refused as refusal:
                self.message_user(request, f"{user.username}: {refusal.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "%(count)d account deactivated: it can no longer sign in.",
                "%(count)d accounts deactivated: they can no longer sign in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class StaffLoginForm(AdminAuthenticationForm):
    """The admin sign-in, saying plainly how long to wait when the throttle refused an attempt
    (`reservations.auth`), in words that are the same whether the account exists or not."""

    def get_invalid_login_error(self):
        seconds = getattr(self.request, "sign_in_wait", None)
        if seconds:
            minutes = -(-seconds // 60)
            return ValidationError(
                ngettext(
                    "Too many failed sign-ins. Please try again in %(minutes)d minute.",
                    "Too many failed sign-ins. Please try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        return super().get_invalid_login_error()


admin.site.login_form = StaffLoginForm


class LiveReservationFilter(admin.SimpleListFilter):
    title = _("reservation")
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("yes", _("has a live reservation")), ("no", _("no live reservation"))]

    def queryset(self, request, queryset):
        live = Reservation.objects.filter(resident=OuterRef("pk"), state__in=LIVE_STATES)
        if self.value() == "yes":
            return queryset.filter(Exists(live))
        if self.value() == "no":
            return queryset.exclude(Exists(live))
        return queryset


@admin.register(Resident)
class ResidentAdmin(AllowListedLookupsMixin, MaskedLogMixin, SafeActionsMixin, admin.ModelAdmin):
    """Committee staff register special-group residents of their own community and reserve for
    them; officials read. Document numbers are never shown: only the masked form."""

    list_display = [
        "display_name",
        "category",
        "document_masked",
        "community",
        "level",
        "live_number",
    ]
    list_filter = ["category", LiveReservationFilter, "level"]
    search_fields = ["name", "=document_masked"]
    list_select_related = ["community"]
    actions = ["reserve_on_behalf", "cancel_on_behalf"]
    form = ResidentAdminForm
    fields = [
        "name",
        "category",
        "document_type",
        "document_masked",
        "level",
        "method",
        "verified_at",
        "community",
        "street_address",
        "registered_by",
    ]
    readonly_fields = [
        "document_type",
        "document_masked",
        "level",
        "method",
        "verified_at",
        "community",
        "street_address",
        "registered_by",
    ]
    show_full_result_count = False

    @admin.display(description=_("name"))
    def display_name(self, obj: Resident) -> str:
        return str(obj)

    @admin.display(description=_("live reservation"))
    def live_number(self, obj: Resident) -> str:
        return f"{obj.live_number:08d}" if obj.live_number else "–"

    def get_queryset(self, request):
        live = Reservation.objects.filter(resident=OuterRef("pk"), state__in=LIVE_STATES)
        queryset = (
            super().get_queryset(request).annotate(live_number=Subquery(live.values("number")[:1]))
        )
        if in_group(request.user, roles.COMMITTEE_STAFF):
            # Their own community's residents, and nobody else's; no community, nobody.
            if request.user.community_id is None:
                return queryset.none()
            return queryset.filter(community_id=request.user.community_id)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        if in_group(request.user, roles.COMMITTEE_STAFF) and obj and obj.committee_registered:
            return self.readonly_fields
        return self.fields  # self-registered residents' records are theirs to change

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.committee_registered:
            # A committee's resident is known by name and special group (the database's
            # resident_has_account_or_committee): emptied, the save would fail, not the form.
            for name in ("name", "category"):
                if name in form.base_fields:
                    form.base_fields[name].required = True
        return form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @method_decorator(sensitive_post_parameters("document_number"))
    def add_view(self, request, form_url="", extra_context=None):
        """Register a special-group resident through the service, not a plain model form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CommitteeResidentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                resident = committee_resident_register(
                    staff=request.user,
                    name=data["name"],
                    document_type=data["document_type"],
                    document_number=data["document_number"],
                    category=data["category"],
                    now=timezone.now(),
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                self.log_addition(request, resident, [{"added": {}}])
                self.message_user(
                    request,
                    _("%(name)s is registered (%(document)s).")
                    % {"name": resident.name, "document": resident.document_masked},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:reservations_resident_changelist"))
        if request.method == "POST":
            form.data = form.data.copy()
            form.data["document_number"] = ""  # never echoed back into the page
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a resident"),
            "form": form,
            "opts": self.model._meta,
            "community": request.user.community,
            "deadline": campaign_get().committee_registration_deadline,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/reservations/register_resident.html", context)

    def _on_behalf(self, request, queryset, service, done: str) -> None:
        """Run a committee service for each selected resident, reporting each outcome."""
        now = timezone.now()
        for resident in queryset:
            try:
                reservation = service(staff=request.user, resident=resident, now=now)
            except Refused as refusal:
                self.message_user(request, f"{resident}: {refusal.message}", messages.ERROR)
            else:
                text = done % {"name": resident, "number": reservation.number_display}
                self.message_user(request, text, messages.SUCCESS)

    @admin.action(description=_("Reserve on their behalf"), permissions=["change"])
    def reserve_on_behalf(self, request, queryset) -> None:
        self._on_behalf(
            request,
            queryset,
            committee_reservation_create,
            _("%(name)s: reservation %(number)s."),
        )

    @admin.action(description=_("Cancel their waiting reservation"), permissions=["change"])
    def cancel_on_behalf(self, request, queryset):
        """Cancelling cannot be undone: like Django's delete, a page first says whose
        reservation goes and what follows, and only its POST with post=yes cancels. The way
        back is a link, not a script."""
        if request.POST.get("post") == "yes":
            self._on_behalf(
                request,
                queryset,
                committee_reservation_cancel,
                _("%(name)s: reservation %(number)s cancelled."),
            )
            return None
        residents = list(queryset)
        waiting = dict(
            Reservation.objects.filter(
                resident__in=residents, state=ReservationState.WAITING
            ).values_list("resident_id", "number")
        )
        rows = [
            {
                "pk": resident.pk,
                "name": resident.masked_repr(),
                "document": resident.document_masked,
                "number": f"{waiting[resident.pk]:08d}" if resident.pk in waiting else None,
            }
            for resident in residents
        ]
        today = timezone.localdate()
        deadline = campaign_get().committee_registration_deadline
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel their waiting reservation?"),
            "opts": self.model._meta,
            "rows": rows,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "deadline": deadline,
            "deadline_passed": today > deadline,
        }
        return TemplateResponse(
            request, "admin/reservations/resident/cancel_on_behalf_confirmation.html", context
        )


class WonFilter(admin.SimpleListFilter):
    """By the draw's record of wins, which a draw writes as it commits; the state column says
    `won` only once the draw's wins are settled, moments later."""

    title = _("won in a draw")
    parameter_name = "won"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(win__isnull=False)
        if self.value() == "no":
            return queryset.filter(win__isnull=True)
        return queryset


@admin.register(Reservation)
class ReservationAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
    list_display = [
        "number_display",
        "state",
        "district",
        "town",
        "by_committee",
        "created_at",
        "won_at",
        "won_in_draw",
    ]
    list_filter = ["state", WonFilter, "district", "by_committee"]
    search_fields = ["=number"]
    list_select_related = ["district", "town", "win"]
    show_full_result_count = False

    @admin.display(description=_("reservation number"), ordering="number")
    def number_display(self, obj: Reservation) -> str:
        return obj.number_display

    # The draw's record of the win (Win): there the moment a draw commits, while the
    # state column follows once the draw's wins are settled, moments later.
    @admin.display(description=_("won in draw"))
    def won_in_draw(self, obj: Reservation):
        win = getattr(obj, "win", None)
        return win.draw_id if win is not None else None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if in_group(request.user, roles.COMMITTEE_STAFF):
            # By the reservation's own community, as it was when made.
            if request.user.community_id is None:
                return queryset.none()
            return queryset.filter(community_id=request.user.community_id)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

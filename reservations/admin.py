from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.filters import FieldListFilter, SimpleListFilter
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Field, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from reservations import roles
from reservations.forms import CommitteeResidentForm
from reservations.models import (
    LIVE_STATES,
    CampaignConfig,
    Community,
    District,
    OtherArea,
    Reservation,
    ReservationWindow,
    Resident,
    Suggestion,
    Town,
    User,
)
from reservations.selectors import campaign_get
from reservations.services import (
    Refused,
    committee_reservation_cancel,
    committee_reservation_create,
    committee_resident_register,
)

admin.site.site_header = _("Puhui masks administration")
admin.site.site_title = _("Puhui masks")
admin.site.index_title = _("Administration")


def in_group(user, group_name: str) -> bool:
    return not user.is_superuser and user.groups.filter(name=group_name).exists()


class SafeActionsMixin:
    """Selected ids that are not numbers are dropped, instead of failing the whole request."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if any(not value.isdigit() for value in selected):
            request.POST = request.POST.copy()
            request.POST.setlist(
                admin.helpers.ACTION_CHECKBOX_NAME, [v for v in selected if v.isdigit()]
            )
        return super().response_action(request, queryset)


class AllowListedLookupsMixin:
    """The changelist takes only the query parameters its own filters and date hierarchy make
    (and Django's raw-id popups' `limit_choices_to`), not a lookup on any field: otherwise
    `?text__contains=4` or `__gt` answer yes or no about a value the page never shows, and a
    hidden value is read one character at a time. Search (`?q=`) is governed by
    `search_fields`. A refused lookup is Django's DisallowedModelAdminLookup: a 400."""

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Django's own allowance for ForeignKeyRawIdWidget popups, on limit_choices_to.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return lookup in self.allowed_lookups(request)

    def allowed_lookups(self, request) -> frozenset[str]:
        """The parameters of each filter offered, built as ChangeList.get_filters builds them.
        They depend on the filters, not on the data: worked out once per set of filters (the
        filters' own queries are not run again on every filtered page)."""
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        key = tuple(tuple(item) if isinstance(item, list) else item for item in list_filter)
        cache = self.__dict__.setdefault("_allowed_lookups", {})
        if key not in cache:
            cache[key] = frozenset(self._filter_parameters(request, list_filter))
        return cache[key]

    def _filter_parameters(self, request, list_filter):
        if self.date_hierarchy:
            # Drill-down by year, month, day; and the bounds Django turns them into, which its
            # own "clear all filters" link then carries.
            parts = ("year", "month", "day", "gte", "lt")
            yield from (f"{self.date_hierarchy}__{part}" for part in parts)
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                yield item.parameter_name  # without running its lookups()
            elif callable(item):
                yield from item(request, {}, self.model, self).expected_parameters()
            else:
                field, filter_class = item if isinstance(item, (list, tuple)) else (item, None)
                filter_class = filter_class or FieldListFilter.create
                path = None
                if not isinstance(field, Field):
                    path, field = field, get_fields_from_path(self.model, field)[-1]
                spec = filter_class(field, request, {}, self.model, self, field_path=path)
                yield from spec.expected_parameters()


class ReadOnlyMixin:
    """A record kept by services (an order, a draw log, a pause): shown, never added, edited or
    deleted in the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TownInline(admin.TabularInline):
    model = Town
    fields = ["name", "name_en", "in_delivery_range"]
    extra = 0
    show_change_link = True


@admin.register(District)
class DistrictAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "sort_order"]
    inlines = [TownInline]


@admin.register(Town)
class TownAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "district", "in_delivery_range"]
    list_filter = ["district", "in_delivery_range"]
    search_fields = ["name", "name_en"]


@admin.register(Community)
class CommunityAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
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
class ReservationWindowAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["__str__", "district", "opens_at", "closes_at"]
    list_filter = ["district"]


@admin.register(CampaignConfig)
class CampaignConfigAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
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
                    "lapse_reminder_hours",
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
class OtherAreaAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "phone", "sort_order"]


@admin.register(Suggestion)
class SuggestionAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
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
class UserAdmin(AllowListedLookupsMixin, BaseUserAdmin):
    list_display = ["username", "phone", "is_staff", "community", "pickup_point"]
    list_filter = ["is_staff", "is_superuser", "groups"]
    search_fields = ["username", "phone"]
    autocomplete_fields = ["community"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Where this person works"), {"fields": ["phone", "community", "pickup_point"]}),
    ]


# django.contrib.auth registers groups with a plain GroupAdmin: the same allow-list here.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AllowListedLookupsMixin, BaseGroupAdmin):
    pass


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
class ResidentAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
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
    def cancel_on_behalf(self, request, queryset) -> None:
        self._on_behalf(
            request,
            queryset,
            committee_reservation_cancel,
            _("%(name)s: reservation %(number)s cancelled."),
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

    # The draw's record of the win (lottery.Win): there the moment a draw commits, while the
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

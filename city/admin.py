"""The admin's shared helpers (every app's admin uses them), and the pages of the reference
data, the campaign configuration, suggestions and the roles' groups."""

import json

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.filters import FieldListFilter, SimpleListFilter
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Field
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from city import roles
from city.models import (
    CampaignConfig,
    Community,
    District,
    OtherArea,
    ReservationWindow,
    Suggestion,
    Town,
)
from city.selectors import masked_repr

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


class MaskedLogMixin:
    """The admin's log (LogEntry) names each record it logs as the audit trail does,
    `city.selectors.masked_repr`: a resident by the masked name, an account without its phone.
    Django writes `str(obj)` there (`LogEntryManager.log_actions`), and the log is kept for
    good (append-only), so a model whose `__str__` holds personal data defines `masked_repr()`
    and its admin has this mixin (tests/portal/test_audit.py checks every registered admin)."""

    def _log_entry(self, request, obj, action_flag: int, message) -> LogEntry:
        if isinstance(message, list):
            message = json.dumps(message)
        return LogEntry.objects.create(
            user_id=request.user.pk,
            content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
            object_id=str(obj.pk),
            object_repr=masked_repr(obj),
            action_flag=action_flag,
            change_message=message,
        )

    def log_addition(self, request, obj, message) -> LogEntry:
        return self._log_entry(request, obj, ADDITION, message)

    def log_change(self, request, obj, message) -> LogEntry:
        return self._log_entry(request, obj, CHANGE, message)

    def log_deletions(self, request, queryset) -> list[LogEntry]:
        return [self._log_entry(request, obj, DELETION, "") for obj in queryset]


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
    list_display = ["name", "town", "district_name", "phone", "sms_phone", "address"]
    # Which committees no SMS reaches yet (no mobile number for messages).
    list_filter = [
        "town__district",
        "town__in_delivery_range",
        ("sms_phone", admin.EmptyFieldListFilter),
    ]
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
    list_display = ["__str__", "district", "opens_at", "closes_at", "is_demo"]
    list_filter = ["district", "is_demo"]


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
        # Only for those who may see it: others get Django's own refusal, not a redirect.
        if config is not None and self.has_view_or_change_permission(request):
            return HttpResponseRedirect(
                reverse("admin:city_campaignconfig_change", args=[config.pk])
            )
        return super().changelist_view(request, extra_context)


@admin.register(OtherArea)
class OtherAreaAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "phone", "sort_order"]


@admin.register(Suggestion)
class SuggestionAdmin(AllowListedLookupsMixin, MaskedLogMixin, SafeActionsMixin, admin.ModelAdmin):
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


# django.contrib.auth registers groups with a plain GroupAdmin: the same allow-list here.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AllowListedLookupsMixin, BaseGroupAdmin):
    pass

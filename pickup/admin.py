import csv
from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from city import roles
from city.admin import AllowListedLookupsMixin, SafeActionsMixin, in_group
from city.errors import Refused
from city.inputs import PlainMessages
from pickup.models import (
    Batch,
    CollectAtPoint,
    Parcel,
    ParcelState,
    ParcelStep,
    PickupPoint,
    PickupStaff,
)
from pickup.selectors import (
    HELD_STATES,
    batches_with_counts,
    collect_deadline,
    discrepancies,
    manifest,
    overdue_filter,
    parcel_counts,
    staff_point_id,
    staff_scoped,
)
from pickup.services import Scope, Step, batch_receive, numbers_parse, parcel_found, parcels_step
from reservations.validators import mask_name


def _post_only(view):
    """A form's target: a POST records; anything else is sent back to the page of the form
    (the batch, or the parcels), where the form is."""

    @wraps(view)
    def wrapped(request, batch_id: int | None = None):
        if request.method != "POST":
            if batch_id is None:
                return HttpResponseRedirect(reverse("admin:pickup_parcel_changelist"))
            return HttpResponseRedirect(reverse("admin:pickup_batch_detail", args=[batch_id]))
        return view(request, batch_id) if batch_id is not None else view(request)

    return wrapped


# Which steps each role records, and where: pickup staff on their batch's page, committee
# staff on their community's parcels.
BATCH_STEPS = [Step.TO_TOWN, Step.COLLECT_AT_POINT]
COMMITTEE_STEPS = [Step.TO_COMMITTEE, Step.COLLECT]
STEP_LABELS = {
    Step.TO_TOWN: _("Handed to the town government"),
    Step.TO_COMMITTEE: _("Received by the committee from the town"),
    Step.COLLECT: _("Collected by the resident"),
    Step.COLLECT_AT_POINT: _("Collected by the resident at the point"),
}


@admin.register(PickupPoint)
class PickupPointAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "district", "address", "phone", "collect_within_days"]

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


@admin.register(CollectAtPoint)
class CollectAtPointAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    """Towns whose residents collect their parcels at the point itself (the point's decision)."""

    list_display = ["town", "point"]
    list_select_related = ["town", "point"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if in_group(request.user, roles.PICKUP_STAFF):
            return queryset.filter(point_id=staff_point_id(user=request.user))
        return queryset


def _parcels_scoped(request, queryset):
    """Committee staff: their community's parcels; pickup staff: their point's; others all."""
    return staff_scoped(
        queryset, user=request.user, community_field="community_id", point_field="batch__point_id"
    )


def _numbers(text: str) -> list[int] | None:
    """The typed or scanned numbers, or None when the field was left empty (the whole scope)."""
    return numbers_parse(text) if text.strip() else None


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _refusal(request, refusal: Refused) -> None:
    messages.error(request, refusal.message)


def _recorded(request, step: Step, count: int) -> None:
    messages.success(
        request,
        gettext("%(step)s: recorded for %(count)d parcels.")
        % {"step": STEP_LABELS[step], "count": count},
    )


class ReceiptForm(PlainMessages, forms.Form):
    missing = forms.CharField(
        label=_("Winning numbers missing from the delivery (one per line; empty if none)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NumbersForm(PlainMessages, forms.Form):
    numbers = forms.CharField(
        label=_("Winning numbers (typed or scanned, one per line or separated by commas)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(Batch)
class BatchAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    """A point's delivery of one day. Pickup staff see their own point's, officials every
    point's; the page of one batch shows it per town and community, with its manifest, the
    receipt and the hand-over steps."""

    list_display = [
        "batch_link",
        "point",
        "count_awaiting",
        "count_at_point",
        "count_at_town",
        "count_at_committee",
        "count_collected",
        "count_missing",
        "received_at",
    ]
    list_display_links = None
    list_filter = ["point"]
    show_full_result_count = False
    change_list_template = "admin/pickup/batch_change_list.html"

    def get_queryset(self, request):
        point_id = None
        if in_group(request.user, roles.PICKUP_STAFF):
            point_id = staff_point_id(user=request.user)
            if point_id is None:
                return Batch.objects.none()
        return batches_with_counts(point_id=point_id)

    def get_list_filter(self, request):
        # A point's staff have one point: no filter naming the others.
        return [] if in_group(request.user, roles.PICKUP_STAFF) else self.list_filter

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Steps change a batch through services; there is no form to edit one.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("delivery date"), ordering="delivery_date")
    def batch_link(self, obj: Batch) -> str:
        url = reverse("admin:pickup_batch_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, f"{obj.delivery_date:%Y-%m-%d}")

    @admin.display(description=ParcelState.AWAITING.label)
    def count_awaiting(self, obj) -> int:
        return obj.n_awaiting

    @admin.display(description=ParcelState.AT_POINT.label)
    def count_at_point(self, obj) -> int:
        return obj.n_at_point

    @admin.display(description=ParcelState.AT_TOWN.label)
    def count_at_town(self, obj) -> int:
        return obj.n_at_town

    @admin.display(description=ParcelState.AT_COMMITTEE.label)
    def count_at_committee(self, obj) -> int:
        return obj.n_at_committee

    @admin.display(description=ParcelState.COLLECTED.label)
    def count_collected(self, obj) -> int:
        return obj.n_collected

    @admin.display(description=_("missing"))
    def count_missing(self, obj) -> int:
        return obj.n_missing

    def changelist_view(self, request, extra_context=None):
        point_id = None
        if in_group(request.user, roles.PICKUP_STAFF):
            point_id = staff_point_id(user=request.user)
        counts = parcel_counts(now=timezone.now(), point_id=point_id)
        return super().changelist_view(request, {"parcel_counts": counts, **(extra_context or {})})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:batch_id>/", wrap(self.detail_view), name="pickup_batch_detail"),
            path(
                "<int:batch_id>/manifest/", wrap(self.manifest_view), name="pickup_batch_manifest"
            ),
            path(
                "<int:batch_id>/manifest.csv",
                wrap(self.manifest_csv),
                name="pickup_batch_manifest_csv",
            ),
            path(
                "<int:batch_id>/receive/",
                wrap(_post_only(self.receive_view)),
                name="pickup_batch_receive",
            ),
            path(
                "<int:batch_id>/found/",
                wrap(_post_only(self.found_view)),
                name="pickup_batch_found",
            ),
            path(
                "<int:batch_id>/step/",
                wrap(_post_only(self.step_view)),
                name="pickup_batch_step",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied  # refused here, not sent on to a page that refuses
        if not object_id.isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("admin:pickup_batch_detail", args=[object_id]))

    def _batch(self, request, batch_id: int, *, change: bool = False) -> Batch:
        """The batch, if this person may see it (another point's is not found), and change it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(self.get_queryset(request), pk=batch_id)
        if change and not self.has_change_permission(request):
            raise PermissionDenied
        return batch

    def detail_view(self, request, batch_id: int):
        batch = self._batch(request, batch_id)
        now = timezone.now()
        towns = manifest(batch_id=batch.pk, now=now)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(batch),
            "batch": batch,
            "towns": towns,
            "can_change": self.has_change_permission(request),
            "receipt_form": ReceiptForm(),
            "numbers_form": NumbersForm(),
            "found_form": NumbersForm(auto_id="found_%s"),
            "steps": [(step.value, STEP_LABELS[step]) for step in BATCH_STEPS],
            "discrepancies": discrepancies().filter(batch=batch).count(),
            "states": ParcelState,
        }
        return TemplateResponse(request, "admin/pickup/batch_detail.html", context)

    def manifest_view(self, request, batch_id: int):
        batch = self._batch(request, batch_id)
        context = {
            "batch": batch,
            "towns": manifest(batch_id=batch.pk, now=timezone.now()),
            "title": gettext("Manifest"),
        }
        return TemplateResponse(request, "admin/pickup/manifest.html", context)

    def manifest_csv(self, request, batch_id: int) -> HttpResponse:
        """The manifest for spreadsheets: UTF-8 with a BOM (Chinese opens correctly), a header
        row, masked names and phones, no ID number."""
        batch = self._batch(request, batch_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"manifest-{batch.pk}-{batch.delivery_date:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            [
                gettext("delivery date"),
                gettext("pickup point"),
                gettext("town"),
                gettext("community"),
                gettext("winning number"),
                gettext("name"),
                gettext("phone"),
                gettext("committee"),
                gettext("state"),
                gettext("missing"),
            ]
        )
        for town in manifest(batch_id=batch.pk, now=timezone.now()):
            for group in town.communities:
                for row in group.rows:
                    writer.writerow(
                        [
                            f"{batch.delivery_date:%Y-%m-%d}",
                            batch.point.name,
                            town.town.name,
                            group.community.name,
                            row.number,
                            row.name,
                            row.phone,
                            row.committee,
                            row.state,
                            gettext("yes") if row.missing else "",
                        ]
                    )
        return response

    def _back(self, batch: Batch) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:pickup_batch_detail", args=[batch.pk]))

    def receive_view(self, request, batch_id: int):
        batch = self._batch(request, batch_id, change=True)
        try:
            numbers = numbers_parse(request.POST.get("missing", ""))
            arrived = batch_receive(
                batch=batch, missing_numbers=numbers, staff=request.user, now=timezone.now()
            )
        except Refused as refusal:
            _refusal(request, refusal)
        else:
            messages.success(
                request,
                gettext("Received: %(arrived)d parcels at the point, %(missing)d missing.")
                % {"arrived": arrived, "missing": len(numbers)},
            )
        return self._back(batch)

    def found_view(self, request, batch_id: int):
        batch = self._batch(request, batch_id, change=True)
        try:
            numbers = numbers_parse(request.POST.get("numbers", ""))
            found = parcel_found(
                batch=batch, numbers=numbers, staff=request.user, now=timezone.now()
            )
        except Refused as refusal:
            _refusal(request, refusal)
        else:
            messages.success(
                request, gettext("Found: %(count)d parcels at the point.") % {"count": found}
            )
        return self._back(batch)

    def step_view(self, request, batch_id: int):
        batch = self._batch(request, batch_id, change=True)
        if not (request.user.is_superuser or in_group(request.user, roles.PICKUP_STAFF)):
            raise PermissionDenied
        try:
            step = Step(request.POST.get("step", ""))
        except ValueError:
            step = None
        if step not in BATCH_STEPS:
            raise PermissionDenied
        scope = Scope(
            batch_id=batch.pk,
            town_id=_int_or_none(request.POST.get("town")),
            community_id=_int_or_none(request.POST.get("community")),
        )
        try:
            numbers = _numbers(request.POST.get("numbers", ""))
            if numbers is None and scope.town_id is None and scope.community_id is None:
                raise Refused("no_numbers", gettext("Type or scan at least one winning number."))
            count = parcels_step(
                step=step, scope=scope, numbers=numbers, staff=request.user, now=timezone.now()
            )
        except Refused as refusal:
            _refusal(request, refusal)
        else:
            _recorded(request, step, count)
        return self._back(batch)


class ParcelStepInline(admin.TabularInline):
    model = ParcelStep
    fields = ["at", "source", "target", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # whoever sees the parcel (its admin scopes that) sees its steps

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("collection")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("not collected in time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_filter(now=timezone.now()))
        return queryset


class DiscrepancyFilter(admin.SimpleListFilter):
    title = _("discrepancy")
    parameter_name = "discrepancy"

    def lookups(self, request, model_admin):
        return [("yes", _("reported delivered, listed missing"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(missing=True, reported_delivered_at__isnull=False)
        return queryset


@admin.register(Parcel)
class ParcelAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
    """Parcels, scoped: committee staff see their community's and record the last two steps
    (received from the town, collected), for the whole community, typed numbers or the rows
    selected; pickup staff see their point's, officials every one."""

    list_display = [
        "number",
        "name",
        "town",
        "community",
        "state",
        "missing",
        "delivery_date",
        "overdue",
    ]
    list_filter = ["state", OverdueFilter, "missing", DiscrepancyFilter]
    search_fields = ["=reservation__number"]
    fields = [
        "number",
        "name",
        "batch",
        "town",
        "community",
        "state",
        "missing",
        "reported_delivered_at",
        "arrived_at",
        "placed_at",
        "state_at",
    ]
    readonly_fields = fields
    inlines = [ParcelStepInline]
    actions = ["record_to_committee", "record_collect"]
    change_list_template = "admin/pickup/parcel_change_list.html"
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("reservation__resident", "town", "community", "batch__point")
            .annotate(deadline=collect_deadline())
        )
        return _parcels_scoped(request, queryset)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # A parcel moves through its steps only (the actions, the step forms); no edit form.
        return obj is None and super().has_change_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._records_committee_steps(request):
            actions.pop("record_to_committee", None)
            actions.pop("record_collect", None)
        return actions

    @staticmethod
    def _records_committee_steps(request) -> bool:
        return request.user.is_superuser or in_group(request.user, roles.COMMITTEE_STAFF)

    @admin.display(description=_("winning number"), ordering="reservation__number")
    def number(self, obj: Parcel) -> str:
        return obj.reservation.number_display

    @admin.display(description=_("name"))
    def name(self, obj: Parcel) -> str:
        return mask_name(obj.reservation.resident.name)

    @admin.display(description=_("delivery date"), ordering="batch__delivery_date")
    def delivery_date(self, obj: Parcel) -> str:
        return f"{obj.batch.delivery_date:%Y-%m-%d}"

    @admin.display(description=_("not collected in time"), boolean=True)
    def overdue(self, obj: Parcel) -> bool:
        return obj.state in HELD_STATES and obj.deadline < timezone.now()

    def _act(self, request, queryset, step: Step) -> None:
        numbers = list(queryset.values_list("reservation__number", flat=True))
        self._record(request, step, numbers)

    def _record(self, request, step: Step, numbers: list[int] | None) -> None:
        scope = Scope(community_id=request.user.community_id)
        if request.user.is_superuser and numbers is None:
            raise PermissionDenied  # the whole of which community?
        try:
            count = parcels_step(
                step=step, scope=scope, numbers=numbers, staff=request.user, now=timezone.now()
            )
        except Refused as refusal:
            _refusal(request, refusal)
        else:
            _recorded(request, step, count)

    @admin.action(
        description=_("Record: received by the committee from the town"), permissions=["change"]
    )
    def record_to_committee(self, request, queryset) -> None:
        self._act(request, queryset, Step.TO_COMMITTEE)

    @admin.action(description=_("Record: collected by the resident"), permissions=["change"])
    def record_collect(self, request, queryset) -> None:
        self._act(request, queryset, Step.COLLECT)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("step/", wrap(_post_only(self.step_view)), name="pickup_parcel_step"),
            *super().get_urls(),
        ]

    def step_view(self, request):
        if not (self.has_change_permission(request) and self._records_committee_steps(request)):
            raise PermissionDenied
        try:
            step = Step(request.POST.get("step", ""))
        except ValueError:
            step = None
        if step not in COMMITTEE_STEPS:
            raise PermissionDenied
        try:
            numbers = _numbers(request.POST.get("numbers", ""))
        except Refused as refusal:
            _refusal(request, refusal)
        else:
            self._record(request, step, numbers)
        return HttpResponseRedirect(reverse("admin:pickup_parcel_changelist"))

    def changelist_view(self, request, extra_context=None):
        context = {
            "committee_steps": (
                [(step.value, STEP_LABELS[step]) for step in COMMITTEE_STEPS]
                if self._records_committee_steps(request) and self.has_change_permission(request)
                else []
            ),
            "numbers_form": NumbersForm(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

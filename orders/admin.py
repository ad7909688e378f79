import csv

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from city.admin import AllowListedLookupsMixin, ReadOnlyMixin, SafeActionsMixin
from city.inputs import PlainMessages
from city.phones import mask_phone
from orders.models import Order, Partner
from orders.services import PartnerExists, partner_create, partner_revoke
from pickup.selectors import staff_scoped


class PartnerForm(PlainMessages, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)


def _cell(text: str) -> str:
    """A value a partner chose, made inert for spreadsheets: one starting like a formula would
    run as one when the file is opened."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(Partner)
class PartnerAdmin(AllowListedLookupsMixin, SafeActionsMixin, admin.ModelAdmin):
    """Officials create partners here or with `manage.py create_partner`; either shows the
    token once, and only its hash is kept."""

    list_display = ["name", "created_at", "revoked_at"]
    readonly_fields = ["name", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected partners' tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        for partner in queryset:
            partner_revoke(partner=partner, actor=request.user)

    def add_view(self, request, form_url="", extra_context=None):
        """The token is in this one answer (not a redirect, not a message in a cookie); the
        admin marks its pages never to be cached."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PartnerForm(request.POST or None)
        partner, token = None, None
        if request.method == "POST" and form.is_valid():
            try:
                partner, token = partner_create(name=form.cleaned_data["name"], actor=request.user)
            except PartnerExists:
                form.add_error("name", _("A partner with this name exists already."))
            else:
                self.log_addition(request, partner, [{"added": {}}])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a partner"),
            "form": form,
            "opts": self.model._meta,
            "partner": partner,
            "token": token,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/orders/add_partner.html", context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(AllowListedLookupsMixin, ReadOnlyMixin, SafeActionsMixin, admin.ModelAdmin):
    """Orders as partners reported them; read-only (the partner API changes them). Officials
    see all; committee staff their community's residents'; pickup staff their point's."""

    list_display = [
        "order_id",
        "number",
        "district",
        "town",
        "status",
        "fulfilment",
        "pickup_point",
        "delivery_date",
        "created_at",
        "phone",
        "partner",
    ]
    list_filter = [
        ("reservation__district", admin.RelatedOnlyFieldListFilter),
        "status",
        "fulfilment",
        "delivery_date",
        "created_at",
    ]
    list_select_related = ["reservation__district", "reservation__town", "pickup_point", "partner"]
    search_fields = ["=reservation__number", "=partner_order_id"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]
    show_full_result_count = False
    fields = [
        "partner",
        "partner_order_id",
        "number",
        "status",
        "fulfilment",
        "pickup_point",
        "delivery_date",
        "created_at",
        "dispatched_at",
        "delivered_at",
        "cancelled_at",
        "phone",
    ]
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="pk")
    def order_id(self, obj: Order) -> str:
        return str(obj.pk)

    @admin.display(description=_("reservation number"), ordering="reservation__number")
    def number(self, obj: Order) -> str:
        return obj.reservation.number_display

    @admin.display(description=_("district"))
    def district(self, obj: Order) -> str:
        return obj.reservation.district.display_name

    @admin.display(description=_("town"))
    def town(self, obj: Order) -> str:
        return obj.reservation.town.display_name

    @admin.display(description=_("phone"))
    def phone(self, obj: Order) -> str:
        return mask_phone(obj.reservation.phone)

    def get_queryset(self, request):
        return staff_scoped(
            super().get_queryset(request),
            user=request.user,
            community_field="reservation__community_id",
            point_field="pickup_point_id",
        )

    @admin.action(description=_("Export the selected orders as CSV"), permissions=["view"])
    def export_csv(self, request, queryset) -> HttpResponse:
        """No names or addresses: the masked phone is the only personal detail."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        response.write("\ufeff")  # spreadsheet programs read the Chinese as UTF-8 with it
        writer = csv.writer(response)
        writer.writerow(
            [
                gettext("order"),
                gettext("partner"),
                gettext("partner's order id"),
                gettext("reservation number"),
                gettext("district"),
                gettext("town"),
                gettext("fulfilment"),
                gettext("pickup point"),
                gettext("delivery date"),
                gettext("status"),
                gettext("ordered at"),
                gettext("phone"),
            ]
        )
        rows = queryset.select_related(
            "partner", "reservation__district", "reservation__town", "pickup_point"
        ).order_by("pk")
        for order in rows.iterator(chunk_size=2000):
            writer.writerow(
                [
                    order.pk,
                    _cell(order.partner.name),
                    _cell(order.partner_order_id),
                    order.reservation.number_display,
                    order.reservation.district.name,
                    order.reservation.town.name,
                    order.fulfilment,
                    order.pickup_point.name if order.pickup_point else "",
                    order.delivery_date.isoformat(),
                    order.status,
                    timezone.localtime(order.created_at).isoformat(),
                    mask_phone(order.reservation.phone),
                ]
            )
        return response

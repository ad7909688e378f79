"""Officials and notaries in the admin: supply, the draw calendar, and each draw's ceremony.

Officials add extra draws, close pools, fix the public value and start draws; notaries commit,
reveal and sign off. Nobody else can, whatever their other permissions.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from city import roles
from city.admin import AllowListedLookupsMixin, ReadOnlyMixin, in_group
from city.errors import Refused
from lottery import selectors, services
from lottery.models import (
    POOL_OPEN_STATES,
    UNDRAWN_STATES,
    Draw,
    DrawLog,
    DrawStatus,
    SchedulePause,
    SupplyArrival,
)
from lottery.selectors import draws_coming
from lottery.tasks import progress_get


def is_official(user) -> bool:
    return user.is_active and in_group(user, roles.OFFICIAL)


def is_notary(user) -> bool:
    return user.is_active and in_group(user, roles.NOTARY)


@admin.register(SupplyArrival)
class SupplyArrivalAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = ["arrived_on", "masks", "note", "recorded_by", "created_at"]
    fields = ["arrived_on", "masks", "note"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied  # arrivals are a record: corrected by a new arrival
        created = services.supply_record(
            arrived_on=obj.arrived_on, masks=obj.masks, note=obj.note, actor=request.user
        )
        obj.pk = created.pk

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra = {
            "title": _("Supply arrivals (stock: %(packs)d packs)")
            % {"packs": selectors.stock_packs()}
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})


class DrawLogInline(admin.TabularInline):
    model = DrawLog
    fields = ["at", "actor", "action", "details"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Times far outside the campaign are typing mistakes, and near the ends of the calendar they
# would overflow when the cut-off or the purchase window is worked out from them.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def _moment_field(label, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class ExtraDrawForm(forms.Form):
    scheduled_at = _moment_field(_("Draw time"))
    pool_cutoff = _moment_field(_("Pool cut-off"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scheduled_at") and cleaned.get("pool_cutoff"):
            if cleaned["pool_cutoff"] >= cleaned["scheduled_at"]:
                raise forms.ValidationError(_("The pool must close before the draw."))
        return cleaned


class PostponeForm(forms.Form):
    scheduled_at = _moment_field(_("New draw time"))
    pool_cutoff = _moment_field(
        _("New pool cut-off (empty: the usual time the evening before)"), required=False
    )
    reason = forms.CharField(label=_("Reason, shown to residents"), max_length=200)


class PurchaseWindowForm(forms.Form):
    opens = _moment_field(_("Purchase window opens"))
    closes = _moment_field(_("Purchase window closes"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason, shown to residents"), max_length=200)


@admin.register(SchedulePause)
class SchedulePauseAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Pauses come from the schedule page, through the service."""

    list_display = ["started_at", "reason", "started_by", "ended_at", "ended_by"]
    readonly_fields = list_display


@admin.register(Draw)
class DrawAdmin(AllowListedLookupsMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "scheduled_at",
        "pool_cutoff",
        "status",
        "quota",
        "pool_size",
        "winners_count",
    ]
    list_filter = ["status", "kind"]
    inlines = [DrawLogInline]
    readonly_fields = [field.name for field in Draw._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # extra draws come from the ceremony page's own form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:draw_id>/ceremony/", view(self.ceremony_view), name="lottery_ceremony"),
            path("extra/", view(self.extra_view), name="lottery_extra_draw"),
            path("schedule/", view(self.schedule_view), name="lottery_schedule"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id.isdigit() and (is_official(request.user) or is_notary(request.user)):
            return HttpResponseRedirect(reverse("admin:lottery_ceremony", args=[object_id]))
        return super().change_view(request, object_id, form_url, extra_context)

    def extra_view(self, request):
        if not is_official(request.user):
            raise PermissionDenied
        form = ExtraDrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            draw = services.draw_add_extra(
                scheduled_at=form.cleaned_data["scheduled_at"],
                pool_cutoff=form.cleaned_data["pool_cutoff"],
                actor=request.user,
            )
            return HttpResponseRedirect(reverse("admin:lottery_ceremony", args=[draw.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add an extra draw"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/lottery/extra_draw.html", context)

    def schedule_view(self, request):
        """Officials pause and resume the regular schedule (rule 5), with a reason."""
        if not (is_official(request.user) or is_notary(request.user)):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST":
            if not is_official(request.user):
                raise PermissionDenied
            try:
                if request.POST.get("step") == "resume":
                    services.schedule_resume(actor=request.user, now=timezone.now())
                    messages.success(request, _("The schedule is resumed."))
                    return HttpResponseRedirect(request.path)
                if form.is_valid():
                    services.schedule_pause(
                        reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now()
                    )
                    messages.success(request, _("The schedule is paused."))
                    return HttpResponseRedirect(request.path)
            except Refused as refusal:
                messages.error(request, refusal.message)
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Draw schedule"),
            "opts": self.model._meta,
            "form": form,
            "official": is_official(request.user),
            "pause": selectors.schedule_pause_in_force(),
            "coming": draws_coming(),
            "stock": selectors.stock_packs(),
        }
        return TemplateResponse(request, "admin/lottery/schedule.html", context)

    def ceremony_view(self, request, draw_id: int):
        official, notary = is_official(request.user), is_notary(request.user)
        if not (official or notary):
            raise PermissionDenied
        draw = get_object_or_404(Draw, pk=draw_id)
        secret_once = None
        postpone_form = PostponeForm(
            request.POST if request.POST.get("step") == "postpone" else None
        )
        cancel_form = ReasonForm(request.POST if request.POST.get("step") == "cancel" else None)
        window_form = PurchaseWindowForm(
            request.POST if request.POST.get("step") == "purchase_window" else None,
            initial={"opens": draw.purchase_opens_at, "closes": draw.purchase_closes_at},
        )
        if request.method == "POST":
            step = request.POST.get("step", "")
            try:
                if step == "postpone" and official:
                    if postpone_form.is_valid():
                        new = services.draw_postpone(
                            draw=draw,
                            actor=request.user,
                            now=timezone.now(),
                            **postpone_form.cleaned_data,
                        )
                        messages.success(request, _("The draw is postponed."))
                        return HttpResponseRedirect(
                            reverse("admin:lottery_ceremony", args=[new.pk])
                        )
                elif step == "purchase_window" and official:
                    if window_form.is_valid():
                        services.draw_set_purchase_window(
                            draw=draw, actor=request.user, **window_form.cleaned_data
                        )
                        messages.success(request, _("The purchase window is set."))
                        return HttpResponseRedirect(request.path)
                elif step == "cancel" and official:
                    if cancel_form.is_valid():
                        services.draw_cancel(
                            draw=draw,
                            reason=cancel_form.cleaned_data["reason"],
                            actor=request.user,
                        )
                        messages.success(request, _("The draw is cancelled."))
                        return HttpResponseRedirect(request.path)
                else:
                    secret_once = self._step(request, draw, step, official=official, notary=notary)
                    if secret_once is None:
                        return HttpResponseRedirect(request.path)
            except Refused as refusal:
                messages.error(request, refusal.message)
                return HttpResponseRedirect(request.path)
            draw.refresh_from_db()
        progress = progress_get(draw.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Draw #%(id)s: ceremony") % {"id": draw.pk},
            "opts": self.model._meta,
            "draw": draw,
            "official": official,
            "notary": notary,
            "stock": selectors.stock_packs(),
            "now": timezone.now(),
            "progress": progress,
            "running": draw.status == DrawStatus.POOL_CLOSED
            and progress.get("step") not in (None, "done", "failed"),
            "secret_once": secret_once,
            "postpone_form": postpone_form,
            "cancel_form": cancel_form,
            "window_form": window_form,
            "can_set_window": draw.status in UNDRAWN_STATES,
            "can_change_plan": draw.status in POOL_OPEN_STATES,
            "can_cancel": draw.status in POOL_OPEN_STATES
            or (draw.status == DrawStatus.POOL_CLOSED and not draw.public_value_fixed),
            "commitment_late": draw.status == DrawStatus.SCHEDULED
            and timezone.now() >= draw.pool_cutoff,
            "log": draw.log.select_related("actor"),
        }
        return TemplateResponse(request, "admin/lottery/ceremony.html", context)

    def _step(self, request, draw: Draw, step: str, *, official: bool, notary: bool):
        """One ceremony step; returns a generated secret to show once, else None."""
        now = timezone.now()
        user = request.user
        if step == "commit" and notary:
            commitment = request.POST.get("commitment", "").strip() or None
            made = services.draw_commit(draw=draw, notary=user, commitment=commitment, now=now)
            messages.success(request, _("Commitment recorded."))
            return made.secret
        if step == "plan_quota" and official:
            services.draw_plan_quota(draw=draw, quota=_quota(request), actor=user)
            messages.success(request, _("The planned quota is recorded."))
        elif step == "close" and official:
            services.draw_close_pool(draw=draw, quota=_quota(request), actor=user, now=now)
            messages.success(request, _("The pool is closed and published."))
        elif step == "public_value" and official:
            services.draw_fix_public_value(
                draw=draw, value=request.POST.get("public_value", ""), actor=user
            )
            messages.success(request, _("The public value is fixed."))
        elif step == "reveal" and notary:
            services.draw_reveal(draw=draw, secret=request.POST.get("secret", ""), notary=user)
            messages.success(request, _("The secret is revealed and matches the commitment."))
        elif step == "start" and official:
            services.draw_start(draw=draw, actor=user)
            messages.success(request, _("The draw has started."))
        elif step == "sign_off" and notary:
            services.draw_sign_off(draw=draw, notary=user, now=now)
            messages.success(request, _("The certificate is signed off."))
        else:
            raise PermissionDenied
        return None


def _quota(request) -> int:
    try:
        quota = int(request.POST.get("quota", ""))
    except ValueError:
        raise Refused("bad_quota", _("The quota is a whole number of packs.")) from None
    if quota > 10**9:
        raise Refused("bad_quota", _("The quota is a whole number of packs."))
    return quota


@admin.register(DrawLog)
class DrawLogAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "draw", "action", "actor"]
    list_filter = ["action"]
    readonly_fields = ["draw", "at", "actor", "action", "details"]

"""Officials and notaries in the admin: supply, the draw calendar, and each draw's ceremony.

The ceremony is one table of steps (`STEPS`): each names its role, its form, the service it
calls, and when it can be taken (and, when not, why). Officials (`lottery.run_ceremony`) plan,
close, fix the public value, start, postpone and cancel; notaries (`lottery.notarise`, and
membership of the notary group) commit, reveal and sign off. A superuser has every permission,
so the notary's acts also ask for the group: whoever runs a draw does not notarise it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from city import roles
from city.admin import AllowListedLookupsMixin, ReadOnlyMixin
from city.errors import Refused
from city.inputs import PlainMessages
from city.selectors import campaign_get
from lottery import selectors, services
from lottery.models import (
    DRAWN_STATES,
    POOL_OPEN_STATES,
    UNDRAWN_STATES,
    Draw,
    DrawLog,
    DrawStatus,
    SchedulePause,
    SealedCertificate,
    SupplyArrival,
)
from lottery.schedule import draw_pool_cutoff
from lottery.selectors import (
    DRAW_LOG_LABELS,
    draw_log_label,
    draw_log_sentence,
    draws_coming,
    local_minute,
)
from lottery.tasks import DONE, FAILED, progress_get, progress_stage

# --- who may do what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    name: str
    label: Promise
    permission: str
    # Also required: membership of this group. A superuser has every permission, and the
    # notary's acts must stay with the notary (separation of duties).
    group: str | None
    takes_it_now: Promise  # said of a step this role can take now, to everybody else


OFFICIAL = Role(
    "official",
    gettext_lazy("Official"),
    "lottery.run_ceremony",
    None,
    gettext_lazy("An official takes this step now."),
)
NOTARY = Role(
    "notary",
    gettext_lazy("Notary"),
    "lottery.notarise",
    roles.NOTARY,
    gettext_lazy("The notary takes this step now."),
)


def can_act(user, role: Role) -> bool:
    if not (user.is_active and user.has_perm(role.permission)):
        return False
    return role.group is None or user.groups.filter(name=role.group).exists()


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


# --- forms ----------------------------------------------------------------------------------

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


class ExtraDrawForm(PlainMessages, forms.Form):
    scheduled_at = _moment_field(gettext_lazy("Draw time"))
    pool_cutoff = _moment_field(gettext_lazy("Pool cut-off"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scheduled_at") and cleaned.get("pool_cutoff"):
            if cleaned["pool_cutoff"] >= cleaned["scheduled_at"]:
                raise forms.ValidationError(_("The pool must close before the draw."))
        return cleaned


class NoFieldsForm(PlainMessages, forms.Form):
    """A step that is only a button (start the draw)."""


class CommitForm(PlainMessages, forms.Form):
    commitment = forms.CharField(
        label=gettext_lazy(
            "Your commitment (SHA-256 of your 32-byte secret, 64 hex digits). Leave empty and "
            "the system makes the secret and shows it once."
        ),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 70, "autocomplete": "off"}),
    )


QUOTA_ERROR = gettext_lazy("The quota is a whole number of packs.")


class QuotaForm(PlainMessages, forms.Form):
    quota = forms.IntegerField(
        label=gettext_lazy("Quota (packs)"),
        min_value=0,
        max_value=10**9,
        error_messages={"invalid": QUOTA_ERROR, "max_value": QUOTA_ERROR},
    )


class PublicValueForm(PlainMessages, forms.Form):
    public_value = forms.CharField(
        label=gettext_lazy("Public value, thrown or read before the witnesses"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class RevealForm(PlainMessages, forms.Form):
    secret = forms.CharField(
        label=gettext_lazy("Your secret (64 hex digits)"),
        max_length=200,
        widget=forms.TextInput(attrs={"size": 70, "autocomplete": "off"}),
    )


class SignOffForm(PlainMessages, forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Your statement, published with the certificate"),
        max_length=services.STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
    certificate_number = forms.CharField(
        label=gettext_lazy("Notarial certificate number"),
        max_length=services.CERTIFICATE_NUMBER_MAX,
    )


class PostponeForm(PlainMessages, forms.Form):
    scheduled_at = _moment_field(gettext_lazy("New draw time"))
    pool_cutoff = _moment_field(
        gettext_lazy("New pool cut-off (empty: the usual time the evening before)"),
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason, shown to residents"), max_length=200)


class PurchaseWindowForm(PlainMessages, forms.Form):
    opens = _moment_field(gettext_lazy("Purchase window opens"))
    closes = _moment_field(gettext_lazy("Purchase window closes"))


class ReasonForm(PlainMessages, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason, shown to residents"), max_length=200)


# --- the ceremony's steps -------------------------------------------------------------------

# The progress of a draw whose task is not (or no longer) running.
RUNNING_STAGES_END = ("", DONE, FAILED)


@dataclass(frozen=True)
class Moment:
    """What every step's decision reads, once per request: one clock, one progress."""

    draw: Draw
    now: datetime.datetime
    progress: dict
    blocking: Draw | None  # another draw whose pool is closed and not drawn yet

    @property
    def running(self) -> bool:
        """The draw's task has been asked for or is running (and the draw is not drawn)."""
        return (
            self.draw.status == DrawStatus.POOL_CLOSED
            and self.progress.get("step", "") not in RUNNING_STAGES_END
        )

    @property
    def early(self) -> bool:
        return self.now < self.draw.scheduled_at


def moment_of(draw: Draw, now: datetime.datetime) -> Moment:
    blocking = (
        Draw.objects.filter(status=DrawStatus.POOL_CLOSED).exclude(pk=draw.pk).first()
        if draw.status == DrawStatus.COMMITTED
        else None
    )
    return Moment(draw=draw, now=now, progress=progress_get(draw.pk), blocking=blocking)


@dataclass(frozen=True)
class Done:
    message: str
    url: str | None = None  # where to go next (default: the same page)
    secret: str | None = None  # a system-made secret, shown this once


# Each `why_not` answers None when the step can be taken now, else the reason it cannot;
# `consequences` names what a confirmation page asks the person to accept (none: no page).
@dataclass(frozen=True)
class Step:
    name: str
    title: Promise
    role: Role
    form: type[forms.Form]
    why_not: Callable[[Moment], str | None]
    act: Callable[[Draw, object, dict, Moment], Done]
    submit: Promise
    consequences: Callable[[Moment, dict], list[str]] | None = None
    in_order: bool = True  # a step of the ceremony itself, else a change to its plan
    # When the step asks for confirmation (as the form says beforehand).
    confirms: Callable[[Moment], bool] = lambda m: True

    def initial(self, draw: Draw, stock: int) -> dict:
        if self.name in ("close", "plan_quota"):
            planned = draw.planned_quota
            return {"quota": planned if planned is not None and planned <= stock else stock}
        if self.name == "purchase_window":
            return {"opens": draw.purchase_opens_at, "closes": draw.purchase_closes_at}
        return {}


def _ended(draw: Draw) -> str | None:
    if draw.status == DrawStatus.POSTPONED:
        return _("This draw is postponed: its ceremony goes on as draw #%(id)s.") % {
            "id": draw.postponed_to_id
        }
    if draw.status == DrawStatus.CANCELLED:
        return _("This draw is cancelled (%(reason)s): nothing more happens to it.") % {
            "reason": draw.reason
        }
    return None


def _why_not_commit(m: Moment) -> str | None:
    d = m.draw
    if d.status != DrawStatus.SCHEDULED:
        return _("Done: the notary has committed.")
    if m.now >= d.pool_cutoff:
        return _(
            "Too late: the pool cut-off, %(cutoff)s, has passed without the notary's "
            "commitment. Postpone or cancel the draw."
        ) % {"cutoff": local_minute(d.pool_cutoff)}
    return None


def _why_not_close(m: Moment) -> str | None:
    d = m.draw
    cutoff = local_minute(d.pool_cutoff)
    if d.status == DrawStatus.SCHEDULED:
        return _(
            "The pool closes automatically at its cut-off, %(cutoff)s, once the notary has "
            "committed."
        ) % {"cutoff": cutoff}
    if d.status != DrawStatus.COMMITTED:
        return _("Done: the pool closed at %(at)s.") % {"at": local_minute(d.closed_at)}
    if m.now < d.pool_cutoff:
        return _("Not before the cut-off: the pool closes automatically at %(cutoff)s.") % {
            "cutoff": cutoff
        }
    if m.blocking is not None:
        return _(
            "Draw #%(id)s's pool is closed and not drawn yet: this pool closes automatically "
            "once that draw is drawn or cancelled."
        ) % {"id": m.blocking.pk}
    return None  # the cut-off has passed and beat has not closed it yet


def _why_not_public_value(m: Moment) -> str | None:
    d = m.draw
    if d.status in POOL_OPEN_STATES:
        return _("After the pool closes.")
    if d.public_value_fixed:
        return _("Done: the public value is fixed.")
    return None


def _why_not_reveal(m: Moment) -> str | None:
    d = m.draw
    if d.secret:
        return _("Done: the secret is revealed and matches the commitment.")
    if d.status in POOL_OPEN_STATES:
        return _("After the pool closes and the public value is fixed.")
    if not d.public_value_fixed:
        return _("After the public value is fixed: the secret is revealed only once it is.")
    return None


def _why_not_start(m: Moment) -> str | None:
    d = m.draw
    if d.status in DRAWN_STATES:
        return _("Done: drawn at %(at)s.") % {"at": local_minute(d.drawn_at)}
    if not d.secret:
        return _("After the notary reveals the secret.")
    if m.running:
        return _("The draw is running: %(stage)s.") % {"stage": progress_stage(m.progress)}
    return None


def _why_not_sign_off(m: Moment) -> str | None:
    d = m.draw
    if d.status == DrawStatus.SIGNED_OFF:
        return _("Done: signed off at %(at)s.") % {"at": local_minute(d.signed_off_at)}
    if d.status != DrawStatus.DRAWN:
        return _("After the draw.")
    return None


def _why_not_plan(m: Moment) -> str | None:
    if m.draw.status not in POOL_OPEN_STATES:
        return _("The quota is fixed once the pool has closed.")
    return None


def _why_not_window(m: Moment) -> str | None:
    if m.draw.status not in UNDRAWN_STATES:
        return _("The purchase window is fixed once the draw has run.")
    return None


def _why_not_postpone(m: Moment) -> str | None:
    if m.draw.status not in POOL_OPEN_STATES:
        return _("Only a draw whose pool has not closed can be postponed.")
    return None


def _why_not_cancel(m: Moment) -> str | None:
    d = m.draw
    if d.status in POOL_OPEN_STATES or (
        d.status == DrawStatus.POOL_CLOSED and not d.public_value_fixed
    ):
        return None
    return _("A draw can be cancelled only before its public value is fixed.")


def _act_commit(draw, user, data, m) -> Done:
    made = services.draw_commit(
        draw=draw, notary=user, commitment=data["commitment"].strip() or None, now=m.now
    )
    return Done(_("Commitment recorded."), secret=made.secret)


def _act_close(draw, user, data, m) -> Done:
    services.draw_close_pool(draw=draw, quota=data["quota"], actor=user, now=m.now)
    return Done(_("The pool is closed and published."))


def _act_public_value(draw, user, data, m) -> Done:
    services.draw_fix_public_value(draw=draw, value=data["public_value"], actor=user)
    return Done(_("The public value is fixed."))


def _act_reveal(draw, user, data, m) -> Done:
    services.draw_reveal(draw=draw, secret=data["secret"], notary=user)
    return Done(_("The secret is revealed and matches the commitment."))


def _act_start(draw, user, data, m) -> Done:
    # Reached before the announced time only through the confirmation page (`_start_early`).
    services.draw_start(draw=draw, actor=user, now=m.now, early=m.early)
    return Done(_("The draw has started."))


def _act_sign_off(draw, user, data, m) -> Done:
    services.draw_sign_off(
        draw=draw,
        notary=user,
        now=m.now,
        statement=data["statement"],
        certificate_number=data["certificate_number"],
    )
    return Done(_("The certificate is signed off."))


def _act_plan(draw, user, data, m) -> Done:
    services.draw_plan_quota(draw=draw, quota=data["quota"], actor=user)
    return Done(_("The planned quota is recorded."))


def _act_window(draw, user, data, m) -> Done:
    services.draw_set_purchase_window(
        draw=draw, opens=data["opens"], closes=data["closes"], actor=user
    )
    return Done(_("The purchase window is set."))


def _act_postpone(draw, user, data, m) -> Done:
    new = services.draw_postpone(
        draw=draw,
        scheduled_at=data["scheduled_at"],
        pool_cutoff=data["pool_cutoff"],
        reason=data["reason"],
        actor=user,
        now=m.now,
    )
    return Done(_("The draw is postponed."), url=reverse("admin:lottery_ceremony", args=[new.pk]))


def _act_cancel(draw, user, data, m) -> Done:
    services.draw_cancel(draw=draw, reason=data["reason"], actor=user)
    return Done(_("The draw is cancelled."))


def _start_early(m: Moment, data: dict) -> list[str]:
    if not m.early:
        return []
    return [
        _("The draw is announced for %(when)s; it is now %(now)s.")
        % {"when": local_minute(m.draw.scheduled_at), "now": local_minute(m.now)},
        _(
            "Starting it now, before the announced time, is recorded in the draw's log as an "
            "early start, for everyone who checks the draw to read."
        ),
        _("Once started, the draw runs to the end: the winners are drawn and told."),
    ]


def _sign_off_consequences(m: Moment, data: dict) -> list[str]:
    d = m.draw
    return [
        _(
            "You certify draw #%(id)s: %(count)s winners from a pool of %(size)s numbers, pool "
            "digest %(pool)s, winners digest %(winners)s."
        )
        % {
            "id": d.pk,
            "count": d.winners_count,
            "size": d.pool_size,
            "pool": d.pool_digest,
            "winners": d.winners_digest,
        },
        _(
            "Your statement and the notarial certificate number %(number)s are published on the "
            "draw's public page."
        )
        % {"number": " ".join(data["certificate_number"].split())},
        _("A sign-off is final: it cannot be edited or undone."),
        _(
            "The certificate is then sealed as it stands, your statement with it, as the next "
            "link of the public ledger: from then on its bytes never change."
        ),
    ]


def _cancel_consequences(m: Moment, data: dict) -> list[str]:
    d = m.draw
    said = [
        _("Draw #%(id)s is cancelled for good; residents read your reason: “%(reason)s”.")
        % {"id": d.pk, "reason": " ".join(data["reason"].split())},
    ]
    if d.status == DrawStatus.POOL_CLOSED:
        said.append(
            _(
                "Its closed pool of %(size)s numbers becomes void: those reservations stay "
                "waiting for the next draw."
            )
            % {"size": d.pool_size}
        )
    else:
        said.append(_("Nobody's reservation changes: every one stays waiting for a later draw."))
    said.append(_("A cancelled draw cannot be taken up again; a new draw can be added."))
    return said


def _postpone_consequences(m: Moment, data: dict) -> list[str]:
    d = m.draw
    cutoff = data["pool_cutoff"] or draw_pool_cutoff(
        config=campaign_get(), draw_at=data["scheduled_at"]
    )
    return [
        _(
            "Draw #%(id)s, announced for %(old)s, is postponed; a new draw at %(when)s, whose "
            "pool closes at %(cutoff)s, takes its place, its planned quota and the notary's "
            "commitment."
        )
        % {
            "id": d.pk,
            "old": local_minute(d.scheduled_at),
            "when": local_minute(data["scheduled_at"]),
            "cutoff": local_minute(cutoff),
        },
        _("Residents see the new time and your reason: “%(reason)s”.")
        % {"reason": " ".join(data["reason"].split())},
    ]


STEPS: tuple[Step, ...] = (
    Step(
        "commit",
        gettext_lazy("Commit to the secret"),
        NOTARY,
        CommitForm,
        _why_not_commit,
        _act_commit,
        gettext_lazy("Commit"),
    ),
    Step(
        "close",
        gettext_lazy("Close the pool"),
        OFFICIAL,
        QuotaForm,
        _why_not_close,
        _act_close,
        gettext_lazy("Close the pool"),
    ),
    Step(
        "public_value",
        gettext_lazy("Fix the public value"),
        OFFICIAL,
        PublicValueForm,
        _why_not_public_value,
        _act_public_value,
        gettext_lazy("Fix the public value"),
    ),
    Step(
        "reveal",
        gettext_lazy("Reveal the secret"),
        NOTARY,
        RevealForm,
        _why_not_reveal,
        _act_reveal,
        gettext_lazy("Reveal"),
    ),
    Step(
        "start",
        gettext_lazy("Start the draw"),
        OFFICIAL,
        NoFieldsForm,
        _why_not_start,
        _act_start,
        gettext_lazy("Start the draw"),
        consequences=_start_early,
        confirms=lambda m: m.early,
    ),
    Step(
        "sign_off",
        gettext_lazy("Sign off the certificate"),
        NOTARY,
        SignOffForm,
        _why_not_sign_off,
        _act_sign_off,
        gettext_lazy("Sign off the certificate"),
        consequences=_sign_off_consequences,
    ),
    Step(
        "plan_quota",
        gettext_lazy("Plan the quota"),
        OFFICIAL,
        QuotaForm,
        _why_not_plan,
        _act_plan,
        gettext_lazy("Record the planned quota"),
        in_order=False,
    ),
    Step(
        "purchase_window",
        gettext_lazy("Move the purchase window"),
        OFFICIAL,
        PurchaseWindowForm,
        _why_not_window,
        _act_window,
        gettext_lazy("Set the purchase window"),
        in_order=False,
    ),
    Step(
        "postpone",
        gettext_lazy("Postpone the draw"),
        OFFICIAL,
        PostponeForm,
        _why_not_postpone,
        _act_postpone,
        gettext_lazy("Postpone the draw"),
        consequences=_postpone_consequences,
        in_order=False,
    ),
    Step(
        "cancel",
        gettext_lazy("Cancel the draw"),
        OFFICIAL,
        ReasonForm,
        _why_not_cancel,
        _act_cancel,
        gettext_lazy("Cancel the draw"),
        consequences=_cancel_consequences,
        in_order=False,
    ),
)
STEPS_BY_NAME = {step.name: step for step in STEPS}


def next_step(m: Moment) -> str:
    """What happens next, true at every moment of the draw's life (while it runs included)."""
    d = m.draw
    ended = _ended(d)
    if ended:
        return ended
    if d.status == DrawStatus.SCHEDULED:
        if m.now >= d.pool_cutoff:
            return _(
                "The pool cut-off has passed without the notary's commitment, so the pool "
                "cannot close fairly. Postpone the draw to a new time, or cancel it."
            )
        return _("Next: the notary commits to a secret, before the pool cut-off at %(cutoff)s.") % {
            "cutoff": local_minute(d.pool_cutoff)
        }
    if d.status == DrawStatus.COMMITTED:
        if m.now < d.pool_cutoff:
            return _("Next: the pool closes automatically at its cut-off, %(cutoff)s.") % {
                "cutoff": local_minute(d.pool_cutoff)
            }
        if m.blocking is not None:
            return _(
                "Next: this pool closes automatically once draw #%(id)s is drawn or cancelled."
            ) % {"id": m.blocking.pk}
        return _(
            "Next: the pool closes. The system closes it within a minute of its cut-off; an "
            "official may close it now."
        )
    if d.status == DrawStatus.POOL_CLOSED:
        if not d.public_value_fixed:
            return _("Next: an official fixes the public value, thrown or read before witnesses.")
        if not d.secret:
            return _("Next: the notary reveals the secret.")
        if m.running:
            return _("The draw is running: %(stage)s.") % {"stage": progress_stage(m.progress)}
        if m.progress.get("step") == FAILED:
            return _(
                "The draw stopped (%(error)s) and nothing of it was kept. An official starts it "
                "again: the same inputs give the same winners."
            ) % {"error": m.progress.get("error", "")}
        if m.early:
            return _(
                "Next: an official starts the draw, announced for %(when)s (an earlier start "
                "asks for confirmation)."
            ) % {"when": local_minute(d.scheduled_at)}
        return _("Next: an official starts the draw.")
    if d.status == DrawStatus.DRAWN:
        return _("Next: the notary signs off the certificate.")
    return _("The ceremony is complete: the certificate was signed off at %(at)s.") % {
        "at": local_minute(d.signed_off_at)
    }


@dataclass(frozen=True)
class Offered:
    """One step as the page shows it to this person now."""

    step: Step
    form: forms.Form | None  # offered: the person's role can take it now
    why_not: str  # else why not (or who takes it)
    confirms: bool = False  # offered, it asks for confirmation on a second page


def steps_offered(
    m: Moment, may: dict[Role, bool], bound: dict[str, forms.Form], stock: int
) -> list[Offered]:
    """Every step, offered as a form where `may` (each role: whether this person holds it)
    and the moment allow, else with why not."""
    shown = []
    for step in STEPS:
        why = _why_not(step, m)
        if why is None and may[step.role]:
            form = bound.get(step.name) or step.form(initial=step.initial(m.draw, stock))
            confirms = step.consequences is not None and step.confirms(m)
            shown.append(Offered(step, form, "", confirms))
        else:
            shown.append(Offered(step, None, why or str(step.role.takes_it_now)))
    return shown


def _why_not(step: Step, m: Moment) -> str | None:
    return _ended(m.draw) or step.why_not(m)


def _hidden_fields(post) -> list[tuple[str, str]]:
    """The submitted form again, for the confirmation page's own form."""
    return [
        (name, value)
        for name, values in post.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]


# --- the pages ------------------------------------------------------------------------------


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
    readonly_fields = [field.name for field in Draw._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # extra draws come from their own page (extra_view)

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
        # A draw's page is its ceremony: its record, its steps and its log as sentences.
        if object_id.isdigit() and self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:lottery_ceremony", args=[object_id]))
        return super().change_view(request, object_id, form_url, extra_context)

    def _context(self, request, title, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **extra,
        }

    def extra_view(self, request):
        if not can_act(request.user, OFFICIAL):
            raise PermissionDenied
        form = ExtraDrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            draw = services.draw_add_extra(
                scheduled_at=form.cleaned_data["scheduled_at"],
                pool_cutoff=form.cleaned_data["pool_cutoff"],
                actor=request.user,
            )
            messages.success(request, _("The extra draw is added."))
            return HttpResponseRedirect(reverse("admin:lottery_ceremony", args=[draw.pk]))
        context = self._context(request, _("Add an extra draw"), form=form)
        return TemplateResponse(request, "admin/lottery/extra_draw.html", context)

    def schedule_view(self, request):
        """Officials pause (after a confirmation page) and resume the regular schedule (rule 5),
        with a reason."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        official = can_act(request.user, OFFICIAL)
        form = ReasonForm(request.POST if request.POST.get("step") == "pause" else None)
        now = timezone.now()
        if request.method == "POST":
            if not official:
                raise PermissionDenied
            try:
                if request.POST.get("step") == "resume":
                    services.schedule_resume(actor=request.user, now=now)
                    messages.success(request, _("The schedule is resumed."))
                    return HttpResponseRedirect(request.path)
                if form.is_valid():
                    if request.POST.get("confirm") != "yes":
                        return self._confirm(
                            request,
                            title=_("Pause the schedule?"),
                            consequences=_pause_consequences(form.cleaned_data["reason"]),
                            submit=_("Pause the schedule"),
                            back=request.path,
                        )
                    services.schedule_pause(
                        reason=form.cleaned_data["reason"], actor=request.user, now=now
                    )
                    messages.success(request, _("The schedule is paused."))
                    return HttpResponseRedirect(request.path)
            except Refused as refusal:
                messages.error(request, refusal.message)
                return HttpResponseRedirect(request.path)
        coming = draws_coming(now=now, draws=self.get_queryset(request))
        context = self._context(
            request,
            _("Draw schedule"),
            form=form,
            official=official,
            pause=selectors.schedule_pause_in_force(),
            coming=coming,
            stock=selectors.stock_packs(),
        )
        return TemplateResponse(request, "admin/lottery/schedule.html", context)

    def _confirm(self, request, *, title, consequences, submit, back):
        """The second page before an act with consequences: it names them, and its own form
        sends the same fields again with confirm=yes. Plain HTML, no script needed."""
        context = self._context(
            request,
            title,
            consequences=consequences,
            fields=_hidden_fields(request.POST),
            submit=submit,
            back=back,
        )
        return TemplateResponse(request, "admin/lottery/confirm.html", context)

    def ceremony_view(self, request, draw_id: int):
        draw = get_object_or_404(self.get_queryset(request), pk=draw_id)
        if not self.has_view_permission(request, draw):
            raise PermissionDenied
        now = timezone.now()
        moment = moment_of(draw, now)
        bound: dict[str, forms.Form] = {}
        secret_once = None
        if request.method == "POST":
            step = STEPS_BY_NAME.get(request.POST.get("step", ""))
            if step is None:
                messages.error(request, _("That is not a step of the ceremony."))
                return HttpResponseRedirect(request.path)
            if not can_act(request.user, step.role):
                raise PermissionDenied
            why = _why_not(step, moment)
            if why is not None:
                messages.error(request, why)
                return HttpResponseRedirect(request.path)
            form = step.form(request.POST)
            if not form.is_valid():
                bound[step.name] = form
            else:
                named = step.consequences(moment, form.cleaned_data) if step.consequences else []
                if named and request.POST.get("confirm") != "yes":
                    return self._confirm(
                        request,
                        title=_("%(step)s: draw #%(id)s?") % {"step": step.title, "id": draw.pk},
                        consequences=named,
                        submit=step.submit,
                        back=request.path,
                    )
                try:
                    done = step.act(draw, request.user, form.cleaned_data, moment)
                except Refused as refusal:
                    messages.error(request, refusal.message)
                    return HttpResponseRedirect(request.path)
                messages.success(request, done.message)
                if done.secret is None:
                    return HttpResponseRedirect(done.url or request.path)
                secret_once = done.secret  # shown on this answer only, never stored
            draw.refresh_from_db()
            moment = moment_of(draw, now)
        stock = selectors.stock_packs()
        may = {role: can_act(request.user, role) for role in (OFFICIAL, NOTARY)}
        offered = steps_offered(moment, may, bound, stock)
        context = self._context(
            request,
            _("Draw #%(id)s: ceremony") % {"id": draw.pk},
            draw=draw,
            stock=stock,
            next_step=next_step(moment),
            running=moment.running,
            progress=moment.progress,
            stage=progress_stage(moment.progress),
            ended=_ended(draw) is not None,
            in_order=[o for o in offered if o.step.in_order],
            plan=[o for o in offered if not o.step.in_order],
            secret_once=secret_once,
            official=may[OFFICIAL],
            log=[
                (entry, draw_log_sentence(entry))
                for entry in draw.log.select_related("actor").order_by("at", "id")
            ],
        )
        return TemplateResponse(request, "admin/lottery/ceremony.html", context)


def _pause_consequences(reason: str) -> list[str]:
    cancelled = list(selectors.regular_draws_pool_open())
    said = [
        _(
            "The regular schedule is paused: no regular draw is made until an official resumes "
            "it. Extra draws stay possible."
        )
    ]
    if cancelled:
        said.append(
            _("These coming regular draws are cancelled with your reason: %(draws)s.")
            % {
                "draws": ", ".join(
                    f"#{draw.pk} ({local_minute(draw.scheduled_at)})" for draw in cancelled
                )
            }
        )
    else:
        said.append(_("No coming regular draw is cancelled: none has an open pool."))
    said.append(
        _("Residents see that draws are paused, and why: “%(reason)s”.")
        % {"reason": " ".join(reason.split())}
    )
    return said


class DrawLogActionFilter(admin.SimpleListFilter):
    """By what happened, in the reader's language (the stored keys are the code's)."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(DRAW_LOG_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(DrawLog)
class DrawLogAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "draw", "action_label", "sentence"]
    list_filter = [DrawLogActionFilter]
    # The sentence says the details (who, the values, the times in the city's time): the
    # stored keys and JSON are the code's, not the reader's.
    fields = readonly_fields = ["draw", "at", "actor", "action_label", "sentence"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, entry: DrawLog) -> str:
        return draw_log_label(entry.action)

    @admin.display(description=gettext_lazy("what happened"))
    def sentence(self, entry: DrawLog) -> str:
        return draw_log_sentence(entry)


@admin.register(SealedCertificate)
class SealedCertificateAdmin(AllowListedLookupsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """The ledger, as sealed at each sign-off: read here, written only by the sign-off (and
    refused by the database for anything else)."""

    list_display = ["id", "draw", "sealed_at", "certificate_sha256", "previous_certificate_sha256"]
    fields = readonly_fields = [
        "draw",
        "sealed_at",
        "certificate_sha256",
        "previous_certificate_sha256",
        "certificate",
    ]

    @admin.display(description=gettext_lazy("certificate"))
    def certificate(self, sealed: SealedCertificate):
        return format_html("<pre>{}</pre>", bytes(sealed.content).decode())

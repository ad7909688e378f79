"""The audit page: one read-only timeline, newest first, of the admin's log (every add, change
and delete made in the admin, with the fields changed), the changes staff make through services
and commands (`city.AuditEntry`) and every step of every draw (`lottery.DrawLog`). All three are
append-only in the database. It reads every app, so it lives here.

A page is one SQL statement: each source's newest rows that match, at most as many as the page
needs (each by an index on its time), merged by UNION ALL, ordered and cut with LIMIT/OFFSET.
No total is counted: a page knows only whether another follows.
"""

import datetime
import json
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from city import roles
from city.inputs import PlainMessages
from city.models import AuditAction, AuditEntry
from lottery.models import DrawLog
from lottery.selectors import draw_log_label, draw_log_sentence
from pickup.admin import STEP_LABELS
from reservations.models import Category

PER_PAGE = 50
MAX_PAGE = 2000  # 100,000 entries back; further, narrow the search by date

ADMIN, SERVICE, DRAW = "admin", "service", "draw"
SOURCES = {
    ADMIN: _("admin"),
    SERVICE: _("service or command"),
    DRAW: _("draw log"),
}
ADMIN_ACTIONS = {ADDITION: _("added"), CHANGE: _("changed"), DELETION: _("deleted")}

# The words of the services' summaries (city.services.audit_record), in the reader's language.
SUMMARY_LABELS = {
    "arrived": _("arrived"),
    "category": _("special group"),
    "community": _("community"),
    "count": _("count"),
    "found": _("found"),
    "group": _("group"),
    "messages": _("messages"),
    "missing": _("missing"),
    "numbers": _("numbers"),
    "parcels": _("parcels"),
    "resident": _("resident"),
    "step": _("step"),
    "town": _("town"),
    "cutoff": _("closed before"),
    "retention_days": _("retention (days)"),
    "reservations": _("reservations"),
    "residents": _("residents"),
    "outbox_messages": _("text messages"),
    "start_date": _("start date"),
    "districts": _("districts"),
    "towns": _("towns"),
    "communities": _("communities"),
    "windows": _("reservation windows"),
    "pickup points": _("pickup points"),
    "other areas": _("other areas"),
    "campaign configuration": _("Campaign configuration"),
}

# The summaries' coded values, as their own labels say them (a key missing here is shown as
# stored: a count, a name, numbers).
SUMMARY_VALUES = {
    "step": STEP_LABELS,
    "group": {**roles.ROLE_LABELS, "superuser": _("superuser")},
    "category": dict(Category.choices),
}


@dataclass(frozen=True)
class AuditSearch:
    actor: str = ""  # a part of the username
    action: str = ""  # "<source>:<key>", from `action_choices`
    target: str = ""  # a part of the record's name, or its id or type
    date_from: datetime.date | None = None  # Asia/Shanghai dates, both included
    date_to: datetime.date | None = None


@dataclass(frozen=True)
class Row:
    source: str
    id: int
    at: datetime.datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    target_repr: str
    details: str
    draw_id: int | None


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _branch(source: str, search: AuditSearch, limit: int) -> tuple[str, list] | None:
    """One source's SELECT with the search's conditions, or None when the action searched for
    is another source's."""
    action_source, _sep, action_key = search.action.partition(":")
    if search.action and action_source != source:
        return None
    where, params = ["TRUE"], []
    if source == ADMIN:
        columns = (
            f"'{ADMIN}', l.id, l.action_time, l.user_id, CAST(l.action_flag AS text), "
            "COALESCE(ct.app_label || '.' || ct.model, ''), l.object_id, l.object_repr, "
            "l.change_message, "
            "CAST(NULL AS bigint)"
        )
        tables = (
            f"{_table(LogEntry)} AS l LEFT JOIN {_table(ContentType)} AS ct "
            "ON ct.id = l.content_type_id"
        )
        at, actor, action = "l.action_time", "l.user_id", "CAST(l.action_flag AS text)"
        target = (
            "(strpos(lower(l.object_repr), %s) > 0 OR l.object_id = %s OR ct.model = %s "
            "OR ct.app_label || '.' || ct.model = %s)"
        )
        target_params = 4
        order = "l.action_time DESC, l.id DESC"
    elif source == SERVICE:
        columns = (
            f"'{SERVICE}', a.id, a.at, a.actor_id, a.action, a.target_type, a.target_id, "
            "a.target_repr, CAST(a.summary AS text), CAST(NULL AS bigint)"
        )
        tables = f"{_table(AuditEntry)} AS a"
        at, actor, action = "a.at", "a.actor_id", "a.action"
        target = (
            "(strpos(lower(a.target_repr), %s) > 0 OR a.target_id = %s OR a.target_type = %s "
            "OR strpos(lower(CAST(a.summary AS text)), %s) > 0)"
        )
        target_params = 4
        order = "a.at DESC, a.id DESC"
    else:
        columns = (
            f"'{DRAW}', d.id, d.at, d.actor_id, d.action, 'lottery.draw', "
            "CAST(d.draw_id AS text), '', CAST(d.details AS text), d.draw_id"
        )
        tables = f"{_table(DrawLog)} AS d"
        at, actor, action = "d.at", "d.actor_id", "d.action"
        target = "(CAST(d.draw_id AS text) = %s OR strpos(lower(CAST(d.details AS text)), %s) > 0)"
        target_params = 2
        order = "d.at DESC, d.id DESC"
    if search.actor:
        where.append(
            f"{actor} IN (SELECT id FROM {_table(get_user_model())} "
            "WHERE strpos(lower(username), %s) > 0)"
        )
        params.append(search.actor.lower())
    if action_key:
        where.append(f"{action} = %s")
        params.append(action_key)
    if search.target:
        where.append(target)
        params += [search.target.lower()] * target_params
    if search.date_from:
        where.append(f"{at} >= %s")
        params.append(_day_start(search.date_from))
    if search.date_to:
        where.append(f"{at} < %s")
        params.append(_day_start(search.date_to + datetime.timedelta(days=1)))
    sql = f"(SELECT {columns} FROM {tables} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s)"
    return sql, [*params, limit]


def audit_timeline(*, search: AuditSearch, page: int = 1) -> tuple[list[Row], bool]:
    """One page of the timeline, newest first, and whether an older page follows."""
    offset = (page - 1) * PER_PAGE
    branches = [_branch(source, search, offset + PER_PAGE + 1) for source in SOURCES]
    branches = [branch for branch in branches if branch is not None]
    sql = (
        "SELECT * FROM ("
        + " UNION ALL ".join(branch_sql for branch_sql, _params in branches)
        + ") AS timeline (source, id, at, actor_id, action, target_type, target_id, "
        "target_repr, details, draw_id) ORDER BY at DESC, source, id DESC LIMIT %s OFFSET %s"
    )
    params = [param for _sql, branch_params in branches for param in branch_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PER_PAGE + 1, offset])
        rows = [Row(*values) for values in cursor.fetchall()]
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The actions one can search for, by source; the draw log's are those it holds."""
    draw_actions = DrawLog.objects.order_by("action").values_list("action", flat=True).distinct()
    return [
        (
            str(SOURCES[ADMIN]),
            [(f"{ADMIN}:{flag}", str(label)) for flag, label in ADMIN_ACTIONS.items()],
        ),
        (
            str(SOURCES[SERVICE]),
            [(f"{SERVICE}:{key}", str(label)) for key, label in AuditAction.choices],
        ),
        (
            str(SOURCES[DRAW]),
            [(f"{DRAW}:{action}", draw_log_label(action)) for action in draw_actions],
        ),
    ]


# --- how a row reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    at: datetime.datetime
    source: str
    actor: str
    action: str
    record: str
    record_url: str | None
    details: str


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _admin_url(label: str, object_id: str) -> str | None:
    app_label, _sep, model = label.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model}_change", args=[object_id])
    except NoReverseMatch:
        return None


def _summary_text(summary: str) -> str:
    try:
        data = json.loads(summary)
    except ValueError:
        return summary
    if not isinstance(data, dict):
        return str(data)
    parts = []
    for key, value in data.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        if isinstance(value, str):
            value = SUMMARY_VALUES.get(key, {}).get(value, value)
        parts.append(f"{SUMMARY_LABELS.get(key, key)}: {value}")
    return "; ".join(parts)


def audit_lines(rows: list[Row]) -> list[Line]:
    """The rows as the page shows them, in the reader's language: three queries whatever the
    page's length (the actors, the draw log's entries, the content types are cached)."""
    users = get_user_model().objects.in_bulk({row.actor_id for row in rows if row.actor_id})
    draw_entries = DrawLog.objects.select_related("actor").in_bulk(
        [row.id for row in rows if row.source == DRAW]
    )
    lines = []
    for row in rows:
        actor = users.get(row.actor_id)
        who = actor.get_username() if actor else gettext("the system (a command or task)")
        if row.source == ADMIN:
            entry = LogEntry(change_message=row.details, action_flag=int(row.action))
            action = str(ADMIN_ACTIONS.get(int(row.action), row.action))
            record = f"{_model_name(row.target_type)} “{row.target_repr}”"
            url = (
                _admin_url(row.target_type, row.target_id) if row.action != str(DELETION) else None
            )
            details = entry.get_change_message()
        elif row.source == SERVICE:
            try:
                action = str(AuditAction(row.action).label)
            except ValueError:
                action = row.action
            record = (
                f"{_model_name(row.target_type)} “{row.target_repr}”" if row.target_type else "–"
            )
            url = _admin_url(row.target_type, row.target_id) if row.target_type else None
            details = _summary_text(row.details)
        else:
            entry = draw_entries.get(row.id)
            action = gettext("draw step: %(action)s") % {"action": draw_log_label(row.action)}
            record = gettext("Draw #%(id)s") % {"id": row.draw_id}
            url = reverse("admin:lottery_ceremony", args=[row.draw_id])
            # As the ceremony page says it: "Notary 张三 committed at 09:30: ac31…".
            details = draw_log_sentence(entry) if entry else _summary_text(row.details)
        lines.append(
            Line(
                at=timezone.localtime(row.at),
                source=str(SOURCES[row.source]),
                actor=who,
                action=action,
                record=record,
                record_url=url,
                details=details,
            )
        )
    return lines


# --- the page -----------------------------------------------------------------------------------


class AuditSearchForm(PlainMessages, forms.Form):
    actor = forms.CharField(label=_("by (user name)"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    target = forms.CharField(
        label=_("record (name, id, type or number)"), max_length=100, required=False
    )
    date_from = forms.DateField(label=_("from (date)"), required=False)
    date_to = forms.DateField(label=_("to (date)"), required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("any")), *action_choices()]
        self.fields["date_from"].widget.input_type = "date"
        self.fields["date_to"].widget.input_type = "date"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The first date must not be after the second."))
        return data


def audit_view(request, model_admin):
    """The audit page, for those who may view the audit trail (officials and notaries)."""
    if not model_admin.has_view_permission(request) or request.method not in ("GET", "HEAD"):
        raise PermissionDenied  # read-only: no action is ever posted to it
    form = AuditSearchForm(request.GET or None)
    unknown = set(request.GET) - set(form.fields)
    if unknown:
        # As every changelist here (city.admin.AllowListedLookupsMixin): a 400, not a lookup.
        raise DisallowedModelAdminLookup(f"Filtering by {sorted(unknown)[0]} not allowed")
    lines, has_next, page = [], False, 1
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        page = data.get("page") or 1
        search = AuditSearch(
            actor=(data.get("actor") or "").strip(),
            action=data.get("action") or "",
            target=(data.get("target") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        rows, has_next = audit_timeline(search=search, page=page)
        lines = audit_lines(rows)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Audit trail"),
        "opts": model_admin.model._meta,
        "form": form,
        "lines": lines,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "admin/portal/audit.html", context)

"""The admin home: officials and notaries (permission `portal.view_dashboard`) see the
dashboard above the list of models; other staff see Django's index as before. Routed at
/admin/ ahead of the admin's own index (portal/urls.py comes first in config/urls.py), and
behind the admin's sign-in like every admin page."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.charts import bar_chart, table_rows
from portal.dashboard import Dashboard, Filters, Series, dashboard_get
from portal.forms import DashboardFilterForm

PERMISSION = "portal.view_dashboard"


def _charts(board: Dashboard) -> list[dict]:
    """Each chart with its title, its SVG and its numbers' table."""
    days = [label[5:] for label, _values in board.per_day.rows]  # 2020-02-17 -> 02-17
    draws = [label.rsplit(" ", 1)[0] for label, _values in board.draws.rows]  # no time of day
    wins = [label.rsplit(" ", 1)[0] for label, _values in board.wins.rows]
    specs = [
        ("per-day", _("Reservations per day"), board.per_day, True, _("day"), days),
        ("per-hour", _("Reservations per hour of the day"), board.per_hour, True, _("hour"), None),
        (
            "waiting",
            _("Waiting for a draw now, per district"),
            board.waiting,
            False,
            _("district"),
            None,
        ),
        ("draws", _("Pool size and quota per draw"), board.draws, False, _("draw"), draws),
        ("wins", _("What became of each draw's wins"), board.wins, True, _("draw"), wins),
        (
            "pickup",
            _("Pickup batches and parcels per point"),
            board.pickup,
            False,
            _("point"),
            None,
        ),
        ("sms", _("SMS sent, failed and refused"), board.sms, True, _("kind"), None),
    ]
    charts = []
    for chart_id, title, series, stacked, row_header, axis in specs:
        total_column = stacked and len(series.columns) > 1
        charts.append(
            {
                "id": chart_id,
                "title": title,
                "svg": bar_chart(
                    series, title=title, chart_id=chart_id, stacked=stacked, axis_labels=axis
                ),
                "series": series,
                "rows": table_rows(series, total_column=total_column),
                "row_header": row_header,
                "total_column": total_column,
            }
        )
    return charts


def _links(request: HttpRequest, board: Dashboard) -> list[tuple[str, str]]:
    """What officials do next; each page checks its own permissions."""
    links = []
    if board.next_draw is not None:
        links.append(
            (
                reverse("admin:lottery_ceremony", args=[board.next_draw.pk]),
                _("The next draw's ceremony"),
            )
        )
    # Notaries see the schedule read-only; officials pause, resume and add extra draws.
    if request.user.has_perm("lottery.run_ceremony"):
        links.append((reverse("admin:lottery_schedule"), _("The draw schedule (pause, resume)")))
        links.append((reverse("admin:lottery_extra_draw"), _("Add an extra draw")))
    elif request.user.has_perm("lottery.view_draw"):
        links.append((reverse("admin:lottery_schedule"), _("Draw schedule")))
    if request.user.has_perm("lottery.add_supplyarrival"):
        links.append((reverse("admin:lottery_supplyarrival_add"), _("Record a supply arrival")))
    return links


def _stock_chart(board: Dashboard):
    series = Series(columns=[("packs", _("packs"))])
    series.rows.append((_("in stock"), [max(board.stock, 0)]))
    if board.next_quota is not None:
        series.rows.append((_("next quota"), [board.next_quota]))
    title = _("Stock in packs against the next quota")
    return {
        "id": "stock",
        "title": title,
        "svg": bar_chart(series, title=title, chart_id="stock", stacked=False),
        "series": series,
        "rows": table_rows(series, total_column=False),
        "row_header": _("figure"),
        "total_column": False,
    }


def admin_home(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        return admin.site.index(request)
    form = DashboardFilterForm(request.GET or None)
    filters = Filters()
    if form.is_bound and form.is_valid():
        filters = Filters(**form.cleaned_data)
    board = dashboard_get(filters=filters)
    context = {
        "dashboard": board,
        "dashboard_form": form,
        "charts": _charts(board),
        "stock_chart": _stock_chart(board),
        "next_steps": _links(request, board),
        "title": _("Dashboard"),
    }
    return admin.site.index(request, extra_context=context)


admin_home_view = admin.site.admin_view(admin_home)

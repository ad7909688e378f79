"""Open data (`/open-data/`): the files anyone may download without signing in, read from
several apps. Numbers, dates, names of places and digests only: nothing about a person.

Each file is a list of rows with fixed field names (stock.json is one object); the views turn
them into JSON and CSV. A draw's row is its certificate's values (`certificate_of`), so an
auditor comparing the two finds them equal.
"""

import csv
import io
import json
from collections.abc import Callable

from django.db.models import Sum
from django.urls import reverse

from city.models import District
from city.selectors import campaign_get
from lottery.models import DRAWN_STATES, Draw, SupplyArrival
from lottery.selectors import certificates_of, stock_packs
from pickup.models import ParcelState
from pickup.selectors import batches_with_counts
from reservations.selectors import reservations_per_day

DRAW_FIELDS = (
    "id",
    "scheduled_at",
    "status",
    "pool_cutoff",
    "quota",
    "pool_size",
    "winners_count",
    "pool_digest",
    "winners_digest",
    "certificate",
)
DAILY_FIELDS = ("date", "district", "count")
BATCH_FIELDS = ("id", "date", "point", "orders", "received", "collected")

# A district-day with fewer reservations than this reads "<5": with so few, a neighbour could
# tell who reserved (the usual small-cell rule of published statistics).
SMALL_COUNT = 5
SMALL_COUNT_TEXT = f"<{SMALL_COUNT}"

# Parcels that reached the point: every state from `at_point` on, the resident's included.
_RECEIVED = (
    ParcelState.AT_POINT,
    ParcelState.AT_TOWN,
    ParcelState.AT_COMMITTEE,
    ParcelState.COLLECTED,
)


def draws_rows(*, absolute_url: Callable[[str], str]) -> list[dict]:
    """Every draw held (drawn or signed off: the past draws of `/draws/`, whose results are
    published), oldest first, with its certificate's values and the certificate's URL made
    absolute by `absolute_url` (the request's `build_absolute_uri`)."""
    rows = []
    draws = list(Draw.objects.filter(status__in=DRAWN_STATES).order_by("scheduled_at", "pk"))
    certificates = certificates_of(draws=draws)  # the sealed ones as sealed, in one query
    for draw in draws:
        certificate = certificates[draw.pk]
        row = {name: certificate[name] for name in DRAW_FIELDS if name != "certificate"}
        row["certificate"] = absolute_url(reverse("certificate", args=[draw.pk]))
        rows.append(row)
    return rows


def daily_reservations_rows() -> list[dict]:
    """Reservations made per district per Shanghai day, oldest first and districts in the
    reference data's order; the district by its name (as the certificate's fairness figures
    name it); a count below SMALL_COUNT as "<5". A district-day without one is not listed."""
    districts = {district.pk: district for district in District.objects.all()}
    rows = sorted(
        reservations_per_day(),
        key=lambda row: (row["date"], districts[row["district_id"]].sort_order, row["district_id"]),
    )
    return [
        {
            "date": row["date"].isoformat(),
            "district": districts[row["district_id"]].name,
            "count": row["count"] if row["count"] >= SMALL_COUNT else SMALL_COUNT_TEXT,
        }
        for row in rows
    ]


def pickup_batches_rows() -> list[dict]:
    """Each pickup point's daily batch, oldest first: its pickup orders (parcels not withdrawn
    by a cancelled order), how many reached the point, and how many residents collected."""
    batches = batches_with_counts(point_id=None).order_by(
        "delivery_date", "point__district__sort_order", "pk"
    )
    rows = []
    for batch in batches:
        counts = {state: getattr(batch, f"n_{state}") for state in ParcelState}
        rows.append(
            {
                "id": batch.pk,
                "date": batch.delivery_date.isoformat(),
                "point": batch.point.name,
                "orders": sum(counts.values()) - counts[ParcelState.WITHDRAWN],
                "received": sum(counts[state] for state in _RECEIVED),
                "collected": counts[ParcelState.COLLECTED],
            }
        )
    return rows


def stock() -> dict:
    """`{"arrivals": [{"date", "packs"}, ...], "packs_in_stock": N}`: the packs that arrived
    each day (the day's masks in whole packs), oldest first, and the packs in stock now as the
    lottery counts them for a quota (`stock_packs`)."""
    pack_size = campaign_get().pack_size
    days = (
        SupplyArrival.objects.values("arrived_on")
        .annotate(masks=Sum("masks"))
        .order_by("arrived_on")
    )
    return {
        "arrivals": [
            {"date": day["arrived_on"].isoformat(), "packs": day["masks"] // pack_size}
            for day in days
        ],
        "packs_in_stock": stock_packs(),
    }


def as_json(data: list[dict] | dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a
# text cell gets a leading apostrophe, which the spreadsheet shows as text. Numbers stay numbers.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(*, fields: tuple[str, ...], rows: list[dict]) -> bytes:
    """UTF-8 with a BOM (spreadsheet programs then read the Chinese right), a header row of the
    field names, one line per row."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_cell(row[name]) for name in fields])
    return out.getvalue().encode()

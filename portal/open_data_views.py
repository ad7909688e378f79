"""Open data, no sign-in: the listing page and its files (portal/open_data.py reads them).

Each file is made afresh for each request, so it is never staler than its `max-age` (60 s) in a
browser or proxy; its `ETag` is the body's hash, so a client that has it gets a 304.
"""

import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from portal import open_data

MAX_AGE = 60  # seconds: "never staler than a minute"
JSON = "application/json; charset=utf-8"
CSV = "text/csv; charset=utf-8"

# File name (without extension) -> its field names and how its rows are read.
TABLES: dict[str, tuple[tuple[str, ...], Callable[[HttpRequest], list[dict]]]] = {
    "draws": (
        open_data.DRAW_FIELDS,
        lambda request: open_data.draws_rows(absolute_url=request.build_absolute_uri),
    ),
    "daily-reservations": (
        open_data.DAILY_FIELDS,
        lambda request: open_data.daily_reservations_rows(),
    ),
    "pickup-batches": (open_data.BATCH_FIELDS, lambda request: open_data.pickup_batches_rows()),
}


@require_safe
def listing(request):
    return render(request, "pages/open_data.html", {"small": open_data.SMALL_COUNT_TEXT})


def _answer(request: HttpRequest, body: bytes, *, content_type: str, download: str = ""):
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()}"'  # strong: the exact bytes
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"  # anyone may read it from anywhere
    if download:
        response["Content-Disposition"] = f'attachment; filename="{download}"'
    # A matching If-None-Match gets a 304 with the same ETag and Cache-Control.
    return get_conditional_response(request, etag=response["ETag"], response=response)


# The files take no form and change nothing: csrf_exempt lets a POST get the plain 405 that
# require_safe gives any method but GET and HEAD, not a CSRF page.
@csrf_exempt
@require_safe
def table_file(request, name: str, extension: str) -> HttpResponse:
    fields, read = TABLES[name]
    rows = read(request)
    if extension == "csv":
        body = open_data.as_csv(fields=fields, rows=rows)
        return _answer(request, body, content_type=CSV, download=f"{name}.csv")
    return _answer(request, open_data.as_json(rows), content_type=JSON)


@csrf_exempt
@require_safe
def stock_file(request) -> HttpResponse:
    return _answer(request, open_data.as_json(open_data.stock()), content_type=JSON)

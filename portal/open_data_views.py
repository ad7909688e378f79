"""Open data, no sign-in: the listing page and its files (portal/open_data.py reads them).

A file is never more than a minute older than the database: each process keeps a file it made
for at most FRESH_FOR seconds, and tells browsers and proxies to keep it only for what is left
of the minute (`max-age`). Its `ETag` is the body's hash: a client that has it gets a 304.
"""

import datetime
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from portal import open_data

MAX_AGE = 60  # seconds: "never staler than a minute", the copies anywhere included
# At city scale (3,000,000 reservations) the daily counts take seconds of the database's time:
# a process makes each file at most once in this time, however often it is asked for
# (a query string does not bypass it), and the copies it hands out expire with the minute.
FRESH_FOR = datetime.timedelta(seconds=30)
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


@dataclass(frozen=True)
class _Made:
    body: bytes
    etag: str
    at: datetime.datetime


# (scheme, host, path) -> the file this process made last: the host is in the draws' URLs.
_made: dict[tuple[str, str, str], _Made] = {}


def made_files_forget() -> None:
    """For tests: each starts with a database of its own."""
    _made.clear()


def _answer(
    request: HttpRequest,
    make: Callable[[], bytes],
    *,
    content_type: str,
    download: str = "",
) -> HttpResponse:
    now = timezone.now()
    key = (request.scheme, request.get_host(), request.path)
    made = _made.get(key)
    # (A clock set back makes the file again, too.)
    if made is None or not datetime.timedelta(0) <= now - made.at < FRESH_FOR:
        body = make()
        made = _Made(body=body, etag=f'"{hashlib.sha256(body).hexdigest()}"', at=now)
        _made[key] = made
    response = HttpResponse(made.body, content_type=content_type)
    response["ETag"] = made.etag  # strong: the hash of the exact bytes
    age = math.ceil((now - made.at).total_seconds())
    patch_cache_control(response, public=True, max_age=MAX_AGE - age)
    response["Access-Control-Allow-Origin"] = "*"  # anyone may read it from anywhere
    if download:
        response["Content-Disposition"] = f'attachment; filename="{download}"'
    # A matching If-None-Match gets a 304 with the same ETag and Cache-Control.
    return get_conditional_response(request, etag=made.etag, response=response)


# The files take no form and change nothing: csrf_exempt lets a POST get the plain 405 that
# require_safe gives any method but GET and HEAD, not a CSRF page.
@csrf_exempt
@require_safe
def table_file(request, name: str, extension: str) -> HttpResponse:
    fields, read = TABLES[name]
    if extension == "csv":
        return _answer(
            request,
            lambda: open_data.as_csv(fields=fields, rows=read(request)),
            content_type=CSV,
            download=f"{name}.csv",
        )
    return _answer(request, lambda: open_data.as_json(read(request)), content_type=JSON)


@csrf_exempt
@require_safe
def stock_file(request) -> HttpResponse:
    return _answer(request, lambda: open_data.as_json(open_data.stock()), content_type=JSON)

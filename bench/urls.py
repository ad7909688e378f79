import itertools
import os

from django.db import connection, transaction
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.urls import include, path

from orders.api import partner_required


def baseline(request):
    """The bare minimum behind the same middleware: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


def baseline_signed_in(request):
    """The bare page for a signed-in resident: reading request.user makes the middleware load
    the session and the user, as for "My reservation"; anonymous gets 403."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden("not signed in", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


_numbers = itertools.count()


def baseline_insert(request):
    """One INSERT into a table with a unique constraint (created by bench.reserve), behind the
    same middleware, CSRF check included. The session and authentication middleware are lazy:
    as this view never reads request.user, they load neither the session nor the user."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    n = (os.getpid() << 32) | next(_numbers)  # unique per process and request
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (n) VALUES (%s)", [n])
    return HttpResponse("ok", content_type="text/plain")


def baseline_insert_signed_in(request):
    """The least a reservation must do, for a signed-in resident: reading request.user makes
    the middleware load the session and the user, as for every resident's request; then, in
    one transaction, its row (one INSERT with a unique constraint) and the confirmation SMS's
    outbox row (reserving queues one: reservations.services._confirmation_enqueue), which
    the outbox's count triggers count as they count every message. Anonymous gets 403, so that
    a broken session shows up as errors rather than as a cheaper baseline."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden("not signed in", content_type="text/plain")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    n = (os.getpid() << 32) | next(_numbers)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (n) VALUES (%s)", [n])
        cursor.execute(OUTBOX_ROW, [request.user.phone, f"{BASELINE_SMS_PREFIX}{n}"])
    return HttpResponse("ok", content_type="text/plain")


# Dedupe keys of the baseline's outbox rows, which bench.reserve deletes after the run.
BASELINE_SMS_PREFIX = "bench-baseline:"
OUTBOX_ROW = """
    INSERT INTO notifications_outboxmessage (recipient, text, kind, language, priority,
        dedupe_key, state, attempts, next_attempt_at, leased_by, last_error, created_at,
        updated_at)
    VALUES (%s, 'bench', 'reservation_made', 'zh-hans', 1, %s, 'queued', 0, now(), '', '',
        now(), now())
"""


_lookups = itertools.count()


@partner_required
def baseline_partner(request):
    """The partner API's baseline: the same token check (one indexed SELECT of the partner),
    then one indexed SELECT of a reservation by number, behind the same middleware."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    number = 20_000_000 + next(_lookups) % 20_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reservations_reservation WHERE number = %s", [number])
        cursor.fetchone()
    return JsonResponse({"ok": True})


def baseline_proof(request):
    """The proof benchmark's baseline: the same eight-digit number read from the query string,
    then one indexed SELECT (of a reservation by that number), behind the same middleware."""
    number = request.GET.get("number") or ""
    if len(number) != 8 or not number.isdigit():
        return JsonResponse({"error": "invalid"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reservations_reservation WHERE number = %s", [int(number)])
        row = cursor.fetchone()
    return JsonResponse({"number": number, "found": row is not None})


urlpatterns = [
    path("bench/baseline", baseline),
    path("bench/baseline-signed-in", baseline_signed_in),
    path("bench/baseline-insert", baseline_insert),
    path("bench/baseline-insert-signed-in", baseline_insert_signed_in),
    path("bench/baseline-partner", baseline_partner),
    path("bench/baseline-proof", baseline_proof),
    path("", include("config.urls")),
]

# The same error handling as the site's own URLs (config/urls.py): outages answer 503.
handler500 = "config.outage.server_error"

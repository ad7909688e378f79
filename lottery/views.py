"""Public, no sign-in: the draw calendar, certificates, the pool and winners files, the
verifier, and "did number X win?"."""

import re
from pathlib import Path

from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from city.inputs import typed_code
from lottery import selectors, services
from lottery.models import Draw, DrawFile

VERIFIER = Path(__file__).with_name("verify.py")


@require_GET
def draws(request):
    coming, past = selectors.draws_for_calendar()
    context = {"coming": coming, "past": past, "notice": selectors.schedule_notice()}
    return render(request, "lottery/draws.html", context)


@require_GET
def draw_detail(request, draw_id: int):
    draw = get_object_or_404(Draw, pk=draw_id)
    context = {
        "draw": draw,
        "certificate": selectors.certificate_of(draw=draw),
        # The figures as read here (district names in the reader's language, the caveat);
        # certificate.json publishes them as computed.
        "fairness": selectors.fairness_display(fairness=draw.fairness),
    }
    return render(request, "lottery/draw.html", context)


@require_GET
def certificate(request, draw_id: int):
    draw = get_object_or_404(Draw, pk=draw_id)
    response = HttpResponse(
        selectors.certificate_json(draw=draw), content_type="application/json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"  # anyone may check a draw from anywhere
    return response


@require_GET
def proof(request, draw_id: int):
    """One number's membership and outcome, checkable against the certificate (DOMAIN
    "Per-number proofs"); 404 until the draw is drawn."""
    raw = request.GET.get("number") or ""
    # "1234 5678", "1234-5678" and full-width digits are the same number (city.inputs).
    number = typed_code(raw.strip()[:40])
    try:
        # Kept per process once drawn: no query for the draw after the first proof.
        available = selectors.proof_available(draw_id=draw_id)
    except selectors.PoolTreeMissing:
        # Drawn before trees were stored and missed by their migration: built once, here.
        services.pool_tree_build(draw=Draw.objects.get(pk=draw_id))
        available = True
    if not available:
        response = JsonResponse({"error": "not_drawn", "draw": draw_id}, status=404)
    elif not re.fullmatch(r"[0-9]{8}", number):
        response = JsonResponse({"error": "invalid", "number": raw}, status=400)
    else:
        response = JsonResponse(selectors.number_proof_of(draw_id=draw_id, number=int(number)))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _file(draw_id: int, name: str):
    draw_file = selectors.published_file(draw_id=draw_id, name=name)
    if draw_file is None:
        raise Http404
    response = StreamingHttpResponse(
        selectors.file_chunks(draw_file=draw_file), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{name}.txt"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def pool_file(request, draw_id: int):
    return _file(draw_id, DrawFile.Name.POOL)


@require_GET
def winners_file(request, draw_id: int):
    return _file(draw_id, DrawFile.Name.WINNERS)


@require_GET
def verifier(request):
    return FileResponse(
        VERIFIER.open("rb"),
        content_type="text/x-python; charset=utf-8",
        as_attachment=False,
        filename="verify.py",
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def results(request):
    """Did number X win? Status and draw only: nothing about the person."""
    raw = request.GET.get("number")
    if raw is None and not _wants_json(request):
        return render(request, "lottery/results.html", {})
    # "1234 5678", "1234-5678" and full-width digits are the same number (city.inputs).
    number = typed_code((raw or "").strip()[:40])
    if not re.fullmatch(r"[0-9]{8}", number):
        if _wants_json(request):
            return JsonResponse({"error": "invalid", "number": raw}, status=400)
        return render(request, "lottery/results.html", {"invalid": True, "asked": raw}, status=400)
    answer = selectors.number_status(number=int(number))
    if _wants_json(request):
        return JsonResponse(answer)
    context = {"answer": answer, "now": timezone.now()}
    if answer["status"] == "won":
        context["purchase_window"] = selectors.won_purchase_window(number=int(answer["number"]))
    return render(request, "lottery/results.html", context)

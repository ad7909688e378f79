"""Public, no sign-in: the draw calendar, certificates, the pool and winners files, the
verifier, and "did number X win?"."""

import hashlib
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
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from city.inputs import typed_code
from city.page_frames import render_framed
from lottery import selectors, services
from lottery.models import DRAWN_STATES, Draw, DrawFile

VERIFIER = Path(__file__).with_name("verify.py")


@require_GET
def draws(request):
    coming, past = selectors.draws_for_calendar()
    context = {
        "coming": coming,
        "past": past,
        "notice": selectors.schedule_notice(),
        "ledger_head": selectors.ledger_head(),
    }
    return render(request, "lottery/draws.html", context)


@require_GET
def draw_detail(request, draw_id: int):
    draw = get_object_or_404(Draw, pk=draw_id)
    certificate = selectors.certificate_of(draw=draw)
    context = {
        "draw": draw,
        "certificate": certificate,
        # The figures as read here (district names in the reader's language, the caveat);
        # certificate.json publishes them as computed (and, once sealed, as sealed).
        "fairness": selectors.fairness_display(fairness=certificate["fairness"]),
        "sealed": selectors.sealed_certificate_of(draw_id=draw.pk),
        "ledger_head": selectors.ledger_head(),
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
def ledger(request):
    """Every sealed certificate's digest, chained, in sealing order: it only grows."""
    response = JsonResponse(selectors.ledger(), safe=False, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
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


def _check_texts() -> dict[str, str]:
    """What static/js/check.js says, translated here (the page carries them as JSON, so the
    script needs no catalogue of its own). %(name)s is filled in by the script."""
    return {
        "checking": gettext("Checking in this browser…"),
        "invalid": gettext("A reservation number has exactly 8 digits."),
        "no_crypto": gettext(
            "This browser cannot check here: it offers no WebCrypto on this connection (the "
            "page must be opened over https). It has computed nothing, so it gives no verdict; "
            "the server's answer and the offline check below still hold."
        ),
        "fetch_failed": gettext(
            "The check could not be made: the proof or the certificate did not load (%(why)s)."
        ),
        "won": gettext(
            "Your number %(number)s was one of %(size)s numbers in the pool, and won by the "
            "published rule."
        ),
        "lost": gettext(
            "Your number %(number)s was one of %(size)s numbers in the pool, and did not win by "
            "the published rule."
        ),
        "not_in_pool": gettext(
            "The server says %(number)s is not in this draw's pool. This browser cannot prove "
            "that a number is absent: the pool file and the verifier can (below)."
        ),
        "failed": gettext("The check FAILED: what the server sent does not add up."),
        "failed_after": gettext(
            "Do not rely on the server's answer. Keep this page, download the files and run the "
            "verifier below, and tell the notary or the city hotline."
        ),
        "agrees": gettext("The server's answer agrees with this browser's check."),
        "yes": gettext("yes"),
        "no": gettext("no"),
        "won_word": gettext("won"),
        "lost_word": gettext("did not win"),
        "not_given": gettext("not given"),
        "row_in_pool": gettext("In the pool"),
        "row_index": gettext("Index in the pool (from 0)"),
        "row_root": gettext("Merkle root reached by the audit path"),
        "row_rank": gettext("Rank of the number"),
        "row_won": gettext("Outcome by the published rule"),
        "row_commitment": gettext("Revealed secret matches the commitment"),
        "row_certificate": gettext("SHA-256 of certificate.json"),
        "col_what": gettext("What"),
        "col_browser": gettext("This browser computed"),
        "col_server": gettext("The server says"),
        "bad_path": gettext(
            "The audit path does not lead to the certificate's Merkle root: the number's "
            "membership is not proved."
        ),
        "bad_root": gettext("The proof's root is not the certificate's Merkle root."),
        "bad_size": gettext("The proof's pool size is not the certificate's."),
        "bad_number": gettext("The proof is for another number."),
        "bad_commitment": gettext("The revealed secret does not match the notary's commitment."),
        "bad_rank": gettext("The server's rank differs from the rank computed here."),
        "bad_won": gettext("The server's outcome differs from the published rule."),
        "bad_certificate": gettext(
            "The certificate this browser fetched is not the one this page was made from "
            "(their SHA-256 differ)."
        ),
        "bad_form": gettext("The proof is malformed: %(why)s."),
    }


@require_GET
def check(request, draw_id: int):
    """`/draws/<id>/check`: one resident's number, checked in their browser against the
    certificate (static/js/check.js); without JavaScript, the server's answer and the offline
    command. Nothing personal: the pool file is public."""
    draw = get_object_or_404(Draw, pk=draw_id)
    drawn = draw.status in DRAWN_STATES and bool(draw.pool_merkle_root)
    certificate_bytes = selectors.certificate_json(draw=draw)
    context = {
        "draw": draw,
        "drawn": drawn,
        "certificate": selectors.certificate_of(draw=draw),
        "certificate_sha256": hashlib.sha256(certificate_bytes).hexdigest(),
        "texts": _check_texts(),
        # Read out at the ceremony: the digest a resident compares the chain's latest link with.
        "ledger_head": selectors.ledger_head(),
    }
    raw = request.GET.get("number")
    if raw is None or not drawn:
        return render(request, "lottery/check.html", context)
    # "1234 5678", "1234-5678" and full-width digits are the same number (city.inputs).
    number = typed_code(raw.strip()[:40])
    if not re.fullmatch(r"[0-9]{8}", number):
        context.update(invalid=True, asked=raw)
        return render(request, "lottery/check.html", context, status=400)
    context["answer"] = selectors.number_proof(draw=draw, number=int(number))
    return render(request, "lottery/check.html", context)


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
    found = selectors.number_answer(number=int(number))
    if _wants_json(request):
        return JsonResponse(found.answer)
    now = timezone.now()
    window = found.purchase_window
    window_open = bool(window and window[1] > now)

    def context_for(values: dict[str, str]) -> dict:
        return {
            "answer": {**found.answer, "number": values["number"]},
            "now": now,
            "purchase_window": window,
            "last_draw": found.last_draw,
        }

    if list(request.GET) != ["number"] or raw != number:
        # Asked in another spelling ("1234 5678"): the page's "next" holds it as typed.
        return render(request, "lottery/results.html", context_for({"number": number}))
    # Everyone asking about a waiting number (or a winner of the same draw) gets the same page
    # but for the number: it is rendered once per answer and filled in (city.page_frames).
    return render_framed(
        request,
        "lottery/results.html",
        frame=(found.answer["status"], found.answer["draw"], found.last_draw, window, window_open),
        context_for=context_for,
        values={"number": number},
        # A winner's page changes when the purchase window closes.
        seconds=(window[1] - now).total_seconds() if window_open else None,
    )

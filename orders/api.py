"""The partner retailer's JSON API, /api/partner/v1/ (docs/partner-api.md).

Thin: authenticate, limit, parse and validate the body, call a selector or service, answer.
Every answer is JSON; messages are in the reader's language (Accept-Language; Chinese first).
"""

import json
import math
import re
import unicodedata
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from city.inputs import typed_code
from city.phones import normalize_contact_phone
from notifications.ratelimit import per_second_allowed
from orders.models import Order, OrderStatus, Partner
from orders.selectors import Reason, eligibility_check, order_for_partner, partner_authenticate
from orders.services import (
    IllegalStep,
    NotEligible,
    OrderConflict,
    order_place,
    order_set_status,
)
from pickup.models import PickupPoint
from pickup.selectors import NoPickupPoint

MAX_TEXT = 500  # characters of any text field: far more than any address

# The one contract of `phone` (docs/partner-api.openapi.json holds the same pattern, and a test
# compares them): a mainland mobile or a fixed line as normalize_contact_phone reads it, in
# ASCII or full-width digits, with at most three grouping characters (spaces, dashes, and for
# a fixed line brackets) between any two. Bounded, the pattern is its own length limit (a
# schema's minLength/maxLength on top made schemathesis' generation crawl). It is valid in
# ECMA-262 and Python alike.
_GAP = r"[\t \u00a0\u3000\-\uff0d\u2010-\u2015\u2212]{0,3}"
_GAP_LINE = r"[\t \u00a0\u3000\-\uff0d\u2010-\u2015\u2212()\uff08\uff09]{0,3}"
_DIGIT = r"[0-9\uff10-\uff19]"
_PLUS, _ZERO, _EIGHT, _SIX = r"[+\uff0b]", r"[0\uff10]", r"[8\uff18]", r"[6\uff16]"
# +86 or 0086 (a mobile may also start 86; a fixed line may keep its 0 after the country).
_MOBILE = (
    f"{_GAP}(?:(?:{_PLUS}{_GAP}|{_ZERO}{_GAP}{_ZERO}{_GAP})?{_EIGHT}{_GAP}{_SIX}{_GAP})?"
    f"[1\uff11]{_GAP}[3-9\uff13-\uff19](?:{_GAP}{_DIGIT}){{9}}{_GAP}"
)
_LINE = (
    f"{_GAP_LINE}(?:(?:{_PLUS}{_GAP_LINE}|{_ZERO}{_GAP_LINE}{_ZERO}{_GAP_LINE}){_EIGHT}"
    f"{_GAP_LINE}{_SIX}(?:{_GAP_LINE}{_ZERO})?|{_ZERO}){_GAP_LINE}[1-9\uff11-\uff19]"
    f"(?:{_GAP_LINE}{_DIGIT}){{8,10}}{_GAP_LINE}"
)
PHONE_PATTERN = f"^(?:{_MOBILE}|{_LINE})$"
_PHONE_RE = re.compile(PHONE_PATTERN)
# Eight digits, the first not 0, in either width, with the same grouping as a phone's between
# and around them ("1234 5678", "１２３４-５６７８"): the one input convention (issue 15).
RESERVATION_NUMBER_PATTERN = f"^{_GAP}[1-9\\uff11-\\uff19](?:{_GAP}{_DIGIT}){{7}}{_GAP}$"
_PHONE_REFUSED = gettext_lazy(
    "The phone is a mainland mobile number or a fixed line with its area code, for example "
    "13800138000 or 0591-87010100."
)


def _answer(status: int, data: dict) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, error: str, **extra) -> JsonResponse:
    return _answer(status, {"error": error, **extra})


def _refusal(status: int, reason: str) -> JsonResponse:
    return _answer(status, {"reason": reason, "message": _reason_message(reason)})


def _reason_message(reason: str) -> str:
    if reason == "conflict":
        return _("This partner_order_id was already used for a different order.")
    if reason == "illegal_transition":
        return _("This order cannot move to that status from its current one.")
    return str(Reason(reason).label)


# --- authentication, limits, body -------------------------------------------------------------


def _bearer_token(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def partner_required(view):
    """A live partner token in `Authorization: Bearer …`, or 401. No session, no CSRF: the
    token is the credential, and it is never in a cookie."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        partner = partner_authenticate(token=_bearer_token(request))
        if partner is None:
            response = _error(401, "unauthorized")
            response["WWW-Authenticate"] = 'Bearer realm="partner"'
            return response
        request.partner = partner
        return view(request, *args, **kwargs)

    return wrapper


def _rate_allowed(partner: Partner) -> bool:
    """Each partner's own rate, counted in Redis across every process."""
    return per_second_allowed(f"partner-api:{partner.pk}", settings.PARTNER_API_RATE_PER_SECOND)


class BadBody(Exception):
    pass


def _no_constants(name: str):
    raise BadBody(name)  # NaN and Infinity are not JSON


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999999 would read as infinity
        raise BadBody(text)
    return number


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body, parse_constant=_no_constants, parse_float=_finite_float)
    except (ValueError, RecursionError, BadBody):  # decode errors, huge integers, deep nesting
        raise BadBody from None
    if not isinstance(data, dict):
        raise BadBody
    return data


def partner_api(view):
    """Everything the partner endpoints share, in this order: 401 without a live token, 405
    for anything but POST, 429 over the partner's rate, 415 unless the body is JSON, 413 over
    the size limit, 400 unless it is a JSON object. The view gets the object."""

    @partner_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            response = _error(405, "method_not_allowed")
            response["Allow"] = "POST"
            return response
        if not _rate_allowed(request.partner):
            response = _error(429, "rate_limited")
            response["Retry-After"] = "1"
            return response
        content_type = request.content_type or ""
        if content_type.lower() != "application/json":
            return _error(415, "unsupported_media_type")
        limit = settings.PARTNER_API_MAX_BODY_BYTES
        length = request.META.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            # A chunked body arrives without a length, and WSGI gives a view none of it: say
            # so rather than judge an empty body.
            return _error(411, "length_required")
        declared = int(length)
        if declared > limit:
            return _error(413, "too_large")
        body = request.read(limit + 1)
        if len(body) > limit:
            return _error(413, "too_large")
        try:
            data = _json_object(body)
        except BadBody:
            return _error(400, "invalid", fields={"body": _("The body must be a JSON object.")})
        return view(request, data, *args, **kwargs)

    return wrapper


# --- fields -----------------------------------------------------------------------------------


class Fields:
    """Reads the body's fields, collecting a message for each wrong one."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = _("This field is required.")
            return None
        if not isinstance(value, str):
            self.errors[name] = _("This field must be a string.")
            return None
        if len(value) > MAX_TEXT or any(
            unicodedata.category(char) in ("Cc", "Cs") and not char.isspace() for char in value
        ):
            # Control characters and lone surrogates are never part of a phone number or an
            # address (PostgreSQL refuses NUL, UTF-8 has no surrogates). Code points this
            # Python does not know yet are fine: newer CJK extensions are real characters.
            self.errors[name] = _("This text is too long or contains characters it cannot.")
            return None
        if not value.strip():
            self.errors[name] = _("This field may not be blank.")
            return None
        return value

    def phone(self) -> str | None:
        value = self.text("phone")
        if value is None:
            return None
        if not _PHONE_RE.fullmatch(value):
            self.errors["phone"] = str(_PHONE_REFUSED)
            return None
        try:
            return normalize_contact_phone(value)
        except ValidationError as error:  # the pattern should have refused it already
            self.errors["phone"] = str(error.messages[0])
            return None

    def reservation_number(self) -> int | None:
        if "reservation_number" not in self.data:
            return None  # optional: left out when there is none (null is not a number)
        value = self.data["reservation_number"]
        number = None
        if isinstance(value, str) and re.fullmatch(RESERVATION_NUMBER_PATTERN, value):
            number = int(typed_code(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        if number is None or not 10_000_000 <= number <= 99_999_999:
            self.errors["reservation_number"] = _(
                'The reservation number has eight digits, e.g. "12345678".'
            )
            return None
        return number

    def quantity(self) -> int | None:
        value = self.data.get("quantity")
        if value is None:
            self.errors["quantity"] = _("This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value != 1:
            self.errors["quantity"] = _("Exactly one pack per win: the quantity must be 1.")
            return None
        return value

    def partner_order_id(self) -> str | None:
        value = self.text("partner_order_id")
        if value is None:
            return None
        if len(value) > 64 or not value.isascii() or not value.isprintable() or " " in value:
            self.errors["partner_order_id"] = _(
                "The partner's order id is 1 to 64 printable ASCII characters without spaces."
            )
            return None
        return value

    def invalid(self) -> JsonResponse:
        return _error(400, "invalid", fields=self.errors)


def _point(point: PickupPoint | None) -> dict | None:
    return {"name": point.name, "address": point.address} if point else None


def _order_answer(order: Order) -> dict:
    return {
        "order_id": str(order.pk),
        "reservation_number": order.reservation.number_display,
        "fulfilment": order.fulfilment,
        "pickup_point": _point(order.pickup_point),
        "delivery_date": order.delivery_date.isoformat(),
        "status": order.status,
    }


def _no_route() -> JsonResponse:
    return _error(503, "routing_unavailable")


# --- endpoints --------------------------------------------------------------------------------


@partner_api
def verify(request, data: dict):
    fields = Fields(data)
    phone, address = fields.phone(), fields.text("address")
    number = fields.reservation_number()
    if fields.errors:
        return fields.invalid()
    try:
        check = eligibility_check(phone=phone, address=address, number=number, now=timezone.now())
    except NoPickupPoint:
        return _no_route()
    if not check.eligible:
        return _answer(
            200,
            {
                "eligible": False,
                "reason": check.reason.value,
                "message": _reason_message(check.reason),
            },
        )
    terms, route = check.terms, check.route
    return _answer(
        200,
        {
            "eligible": True,
            "reservation_number": check.candidate.number_display,
            "pack_size": terms.pack_size,
            "unit_price": f"{terms.unit_price:.2f}",
            "fulfilment": route.fulfilment.value,
            "pickup_point": _point(route.pickup_point),
            "order_deadline": timezone.localtime(check.candidate.window[1]).isoformat(),
        },
    )


@partner_api
def orders(request, data: dict):
    fields = Fields(data)
    partner_order_id = fields.partner_order_id()
    phone, address = fields.phone(), fields.text("address")
    number, quantity = fields.reservation_number(), fields.quantity()
    if fields.errors:
        return fields.invalid()
    try:
        placed = order_place(
            partner=request.partner,
            partner_order_id=partner_order_id,
            phone=phone,
            address=address,
            number=number,
            quantity=quantity,
            now=timezone.now(),
        )
    except NotEligible as refusal:
        return _refusal(409, refusal.reason.value)
    except OrderConflict:
        return _refusal(409, "conflict")
    except NoPickupPoint:
        return _no_route()
    return _answer(201 if placed.created else 200, _order_answer(placed.order))


@partner_api
def order_status(request, data: dict, order_id: str):
    order = order_for_partner(partner_id=request.partner.pk, order_id=order_id)
    if order is None:
        return _error(404, "not_found")
    status = data.get("status")
    allowed = [OrderStatus.DISPATCHED, OrderStatus.DELIVERED, OrderStatus.CANCELLED]
    if not isinstance(status, str) or status not in allowed:
        return _error(
            400,
            "invalid",
            fields={"status": _("The status is one of: dispatched, delivered, cancelled.")},
        )
    try:
        order = order_set_status(order=order, status=status, now=timezone.now())
    except IllegalStep:
        return _refusal(409, "illegal_transition")
    return _answer(200, _order_answer(order))


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Anything else under the API's prefix answers in JSON too."""
    return _error(404, "not_found")

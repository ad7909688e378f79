"""The resident's pages: sign-in by SMS code, verification, address, reserve, cancel, and "My
reservation", which composes what reservations, the lottery, orders and pickup know of it."""

import datetime
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from city.errors import Refused
from city.memo import remembered
from city.page_frames import render_framed
from city.phones import mask_phone
from city.selectors import campaign_get, district_windows, window_status
from lottery.schedule import purchase_window
from lottery.selectors import closed_draws, draws_entered
from orders.selectors import order_live_for
from pickup.models import Fulfilment
from pickup.selectors import NoPickupPoint, parcel_progress, route_for
from portal import page_cache
from portal.forms import AddressForm, CodeForm, PhoneForm, VerifyForm
from portal.selectors import my_page
from reservations import devices, limits
from reservations.identity import IdentityUnavailable
from reservations.models import ReservationState, Resident
from reservations.selectors import (
    cooldown_ends_from,
    pending_wins_apply,
    reserve_again_after_cancel,
    reserve_opens,
)
from reservations.services import (
    SIGN_IN_CODE_MINUTES,
    reservation_cancel,
    reservation_create_for_user,
    resident_of,
    resident_set_address,
    resident_verify,
    sign_in_code_check,
    sign_in_code_send,
)

# The phone waiting for its code: the full number is needed to check the code, and nothing
# longer. It leaves the session at sign-in, and an anonymous session holding it expires with
# the code (beat then deletes the row).
SESSION_PHONE = "sign_in_phone"
SESSION_PHONE_UNTIL = "sign_in_phone_until"


def _pending_phone_set(request, phone: str) -> None:
    until = timezone.now() + datetime.timedelta(minutes=SIGN_IN_CODE_MINUTES)
    request.session[SESSION_PHONE] = phone
    request.session[SESSION_PHONE_UNTIL] = until.timestamp()
    if not request.user.is_authenticated:  # a staff session keeps its own lifetime
        request.session.set_expiry(SIGN_IN_CODE_MINUTES * 60)


def _pending_phone(request) -> str | None:
    phone = request.session.get(SESSION_PHONE)
    until = request.session.get(SESSION_PHONE_UNTIL)
    if phone and isinstance(until, int | float) and until > timezone.now().timestamp():
        return phone
    _pending_phone_forget(request)
    return None


def _pending_phone_forget(request) -> None:
    for key in (SESSION_PHONE, SESSION_PHONE_UNTIL):
        request.session.pop(key, None)


def burst_limited(scope: str, setting: str):
    """Over the configured site-wide rate, POSTs get a friendly 429 with Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            per_second = getattr(settings, setting)
            if request.method == "POST" and per_second > 0:
                if not limits.burst_allowed(scope, per_second):
                    response = render(request, "residents/too_busy.html", status=429)
                    response["Retry-After"] = "5"
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def resident_required(view):
    """Signed in with a phone as a resident; staff accounts use the admin, not these pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_staff or not request.user.phone:
            messages.info(request, _("Staff accounts work in the admin, not on residents' pages."))
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return wrapper


def _resident(request) -> Resident:
    return resident_of(user=request.user)


@require_http_methods(["GET", "HEAD", "POST"])
@burst_limited("sign-in", "SIGN_IN_BURST_PER_SECOND")
def sign_in(request):
    if request.user.is_authenticated and not request.user.is_staff:
        return redirect("me")
    form = PhoneForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                sent = sign_in_code_send(
                    phone=phone,
                    ip=limits.client_source(request),
                    language=get_language() or "zh-hans",
                    now=timezone.now(),
                    device=devices.trusted_nonce(request, account=devices.resident_account(phone)),
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
                response = render(request, "residents/sign_in.html", {"form": form}, status=429)
                response["Retry-After"] = str(refusal.retry_after or 60)
                return response
            if not sent:
                messages.info(
                    request,
                    _(
                        "Many codes were sent to this number in the past hour, so no new one "
                        "was sent. Please enter the latest code you received."
                    ),
                )
            _pending_phone_set(request, phone)
            return redirect("sign_in_code")
        status = 400
    return render(request, "residents/sign_in.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@burst_limited("sign-in", "SIGN_IN_BURST_PER_SECOND")
def sign_in_code(request):
    phone = _pending_phone(request)
    if not phone:
        return redirect("sign_in")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = sign_in_code_check(
                    phone=phone, code=form.cleaned_data["code"], now=timezone.now()
                )
            except Refused as refusal:
                form.add_error("code", refusal.message)
            else:
                _pending_phone_forget(request)  # login() keeps the session's data
                login(request, user, backend="reservations.auth.LockoutModelBackend")
                devices.remember(request, account=devices.resident_account(phone))
                request.session.set_expiry(settings.RESIDENT_SESSION_DAYS * 24 * 3600)
                return redirect("me")
        status = 400
    masked = mask_phone(phone)
    context = {"form": form, "phone": masked}
    return render(request, "residents/sign_in_code.html", context, status=status)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("home")


def _route(reservation):
    """Where the pack of this reservation would go now (rule 9), if it can be routed."""
    if reservation is None:
        return None
    try:
        return route_for(reservation=reservation)
    except NoPickupPoint:
        return None


def _future(day, now):
    return day if day and day > timezone.localtime(now).date() else None


# The states "My reservation" shows as the reservation itself, without the reserve step.
LIVE_PAGE_STATES = frozenset(
    {ReservationState.WAITING, ReservationState.WON, ReservationState.ORDERED}
)


@resident_required
def me(request):
    mine = my_page(user=request.user)
    resident = mine.resident
    # Display only (the reserve step's POST checks every rule afresh): the settings, windows,
    # routes and draws every resident's page shows come from this process's few seconds'
    # memory (city.memo); the resident's own rows are read now, in one statement.
    config = page_cache.campaign_cached()
    now = timezone.now()
    reservation = mine.reservation  # a win shows at once (rule 6), settled or not
    order = order_live_for(reservation=reservation) if mine.has_orders else None
    window = (
        window_status(
            config=config,
            district=resident.district,
            now=now,
            windows=remembered(
                ("district-windows", resident.district_id),
                lambda: district_windows(district=resident.district),
            ),
        )
        if resident.district_id
        else None
    )
    cooldown = _future(cooldown_ends_from(config=config, last_win=mine.last_win_at), now)
    can_reserve = resident.is_verified and resident.community_id  # as the page's reserve step
    live = reservation is not None and reservation.state in LIVE_PAGE_STATES
    shown = {
        "campaign": SimpleNamespace(
            city_hotline=config.city_hotline, pickup_delivery_time=config.pickup_delivery_time
        ),
        "window": SimpleNamespace(windows_text=window.windows_text) if window else None,
        "cooldown_ends": cooldown,
        # Asked only where the reserve step shows: verified, with an address, nothing live.
        "reserve_opens": (
            reserve_opens(
                config=config, resident=resident, window=window, cooldown=cooldown, now=now
            )
            if can_reserve and not live
            else None
        ),
        "draws_entered": (
            draws_entered(
                config=config,
                reservation=reservation,
                now=now,
                draws=remembered("closed-draws", closed_draws),
            )
            if reservation
            else []
        ),
        "purchase_window": (
            purchase_window(config=config, reservation=reservation) if reservation else None
        ),
        "fulfilment": _route_shown(
            remembered(("route", reservation.town_id), lambda: _route(reservation))
            if reservation
            else None
        ),
        "order": order,
        # Where a pickup order's pack is now, each step's time and where to collect it.
        "parcel": (
            parcel_progress(reservation_id=reservation.pk)
            if order is not None and order.fulfilment == Fulfilment.PICKUP
            else None
        ),
        # The next draw, for a waiting reservation (the only state the page shows it for).
        "notice": (
            page_cache.schedule_notice_cached()
            if reservation is not None and reservation.state == ReservationState.WAITING
            else None
        ),
    }
    # What only this resident's page shows: filled into a frame shared by every resident whose
    # page is otherwise the same (city.page_frames), or rendered with the page.
    values = {
        "phone": request.user.phone,
        "document": resident.document_masked,
        "street": resident.street_address,
        "number": reservation.number_display if reservation else "",
        "address": reservation.address if reservation else "",
        "created": (
            dateformat.format(timezone.localtime(reservation.created_at), "Y-m-d H:i")
            if reservation
            else ""
        ),
    }

    def context_for(values: dict[str, str]) -> dict:
        return {
            **shown,
            "resident": SimpleNamespace(
                is_verified=resident.is_verified,
                method=resident.method,
                get_method_display=str(resident.get_method_display()),
                document_masked=values["document"],
                community_id=bool(resident.community_id),
                district=_place(resident.district),
                town=_place(resident.town),
                street_address=values["street"],
            ),
            "reservation": (
                SimpleNamespace(
                    number_display=values["number"],
                    address=values["address"],
                    created_text=values["created"],
                    state=reservation.state,
                    get_state_display=str(reservation.get_state_display()),
                )
                if reservation
                else None
            ),
            "phone": values["phone"],
        }

    if order is not None or request.GET:  # an order's progress, "Reserved.": this page's own
        return render(request, "residents/me.html", context_for(values))
    return render_framed(
        request,
        "residents/me.html",
        context_for=context_for,
        values=values,
        # Never past the moment the notice changes by itself (a cut-off, a draw).
        seconds=page_cache.expires_in(notice=shown["notice"]) if shown["notice"] else None,
    )


def _place(place) -> SimpleNamespace | None:
    """A district or town as the page shows it: its name in the reader's language."""
    return SimpleNamespace(display_name=str(place.display_name)) if place else None


def _route_shown(route) -> SimpleNamespace | None:
    if route is None:
        return None
    point = route.pickup_point
    return SimpleNamespace(
        home_delivery=route.home_delivery,
        pickup_point=(
            SimpleNamespace(display_name=str(point.display_name), address=point.address)
            if point
            else None
        ),
    )


@resident_required
@sensitive_post_parameters("document_number")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    resident = _resident(request)
    form = VerifyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                resident_verify(
                    resident=resident,
                    name=data["name"],
                    document_type=data["document_type"],
                    document_number=data["document_number"],
                    method=data["method"],
                    now=timezone.now(),
                )
            except IdentityUnavailable:
                form.add_error(
                    None,
                    _(
                        "The identity service is not answering right now. Nothing was saved; "
                        "please try again in a few minutes."
                    ),
                )
                status = 503
            except (Refused, ValidationError) as error:
                form.add_error(None, getattr(error, "message", None) or error.messages[0])
                status = 400
            else:
                messages.success(request, _("Your identity is verified."))
                return redirect("me")
        else:
            status = 400
        # The document number is not echoed back into the page.
        form.data = form.data.copy()
        form.data["document_number"] = ""
    return render(request, "residents/verify.html", {"form": form}, status=status)


@resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def address(request):
    resident = _resident(request)
    status = 200
    if request.method == "POST" and "save" in request.POST:
        form = AddressForm(request.POST)
        if form.is_valid():
            resident_set_address(
                resident=resident,
                community=form.cleaned_data["community"],
                street_address=form.cleaned_data["street_address"],
            )
            messages.success(request, _("Your address is saved."))
            return redirect("me")
        status = 400
    elif request.method == "POST":
        # "Show towns" / "Show committees": narrow the lists without validating yet.
        form = AddressForm(initial=request.POST.dict())
    else:
        form = AddressForm(
            initial={
                "district": resident.district_id,
                "town": resident.town_id,
                "community": resident.community_id,
                "street_address": resident.street_address,
            }
        )
    return render(request, "residents/address.html", {"form": form}, status=status)


@resident_required
@require_POST
@burst_limited("reserve", "RESERVE_BURST_PER_SECOND")
def reserve(request):
    try:
        number = reservation_create_for_user(user=request.user, now=timezone.now())
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect(reverse("me") + "#reserve")
    except Resident.DoesNotExist:
        return redirect("me")
    # "My reservation" shows the new number large at the top: no flash message to sign and
    # store in a cookie on the city's busiest request. A plain redirect: redirect() would
    # first try the address as a URL name, and fail, at some 0.1 ms.
    return HttpResponseRedirect(reverse("me") + f"?reserved={number:08d}")


@resident_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request):
    """Cancelling cannot be undone: a GET, or a POST without confirm=yes, shows what happens
    and when they could reserve again, and changes nothing; a form, no script needed."""
    resident = _resident(request)
    now = timezone.now()
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            reservation_cancel(resident=resident, now=now)
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your reservation is cancelled."))
        return redirect("me")
    reservation = resident.reservations.filter(state=ReservationState.WAITING).first()
    pending_wins_apply(reservations=[reservation])  # a pending win cannot be cancelled
    if reservation is None or reservation.state != ReservationState.WAITING:
        messages.error(request, _("You have no waiting reservation to cancel."))
        return redirect("me")
    context = {
        "reservation": reservation,
        "district": resident.district,
        "again": reserve_again_after_cancel(config=campaign_get(), resident=resident, now=now),
    }
    return render(request, "residents/cancel_confirm.html", context)

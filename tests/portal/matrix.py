"""The permission matrix's machinery: the world it walks (built once per module), the pages it
finds by itself (the admin's registry and the URL resolver), and what a response means.

Pages are named by keys that need no database (`city.district:change`, `admin:index`,
`url:draws/<int:draw_id>/`), so the test can be parametrised over them at collection; a key is
turned into a request against the world when it runs. A page of a scoped model has a second
key with `@other`: the same page for an object of another community or another point.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from city import roles
from city.models import CampaignConfig, Community, Suggestion
from city.reference import fuzhou as fuzhou_data
from city.services import reference_data_load
from lottery import services as lottery
from lottery.models import Draw, SealedCertificate
from notifications.models import OutboxMessage
from orders.models import Order
from orders.services import partner_create
from pickup.models import Batch, CollectAtPoint, Parcel, PickupPoint
from pickup.services import Scope, Step, batch_receive, parcels_step
from reservations.models import Reservation, User
from tests.conftest import _staff
from tests.lottery.helpers import COMMITMENT, SECRET
from tests.orders.conftest import DURING, committee_reserve, draw_all, partner_post, reserve
from tests.pickup.conftest import staff_of
from tests.pickup.helpers import order
from tests.reservations.conftest import START, at, make_resident

# Who walks the pages. `partner` sends its API token (and no session), `other_partner` another
# live partner's token.
ANONYMOUS = "anonymous"
RESIDENT = "resident"
PARTNER = "partner"
OTHER_PARTNER = "other_partner"
OFFICIAL = roles.OFFICIAL
NOTARY = roles.NOTARY
COMMITTEE = roles.COMMITTEE_STAFF
PICKUP = roles.PICKUP_STAFF
SUPERUSER = "superuser"
NOT_STAFF = (ANONYMOUS, RESIDENT, PARTNER, OTHER_PARTNER)
STAFF = (OFFICIAL, NOTARY, COMMITTEE, PICKUP, SUPERUSER)
ROLES = NOT_STAFF + STAFF

# What a response means.
OK = "ok"  # 200, or a redirect somewhere that is neither a sign-in page nor the admin index
DENIED = "denied"  # 403 (or, for an admin action, "no such action" for this person)
LOGIN = "login"  # sent to the admin's (or the residents') sign-in
INDEX = "index"  # sent to the admin index: "does not exist" (Django's answer for a change
# page of an object outside the person's queryset), or a staff account on a resident page
MISSING = "missing"  # 404
NOOP = "noop"  # an admin action ran, on nothing this person may see: nothing changed
UNAUTHORIZED = "unauthorized"  # the partner API's 401
CONFLICT = "conflict"  # the partner API's 409: refused for the win's state (an order exists)
ERROR = "error"  # 500: never expected
DASHBOARD = "dashboard"  # the admin home with the dashboard (`id="dashboard"`) above the models


def _world_users() -> dict[str, User]:
    if not Group.objects.filter(name=roles.OFFICIAL).exists():
        roles.sync_role_permissions(django_apps)
    linpu = Community.objects.get(town__name="城门镇", name="林浦村")
    lulei = Community.objects.get(town__name="城门镇", name="胪雷村")
    return {
        OFFICIAL: _staff("official", roles.OFFICIAL),
        NOTARY: _staff("notary", roles.NOTARY),
        # Of Linpu's committee (Chengmen, outside the delivery range: its winners' packs go to
        # the Cangshan point, so it has parcels, batches and orders to be scoped).
        COMMITTEE: staff_of("committee", community=linpu),
        "committee_elsewhere": staff_of("committee-lulei", community=lulei),
        PICKUP: staff_of("pickup", point=PickupPoint.objects.get(district__code="cangshan")),
        SUPERUSER: User.objects.create_superuser(username="root", password="pw"),
    }


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    objects: dict[str, Any] = field(default_factory=dict)  # "label" / "label@other" -> object
    markers: dict[str, str] = field(default_factory=dict)  # what shows an object on a page
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key, made once


def _sealed_draw(notary: User) -> SealedCertificate:
    """A draw nobody won, drawn and signed off: its sealed certificate is the ledger's one row."""
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 21, 10), pool_cutoff=at(2020, 2, 20, 21), actor=None
    )
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 20, 9))
    draw = lottery.draw_close_pool(draw=draw, quota=0, actor=None, now=at(2020, 2, 20, 21))
    draw = lottery.draw_fix_public_value(draw=draw, value="1", actor=None)
    draw = lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)
    draw = lottery.draw_run(draw=draw, actor=None, now=at(2020, 2, 21, 10))
    lottery.draw_sign_off(
        draw=draw,
        notary=notary,
        now=at(2020, 2, 21, 11),
        statement="全程监督。",
        certificate_number="(2020)闽榕证字第1号",
    )
    return SealedCertificate.objects.get(draw=draw)


def world_build() -> World:
    """Residents of two communities (one committee's own, one another's), their reservations, a
    real draw they all won, orders for pickup at two points, parcels and batches, and the rows
    every other admin page needs. Called inside a transaction the module rolls back."""
    reference_data_load(data=fuzhou_data)
    CampaignConfig.objects.filter(pk=1).update(
        start_date=START, committee_registration_deadline=datetime.date(2020, 2, 20)
    )
    users = _world_users()
    self_registered = make_resident(phone="13900000701", town="城门镇", community="林浦村")
    users[RESIDENT] = self_registered.user
    wins = draw_all(
        committee_reserve(users[COMMITTEE], name="林一号", serial=701),
        committee_reserve(users["committee_elsewhere"], name="胪二号", serial=702),
        reserve(make_resident(phone="13900000703", town="鼓山镇", serial=703)),
        reserve(self_registered),
    )
    own, elsewhere, jinan, _resident_own = wins
    partner, token = partner_create(name="朴朴超市")
    _other_partner, other_token = partner_create(name="永辉超市")
    partner_create(name="待撤销")  # the one the revoke action is tried on

    client = Client()

    def api(path: str, body: dict):
        return partner_post(client, token, path, body)

    with time_machine.travel(DURING, tick=False):
        own_order, _elsewhere_order, jinan_order = (
            order(api, win, f"M-{i}") for i, win in enumerate([own, elsewhere, jinan])
        )
    parcels = {p.reservation_id: p for p in Parcel.objects.select_related("batch")}
    batch = parcels[own.pk].batch
    # The Cangshan point received its batch and handed it to the towns: Linpu's committee may
    # now record "received from the town" (the parcel action that changes something).
    batch_receive(batch=batch, missing_numbers=[], staff=users[PICKUP], now=at(2020, 2, 21, 9))
    parcels_step(
        step=Step.TO_TOWN,
        scope=Scope(batch_id=batch.pk),
        numbers=None,
        staff=users[PICKUP],
        now=at(2020, 2, 21, 10),
    )
    # Stock for the coming draws' quotas (the first draw gave out all there was).
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 22), masks=100)
    sealed = _sealed_draw(users[NOTARY])
    # A draw still ahead, for the ceremony's steps that could succeed.
    coming = lottery.draw_add_extra(
        scheduled_at=at(2099, 3, 1, 10), pool_cutoff=at(2099, 2, 28, 21), actor=None
    )
    # One whose cut-off has passed but whose draw is still ahead: each ceremony step is tried
    # on it brought to that step (`CEREMONY_STAGES`, inside the request's savepoint: only one
    # draw's pool may be closed and not drawn at a time, so the stages cannot all be built).
    ceremony = lottery.draw_add_extra(
        scheduled_at=at(2099, 3, 8, 10), pool_cutoff=at(2020, 2, 25, 21), actor=None
    )
    pause = lottery.schedule_pause(reason="测试", actor=users[OFFICIAL], now=at(2020, 2, 18, 8))
    lottery.schedule_resume(actor=users[OFFICIAL], now=at(2020, 2, 18, 8, 5))
    Suggestion.objects.create(text="口罩很好", language="zh-hans")
    failed = OutboxMessage.objects.create(
        recipient="13900000799", text="hello", kind="draw_result", state="failed", dedupe_key="m"
    )
    world = World(users=users, tokens={PARTNER: token, OTHER_PARTNER: other_token})
    for role in (RESIDENT, *STAFF):
        # One session each, made once (a client signing in again would end the last one).
        signed_in = Client()
        signed_in.force_login(users[role])
        world.sessions[role] = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    cangshan, jinan_point = batch.point, parcels[jinan.pk].batch.point
    objects = {
        "reservations.resident": own.resident,
        "reservations.resident@other": elsewhere.resident,
        "reservations.reservation": own,
        "reservations.reservation@other": elsewhere,
        "reservations.committeewin": own,
        "reservations.committeewin@other": elsewhere,
        "orders.order": Order.objects.get(pk=own_order),
        "orders.order@other": Order.objects.get(pk=jinan_order),
        "orders.partner": partner,
        "pickup.parcel": parcels[own.pk],
        "pickup.parcel@other": parcels[jinan.pk],
        "pickup.batch": batch,
        "pickup.batch@other": parcels[jinan.pk].batch,
        "pickup.pickuppoint": cangshan,
        "pickup.pickuppoint@other": jinan_point,
        "pickup.collectatpoint": CollectAtPoint.objects.filter(point=cangshan).first(),
        "city.community": users[COMMITTEE].community,
        "city.community@other": users["committee_elsewhere"].community,
        "lottery.draw": coming,
        "lottery.schedulepause": pause,
        "reservations.user": users[NOTARY],
        "notifications.outboxmessage": failed,
        "draw_done": Draw.objects.get(pk=own.win.draw_id),  # drawn, to be signed off
        "lottery.sealedcertificate": sealed,
        "ceremony_draw": ceremony,
    }
    world.objects = {key: value for key, value in objects.items() if value is not None}
    for label in ["reservations.reservation", "reservations.committeewin", "pickup.parcel"]:
        for suffix in ["", "@other"]:
            item = world.objects[label + suffix]
            number = item.reservation if isinstance(item, Parcel) else item
            world.markers[label + suffix] = number.number_display
    for suffix in ["", "@other"]:
        world.markers["orders.order" + suffix] = world.objects[
            "orders.order" + suffix
        ].reservation.number_display
        world.markers["reservations.resident" + suffix] = world.objects[
            "reservations.resident" + suffix
        ].document_masked
        batch_id = world.objects["pickup.batch" + suffix].pk
        world.markers["pickup.batch" + suffix] = f"/admin/pickup/batch/{batch_id}/"
    return world


def object_for(world: World, label: str, other: bool = False):
    """The object a page of `label` is about: the world's own one, or the first row."""
    key = label + ("@other" if other else "")
    if key in world.objects:
        return world.objects[key]
    model = django_apps.get_model(label)
    return model._default_manager.order_by("pk").first()


# --- the pages, found by themselves ------------------------------------------------------------

STOCK = ("changelist", "add", "change", "delete", "history")
# Scoped models: their object pages exist twice, for an object of the person's own community or
# point and for another's.
SCOPED = {
    "reservations.resident",
    "reservations.reservation",
    "reservations.committeewin",
    "orders.order",
    "pickup.parcel",
    "pickup.batch",
    "pickup.pickuppoint",
    "city.community",
}


def _label(model) -> str:
    return model._meta.label_lower


def _stock_names(model) -> set[str]:
    info = (model._meta.app_label, model._meta.model_name)
    return {"{}_{}_{}".format(*info, kind) for kind in STOCK}


def custom_urls(model_admin) -> list[URLPattern]:
    """The URLs a ModelAdmin adds to Django's own (the ceremony, a batch's manifest, ...)."""
    stock = _stock_names(model_admin.model)
    return [
        url
        for url in model_admin.get_urls()
        # Django's own unnamed one: `<object_id>/` redirecting to the change page.
        if url.name not in stock and str(url.pattern) != "<path:object_id>/"
    ]


def _needs_object(pattern) -> bool:
    return "<" in str(pattern)


def admin_page_keys() -> list[str]:
    keys = []
    for model, model_admin in admin.site._registry.items():
        label = _label(model)
        variants = ["", "@other"] if label in SCOPED else [""]
        for kind in STOCK:
            if kind == "changelist":
                keys.append(f"{label}:changelist")
                continue
            for variant in variants if kind != "add" else [""]:
                keys.append(f"{label}:{kind}{variant}")
        # Submitting the forms: an empty POST is refused before anything is read when the
        # person may not add or change (and changes nothing when they may: the form is invalid).
        keys.append(f"{label}:add:post")
        for variant in variants:
            keys.append(f"{label}:change:post{variant}")
            keys.append(f"{label}:delete:post{variant}")
        for action in model_admin._get_base_actions():
            name = action[1]
            for variant in variants:
                keys.append(f"{label}:action:{name}{variant}")
        for url in custom_urls(model_admin):
            for variant in variants if _needs_object(url.pattern) else [""]:
                keys.append(f"{label}:{url.name}{variant}")
        for name in model_admin.autocomplete_fields:
            keys.append(f"admin:autocomplete:{label}.{name}")
    app_labels = sorted({model._meta.app_label for model in admin.site._registry})
    keys += [f"admin:app:{app_label}" for app_label in app_labels]
    for url in admin.site.get_urls():
        if isinstance(url, URLResolver) or url.name in ("app_list", "autocomplete"):
            continue
        keys.append(f"admin:{url.name or 'catch_all'}")
    return keys


def site_page_keys() -> list[str]:
    """Every page outside the admin, by its route as the resolver holds it."""
    keys = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry.url_patterns, route)
            else:
                keys.append(f"url:{route}")

    walk(get_resolver().url_patterns, "")
    return keys


def all_page_keys() -> list[str]:
    return admin_page_keys() + site_page_keys()


# --- a key made into a request ---------------------------------------------------------------


@dataclass
class Request:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    json: bool = False  # the partner API's body
    other: bool = False
    marker: str = ""  # on a page of another's object: what must not show
    snapshot: Any = None  # a callable: the state a refused POST must leave as it was
    expect_change: bool = False  # an allowed POST of this kind changes the state
    unconfirmed: bool = False  # a step that asks for confirmation, posted without it
    prepare: Callable[[], None] | None = None  # brings the world to the step, in the savepoint
    shows: tuple[str, str] | None = None  # (marker, outcome): an OK page showing it is that


def _row(model, pk) -> list[dict]:
    return list(model._default_manager.filter(pk=pk).values())


def _draw_state(draw_id: int):
    draw = Draw.objects.filter(pk=draw_id).values().first()
    return (
        draw,
        Draw.objects.count(),
        list(Draw.objects.get(pk=draw_id).log.values_list("action", flat=True)),
    )


def _parcels_state():
    return sorted(Parcel.objects.values_list("pk", "state", "missing"))


def _reservations_state():
    return sorted(Reservation.objects.values_list("pk", "state"))


def snapshot_for(model, obj):
    """What an admin action or a form POST may change: the object's row, and the reservations
    and parcels (the services the actions call move those)."""
    pk = obj.pk if obj is not None else None
    return lambda: (_row(model, pk), _reservations_state(), _parcels_state())


def admin_request(key: str, world: World) -> Request:
    label, _colon, rest = key.partition(":")
    other = rest.endswith("@other")
    rest = rest.removesuffix("@other")
    if label == "admin":
        return _site_request(rest, world)
    model = django_apps.get_model(label)
    model_admin = admin.site._registry[model]
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = object_for(world, label, other)
    marker = world.markers.get(label + "@other", "") if other else ""
    snapshot = snapshot_for(model, obj)
    if rest == "changelist":
        return Request("GET", reverse(f"{info}_changelist"))
    if rest == "add":
        return Request("GET", reverse(f"{info}_add"))
    if rest == "add:post":
        count = model._default_manager.count
        return Request("POST", reverse(f"{info}_add"), snapshot=count)
    if rest in ("change", "delete", "history"):
        url = reverse(f"{info}_{rest}", args=[obj.pk])
        return Request("GET", url, other=other, marker=marker)
    if rest == "change:post":
        url = reverse(f"{info}_change", args=[obj.pk])
        return Request("POST", url, other=other, marker=marker, snapshot=snapshot)
    if rest == "delete:post":
        url = reverse(f"{info}_delete", args=[obj.pk])
        return Request("POST", url, {"post": "yes"}, other=other, snapshot=snapshot)
    if rest.startswith("action:"):
        name = rest.removeprefix("action:")
        if label == "orders.partner":
            obj = model._default_manager.get(name="待撤销")
            snapshot = snapshot_for(model, obj)
        data = {"action": name, "_selected_action": [obj.pk], "post": "yes", "index": 0}
        return Request(
            "POST",
            reverse(f"{info}_changelist"),
            data,
            other=other,
            marker=marker,
            snapshot=snapshot,
            expect_change=name in CHANGING_ACTIONS,
        )
    return _custom_request(model_admin, rest, obj, world, other=other, marker=marker)


# Actions that, allowed, change the world's object (the others answer a file or a page, or may
# be refused by the service they call for reasons of time, which the matrix does not test).
CHANGING_ACTIONS = {
    "mark_read",
    "revoke",
    "retry_failed",
    "record_to_committee",
    "delete_selected",
    "deactivate",
}


def _custom_request(model_admin, name: str, obj, world: World, *, other: bool, marker: str):
    """A ModelAdmin's own URL: GET for pages, a POST that could succeed for the forms' targets
    (which answer a GET by sending back to the form)."""
    url = next(u for u in custom_urls(model_admin) if u.name == name)
    # A committee win's slip is its resident's.
    pk = obj.resident_id if name == "reservations_committeewin_slip" else getattr(obj, "pk", None)
    args = [pk] if _needs_object(url.pattern) else []
    address = reverse(f"admin:{name}", args=args)
    batch_state = (lambda: (_row(Batch, obj.pk), _parcels_state())) if obj is not None else None
    posts = {
        "pickup_batch_receive": {"missing": ""},
        "pickup_batch_found": {"numbers": world.markers.get("pickup.parcel", "")},
        "pickup_batch_step": {"step": Step.TO_TOWN.value, "numbers": ""},
        "pickup_parcel_step": {
            "step": Step.TO_COMMITTEE.value,
            "numbers": world.markers["pickup.parcel"],
        },
    }
    if name in posts:
        town = {"town": world.objects["pickup.parcel"].town_id}
        data = {**posts[name], **(town if name == "pickup_batch_step" else {})}
        snapshot = batch_state if name.startswith("pickup_batch") else _parcels_state
        return Request("POST", address, data, other=other, marker=marker, snapshot=snapshot)
    return Request("GET", address, other=other, marker=marker)


def _site_request(name: str, world: World) -> Request:
    if name.startswith("app:"):
        return Request("GET", reverse("admin:app_list", args=[name.removeprefix("app:")]))
    if name.startswith("autocomplete:"):
        label, _dot, field_name = name.removeprefix("autocomplete:").rpartition(".")
        app_label, model_name = label.split(".")
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        return Request("GET", reverse("admin:autocomplete"), {**query, "term": ""})
    if name == "view_on_site":
        draw = world.objects["lottery.draw"]
        content_type = ContentType.objects.get_for_model(Draw)
        return Request("GET", reverse("admin:view_on_site", args=[content_type.pk, draw.pk]))
    if name == "catch_all":
        return Request("GET", "/admin/no/such/page/")
    if name == "logout":
        return Request("POST", reverse("admin:logout"))
    if name == "index":
        return Request("GET", reverse("admin:index"), shows=DASHBOARD_SHOWN)
    return Request("GET", reverse(f"admin:{name}"))


# The admin's home (portal/urls.py routes `admin/` ahead of the admin's own index): the
# dashboard for those with its permission, Django's index for other staff.
DASHBOARD_SHOWN = ('id="dashboard"', DASHBOARD)


# POSTs to custom admin views whose steps are not URLs of their own (the ceremony's table of
# steps, `lottery.admin.STEPS`; the schedule's pause; the extra draw's form): named here, by
# their URL's name, what is posted, on which of the world's draws and brought to which stage.
# Each confirmed one changes the state for the role that may take it; each posted without
# `confirm=yes` (a step that asks for it) answers the confirmation page and changes nothing.
class ViewPost(NamedTuple):
    name: str
    data: dict
    draw: str = "lottery.draw"
    stage: str | None = None  # a key of CEREMONY_STAGES
    confirmed: bool = True


def _committed(draw: Draw) -> None:
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 25, 9))


def _closed(draw: Draw) -> None:
    _committed(draw)
    lottery.draw_close_pool(draw=draw, quota=1, actor=None, now=timezone.now())


def _valued(draw: Draw) -> None:
    _closed(draw)
    lottery.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)


def _revealed(draw: Draw) -> None:
    _valued(draw)
    lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)


CEREMONY_STAGES: dict[str, Callable[[Draw], None]] = {
    "committed": _committed,  # the cut-off passed: an official may close the pool
    "closed": _closed,  # the public value is next
    "valued": _valued,  # the notary's reveal is next
    "revealed": _revealed,  # ready to start, before its announced time: an early start
}

_SIGN_OFF = {
    "step": "sign_off",
    "statement": "监督全程。",
    "certificate_number": "(2020)闽榕证字第118号",
}
_POSTPONE = {"step": "postpone", "scheduled_at": "2099-03-02T10:00", "reason": "测试"}
_CEREMONY = "lottery_ceremony"

VIEW_POSTS: dict[str, ViewPost] = {
    "lottery.draw:lottery_ceremony:commit": ViewPost(_CEREMONY, {"step": "commit"}),
    "lottery.draw:lottery_ceremony:plan_quota": ViewPost(
        _CEREMONY, {"step": "plan_quota", "quota": "5"}
    ),
    "lottery.draw:lottery_ceremony:purchase_window": ViewPost(
        _CEREMONY,
        {"step": "purchase_window", "opens": "2099-03-01T12:00", "closes": "2099-03-02T12:00"},
    ),
    "lottery.draw:lottery_ceremony:close": ViewPost(
        _CEREMONY, {"step": "close", "quota": "1"}, "ceremony_draw", "committed"
    ),
    "lottery.draw:lottery_ceremony:public_value": ViewPost(
        _CEREMONY,
        {"step": "public_value", "public_value": "3 5 2 6 1 4"},
        "ceremony_draw",
        "closed",
    ),
    "lottery.draw:lottery_ceremony:reveal": ViewPost(
        _CEREMONY, {"step": "reveal", "secret": SECRET}, "ceremony_draw", "valued"
    ),
    "lottery.draw:lottery_ceremony:start": ViewPost(
        _CEREMONY, {"step": "start", "confirm": "yes"}, "ceremony_draw", "revealed"
    ),
    "lottery.draw:lottery_ceremony:start:unconfirmed": ViewPost(
        _CEREMONY, {"step": "start"}, "ceremony_draw", "revealed", confirmed=False
    ),
    "lottery.draw:lottery_ceremony:sign_off": ViewPost(
        _CEREMONY, {**_SIGN_OFF, "confirm": "yes"}, "draw_done"
    ),
    "lottery.draw:lottery_ceremony:sign_off:unconfirmed": ViewPost(
        _CEREMONY, _SIGN_OFF, "draw_done", confirmed=False
    ),
    "lottery.draw:lottery_ceremony:cancel": ViewPost(
        _CEREMONY, {"step": "cancel", "reason": "测试", "confirm": "yes"}
    ),
    "lottery.draw:lottery_ceremony:cancel:unconfirmed": ViewPost(
        _CEREMONY, {"step": "cancel", "reason": "测试"}, confirmed=False
    ),
    "lottery.draw:lottery_ceremony:postpone": ViewPost(_CEREMONY, {**_POSTPONE, "confirm": "yes"}),
    "lottery.draw:lottery_ceremony:postpone:unconfirmed": ViewPost(
        _CEREMONY, _POSTPONE, confirmed=False
    ),
    "lottery.draw:lottery_extra_draw:post": ViewPost(
        "lottery_extra_draw",
        {"scheduled_at": "2099-04-01T10:00", "pool_cutoff": "2099-03-31T21:00"},
    ),
    "lottery.draw:lottery_schedule:pause": ViewPost(
        "lottery_schedule", {"step": "pause", "reason": "测试", "confirm": "yes"}
    ),
    "lottery.draw:lottery_schedule:pause:unconfirmed": ViewPost(
        "lottery_schedule", {"step": "pause", "reason": "测试"}, confirmed=False
    ),
}


def view_post_request(key: str, world: World) -> Request:
    post = VIEW_POSTS[key]
    draw = world.objects[post.draw]
    args = [draw.pk] if post.name == _CEREMONY else []

    def state():
        # A start changes no row: its worker is queued once the transaction commits.
        return _draw_state(draw.pk), lottery_pauses(), len(connection.run_on_commit)

    stage = CEREMONY_STAGES[post.stage] if post.stage else None
    return Request(
        "POST",
        reverse(f"admin:{post.name}", args=args),
        post.data,
        snapshot=state,
        expect_change=post.confirmed,
        unconfirmed=not post.confirmed,
        prepare=(lambda: stage(Draw.objects.get(pk=draw.pk))) if stage else None,
    )


def lottery_pauses() -> list:
    from lottery.models import SchedulePause

    return list(SchedulePause.objects.values_list("pk", "ended_at"))


def site_request(key: str, world: World) -> Request:
    """A page outside the admin, with real arguments."""
    route = key.removeprefix("url:")
    draw = world.objects["draw_done"]
    own_order = world.objects["orders.order"]
    win = own_order.reservation
    api = "api/partner/v1/"
    if route.startswith(api):
        body = {"phone": win.phone, "address": win.address}
        if route == api + "orders":
            body = {**body, "partner_order_id": "M-0", "quantity": 1}
            url = "/" + route
        elif route.endswith("/status"):
            body = {"status": "dispatched"}
            url = f"/{api}orders/{own_order.pk}/status"
        else:
            url = "/" + route

        def state():
            return list(Order.objects.order_by("pk").values_list("pk", "status"))

        return Request("POST", url, body, json=True, snapshot=state)
    if route == "api/partner/^":  # the partner API's catch-all (orders.urls under its prefix)
        return Request("GET", "/api/partner/v2/nothing")
    if route.startswith("^admin/reservations/"):
        return Request("GET", "/admin/reservations/district/")
    if route == "admin/":
        return Request("GET", "/admin/", shows=DASHBOARD_SHOWN)
    posts = {
        "sign-out/": {},
        "me/reserve/": {},
        "me/cancel/": {"confirm": "yes"},
        "i18n/setlang/": {"language": "en", "next": "/"},
    }
    url = "/" + route.replace("<int:draw_id>", str(draw.pk))
    if route in posts:
        return Request("POST", url, posts[route], snapshot=_reservations_state)
    if route in ("draws/<int:draw_id>/proof", "draws/<int:draw_id>/check"):
        return Request("GET", url, {"number": f"{win.number:08d}"})
    return Request("GET", url)


def request_for(key: str, world: World) -> Request:
    if key in VIEW_POSTS:
        return view_post_request(key, world)
    if key.startswith("url:"):
        return site_request(key, world)
    return admin_request(key, world)


# --- asking, and what the answer means --------------------------------------------------------


def _client(role: str, world: World) -> tuple[Client, dict]:
    client = Client()
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if role in world.tokens:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    elif role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client, headers


def ask(role: str, request: Request, world: World):
    client, headers = _client(role, world)
    if request.method == "GET":
        response = client.get(request.url, request.data, **headers)
    elif request.json:
        body = json.dumps(request.data)
        response = client.post(request.url, body, content_type="application/json", **headers)
    else:
        response = client.post(request.url, request.data, **headers)
    return client, headers, response


def _messages(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(message) for message in get_messages(response.wsgi_request)]


def outcome(response, request: Request) -> str:
    """What the answer means, in the matrix's words (a 500 is raised by the test client)."""
    status = response.status_code
    if status in (301, 302):
        target = urlsplit(response["Location"]).path
        if target in (reverse("admin:login"), reverse("sign_in")):
            return LOGIN
        if target == reverse("admin:index") and urlsplit(request.url).path != target:
            return INDEX
        if request.data.get("action") and "No action selected." in _messages(response):
            return DENIED  # Django's answer to an action this person is not offered
        return OK
    context = getattr(response, "context_data", None) or {}
    if status == 200 and request.data.get("action") and "cl" in context:
        return DENIED  # no actions at all for this person: the POST is the list again
    return {
        401: UNAUTHORIZED,
        403: DENIED,
        404: MISSING,
        400: "bad request",
        405: "method not allowed",
        409: CONFLICT,
    }.get(status, OK if status < 300 else f"status {status}")


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


@dataclass
class Seen:
    outcome: str
    changed: bool  # the state a POST may change, before and after
    body: str  # the answer (and the page a redirect led to), to look for what must not show


def see(role: str, key: str, world: World) -> Seen:
    """One person at one page, inside a savepoint rolled back afterwards: the next person finds
    the world as it was."""
    request = request_for(key, world)
    with transaction.atomic():
        if request.prepare:
            request.prepare()
        before = request.snapshot() if request.snapshot else None
        client, headers, response = ask(role, request, world)
        after = request.snapshot() if request.snapshot else None
        result = outcome(response, request)
        body = _text(response) if response.status_code == 200 else ""
        if result == OK and response.status_code in (301, 302):
            # A redirect is only as good as where it leads: that page, for the same person.
            followed = client.get(response["Location"], **headers)
            result = outcome(followed, Request("GET", response["Location"]))
            if followed.status_code == 200:
                body = _text(followed)
        transaction.set_rollback(True)
    changed = before != after
    if result == OK and not changed and request.data.get("action"):
        # Answered, and changed nothing: an action that changes what it is given, or one on
        # another's object that the answer does not show (it ran on nothing this person sees).
        hidden = request.other and request.marker not in body
        if request.expect_change or hidden:
            result = NOOP
    elif result == OK and not changed and request.expect_change:
        result = NOOP  # a step allowed, yet refused for the draw's state: not the step tried
    if result == OK and request.shows and request.shows[0] in body:
        result = request.shows[1]
    return Seen(result, changed, body)

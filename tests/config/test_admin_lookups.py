"""Every admin changelist takes only the lookups of the filters it offers (issue 11, item 1).

A lookup on any other field (`?text__contains=4`) answers yes or no about a value the page
never shows, so a hidden value could be read a character at a time. These tests go through
`admin.site`'s registry: an admin registered later without the allow-list fails them.
"""

import html
import re
from urllib.parse import parse_qsl, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from city import roles
from city.models import Suggestion
from notifications.models import Kind
from notifications.services import message_enqueue
from orders.services import order_place
from reservations.models import User
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import campaign, make_resident  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in REGISTERED]
OUTBOX = reverse("admin:notifications_outboxmessage_changelist")


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="root", password="pw")


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def filter_roots(model_admin) -> set[str]:
    """The fields the admin's filters and date hierarchy are about."""
    roots = {model_admin.date_hierarchy} if model_admin.date_hierarchy else set()
    for item in model_admin.list_filter:
        if isinstance(item, str | tuple | list):
            path = item if isinstance(item, str) else item[0]
            roots.add(path.split("__")[0])
    return roots


def a_field_that_is_not_a_filter(model_admin) -> str:
    """A text field no filter offers (any plain field if the model has no text)."""
    fields = [
        field
        for field in model_admin.model._meta.concrete_fields
        if not field.is_relation
        and field.name not in filter_roots(model_admin)
        and field.name != "password"  # Django's user admin refuses this one by itself
    ]
    texts = [f for f in fields if isinstance(f, models.CharField | models.TextField)]
    if texts or fields:
        return (texts or fields)[0].name
    # Only relations (a one-to-one and a key, say): one no filter is about.
    relations = model_admin.model._meta.concrete_fields
    return next(f.name for f in relations if f.name not in filter_roots(model_admin))


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_it_refuses_a_lookup_on_a_field_that_is_not_a_filter(client, superuser, model, model_admin):
    client.force_login(superuser)
    lookup = f"{a_field_that_is_not_a_filter(model_admin)}__contains"
    response = client.get(changelist(model), {lookup: "1"})
    assert response.status_code == 400, f"{model._meta.label} accepts ?{lookup}="


@pytest.mark.parametrize(
    "query",
    [
        {"text__contains": "4"},
        {"text__regex": "^.*4"},
        {"text__gt": "5"},
        {"text__range": "0,5"},
        {"text": "x"},
        {"recipient__startswith": "+86138"},
        {"state__exact": "queued", "text__contains": "4"},  # a filter does not carry one in
    ],
)
def test_the_outbox_refuses_lookups_on_its_text_and_recipient(client, superuser, official, query):
    message_enqueue(
        recipient="+8613800000009",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:9",
        context={"code": "424242", "minutes": 10},
    )
    for user in (superuser, official):
        client.force_login(user)
        response = client.get(OUTBOX, query)
        assert response.status_code == 400
        assert "424242" not in response.content.decode()


def test_officials_find_an_outbox_message_by_its_exact_recipient(client, official):
    for last in (8, 9):
        message_enqueue(
            recipient=f"+861380000000{last}",
            kind=Kind.SIGN_IN_CODE,
            dedupe_key=f"code:{last}",
            context={"code": "424242", "minutes": 10},
        )
    client.force_login(official)
    page = client.get(OUTBOX, {"q": "+8613800000009"}).content.decode()
    assert "138****0009" in page and "138****0008" not in page
    prefix = client.get(OUTBOX, {"q": "+86138"}).content.decode()
    assert "138****0009" not in prefix  # exact, not a prefix to narrow down


@pytest.fixture
def every_kind_of_row(campaign, partner, superuser, role_groups):  # noqa: F811 - a fixture
    """Rows for the admins whose filters or date hierarchy show choices only with data:
    winners in two districts, with an order each."""
    record, _token = partner
    winners = draw_all(
        reserve(make_resident(phone="13800000021", town="苍霞街道", serial=21)),
        reserve(make_resident(phone="13800000022", town="鼓东街道", serial=22)),
    )
    assert len({winner.district_id for winner in winners}) == 2
    for index, winner in enumerate(winners):
        order_place(
            partner=record,
            partner_order_id=f"P-{index}",
            phone=winner.phone,
            address=winner.address,
            number=None,
            quantity=1,
            now=DURING,
        )
    Suggestion.objects.create(text="多开几个代收点", language="zh-hans")
    message_enqueue(
        recipient="+8613800000009",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:9",
        context={"code": "424242", "minutes": 10},
    )
    superuser.groups.add(Group.objects.get(name=roles.OFFICIAL))


def query_links(page: str) -> list[str]:
    """The page's links to itself with other filters (not those that only sort it again)."""
    links = {html.unescape(link) for link in re.findall(r'href="(\?[^"]*)"', page)}
    return sorted(link for link in links if not link.startswith("?o=") or "&" in link)


def parameters(link: str) -> set[str]:
    return {name for name, _ in parse_qsl(link.removeprefix("?"))}


def follow_each_link(client, url: str, page: str, used: set[str]) -> dict[str, str]:
    """Each link of a changelist page (filter choices, facets, clearing) followed and
    answered 200; returns their pages, and adds the parameters they use to `used`."""
    pages = {}
    for link in query_links(page):
        response = client.get(url + link)
        assert response.status_code == 200, f"{url}{link}"
        used.update(parameters(link))
        pages[link] = response.content.decode()
    return pages


def test_every_filter_choice_each_admin_offers_is_accepted(client, superuser, every_kind_of_row):
    client.force_login(superuser)
    for model, model_admin in REGISTERED:
        label, url = model._meta.label, changelist(model)
        first = client.get(url)
        if label == "city.CampaignConfig":
            # One row: the list goes straight to it, whatever the query.
            assert first.status_code == 302 and "/change/" in first["Location"]
            continue
        assert first.status_code == 200, label
        used: set[str] = set()

        pages = follow_each_link(client, url, first.content.decode(), used)
        dates = {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        # Down the date hierarchy, year to month to day; on the day's page, each link, and
        # each link of that day with a filter chosen (Django's "clear all filters" is there).
        while model_admin.date_hierarchy:
            link, page = max(pages.items(), key=lambda item: len(parameters(item[0]) & dates))
            deeper = [
                new
                for new in query_links(page)
                if dates >= parameters(new) and len(parameters(new)) > len(parameters(link))
            ]
            if deeper:
                pages = {deeper[0]: client.get(url + deeper[0]).content.decode()}
                continue
            pages = follow_each_link(client, url, page, used)
            one_filter = [new for new in pages if len(parameters(new) - dates - {"o"}) == 1]
            follow_each_link(client, url, pages[one_filter[0]], used)
            break
        for item in model_admin.list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                assert item.parameter_name in used, f"{label}: {item.__name__}"
            else:
                path = item if isinstance(item, str) else item[0]
                assert any(name == path or name.startswith(f"{path}__") for name in used), (
                    f"{label}: {path}"
                )
        if model_admin.date_hierarchy:
            assert dates <= used, label


def test_a_refused_lookup_is_a_plain_400_with_debug_off(client, superuser, settings):
    settings.DEBUG = False
    client.force_login(superuser)
    response = client.get(OUTBOX + "?" + urlencode({"text__regex": "^(4|5)"}))
    assert response.status_code == 400
    assert "Traceback" not in response.content.decode()

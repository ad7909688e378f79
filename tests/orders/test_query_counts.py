"""How many queries the orders' changelist asks: as many for one row as for ten, so a change
that adds a query per order listed fails here."""

import pytest
from django.urls import reverse

from orders.services import order_place
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import make_resident

pytestmark = pytest.mark.django_db

# The user (the session comes from Redis: cached_db), the user's and their groups'
# permissions, the committee-staff and pickup-staff checks (which scope the list; asked twice,
# for the list and for its filter), the districts (the filter), the count, the page of orders
# with their reservations' districts and towns, pickup points and partners, and the date
# hierarchy's range and days.
ORDER_CHANGELIST_QUERIES = 12


def orders(partner, count: int) -> None:
    """`count` orders, delivered home (Taijiang) and to a pickup point (Chengmen) in turn."""
    people = [
        make_resident(
            phone=f"138000003{i:02d}", town="城门镇" if i % 2 else "苍霞街道", serial=300 + i
        )
        for i in range(count)
    ]
    record, _token = partner
    for i, win in enumerate(draw_all(*(reserve(resident) for resident in people))):
        order_place(
            partner=record,
            partner_order_id=f"Q-{i}",
            phone=win.phone,
            address=win.address,
            number=None,
            quantity=1,
            now=DURING,
        )


@pytest.mark.parametrize("rows", [1, 10])
def test_the_orders_changelist_asks_as_many_queries_for_one_row_as_for_ten(
    client, campaign, official, partner, rows, django_assert_num_queries
):
    orders(partner, rows)
    client.force_login(official)
    url = reverse("admin:orders_order_changelist")
    client.get(url)  # what a first request caches (content types) is not the page's
    with django_assert_num_queries(ORDER_CHANGELIST_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('class="field-status"') == rows

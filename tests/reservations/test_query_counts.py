"""How many queries the reservations' changelist asks, whatever the number of rows: a change
that adds a query per row listed fails here."""

import pytest
from django.urls import reverse

from reservations.services import reservation_create
from tests.orders.conftest import draw_all, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

# The user (the session comes from Redis: cached_db), the user's and their groups'
# permissions, the committee-staff check (which scopes the list), the districts (the filter),
# the count, and the page of reservations with their districts, towns and wins.
RESERVATION_CHANGELIST_QUERIES = 7


def waiting_and_won(count: int) -> None:
    """`count` reservations in Taijiang (delivered) and Chengmen (a pickup point's), about half
    of them won in a draw (at least one), the rest made after it and waiting."""
    people = [
        make_resident(
            phone=f"138000002{i:02d}", town="城门镇" if i % 2 else "苍霞街道", serial=200 + i
        )
        for i in range(count)
    ]
    won = max(1, count // 2)
    draw_all(*(reserve(resident) for resident in people[:won]))
    for resident in people[won:]:
        reservation_create(resident=resident, now=at(2020, 2, 19, 19, 30))


@pytest.mark.parametrize("rows", [1, 10])
def test_the_reservations_changelist_asks_as_many_queries_for_one_row_as_for_ten(
    client, campaign, official, rows, django_assert_num_queries
):
    waiting_and_won(rows)
    client.force_login(official)
    url = reverse("admin:reservations_reservation_changelist")
    client.get(url)  # what a first request caches (content types) is not the page's
    with django_assert_num_queries(RESERVATION_CHANGELIST_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('class="field-state"') == rows

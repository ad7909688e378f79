"""How many queries the outbox's changelist asks: as many for one row as for ten, so a change
that adds a query per message listed fails here."""

import pytest
from django.urls import reverse

from notifications.models import Kind
from notifications.services import NewMessage, messages_enqueue
from tests.notifications.conftest import queue_wins

pytestmark = pytest.mark.django_db

# The user (the session comes from Redis: cached_db), the user's and their groups'
# permissions, the count, the page of messages, and the date hierarchy's range and days.
OUTBOX_CHANGELIST_QUERIES = 7


@pytest.mark.parametrize("rows", [1, 10])
def test_the_outbox_changelist_asks_as_many_queries_for_one_row_as_for_ten(
    client, official, rows, django_assert_num_queries
):
    # Sealed sign-in codes among the wins, as in a real outbox.
    codes = rows // 3
    messages_enqueue(
        messages=[
            NewMessage(
                recipient=f"+86139{i:08d}",
                kind=Kind.SIGN_IN_CODE,
                dedupe_key=f"sign-in:{i}",
                context={"code": "424242", "minutes": 10},
            )
            for i in range(codes)
        ]
    )
    queue_wins(rows - codes)
    client.force_login(official)
    url = reverse("admin:notifications_outboxmessage_changelist")
    client.get(url)  # what a first request caches (content types) is not the page's
    with django_assert_num_queries(OUTBOX_CHANGELIST_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('class="field-kind"') == rows

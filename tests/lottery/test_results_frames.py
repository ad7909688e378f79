"""`/results/` renders its page once per answer and fills in the number (city.page_frames): a
number asked after another gets exactly the page it would get rendered afresh, never the other
number, and a page needing another answer is never served from the wrong frame."""

import pytest
import time_machine
from django.urls import reverse

from city import page_frames
from tests.helpers import without_csrf_tokens
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

NOON = (2020, 2, 19, 12, 0)


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)  # winners 10000001 and 23456789


@pytest.fixture
def frames(settings):
    settings.PAGE_FRAME_SECONDS = 30
    page_frames.frames_forget()
    yield
    page_frames.frames_forget()


def page(client, number, *, moment=NOON, language="en", **query):
    with time_machine.travel(at(*moment), tick=False):
        response = client.get(
            reverse("results"), {"number": number, **query}, HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    return without_csrf_tokens(response.content.decode())


def afresh(client, settings, number, **kwargs):
    saved = settings.PAGE_FRAME_SECONDS
    settings.PAGE_FRAME_SECONDS = 0
    try:
        return page(client, number, **kwargs)
    finally:
        settings.PAGE_FRAME_SECONDS = saved


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_number_asked_after_another_gets_its_own_page_exactly(
    client, drawn, frames, settings, language
):
    first = page(client, "31415926", language=language)  # makes the waiting answer's frame
    second = page(client, "50000000", language=language)  # served from it
    assert second == afresh(client, settings, "50000000", language=language)
    assert "50000000" in second and "31415926" not in second
    assert "31415926" in first and "50000000" not in first


def test_a_winner_and_a_waiting_number_never_share_a_frame(client, drawn, frames, settings):
    page(client, "31415926")
    won = page(client, "10000001")
    assert "10000001 won." in won and "has not won yet" not in won
    assert won == afresh(client, settings, "10000001")
    waiting = page(client, "77777777")
    assert "has not won yet" in waiting and " won." not in waiting
    unknown = page(client, "12345678")
    assert "is not a reservation waiting for a draw" in unknown
    assert unknown == afresh(client, settings, "12345678")


def test_a_winners_frame_does_not_outlive_the_purchase_window(client, drawn, frames, settings):
    before = page(client, "10000001", moment=(2020, 2, 20, 13, 59))
    assert "Buy one pack from" in before
    after = page(client, "23456789", moment=(2020, 2, 20, 14, 1))
    assert "The purchase window closed at 2020-02-20 14:00" in after
    assert after == afresh(client, settings, "23456789", moment=(2020, 2, 20, 14, 1))


def test_the_page_s_next_and_a_number_typed_with_spaces_are_its_own(
    client, drawn, frames, settings
):
    page(client, "31415926")
    spaced = page(client, "5000 0000")
    assert 'value="/results/?number=5000+0000"' in spaced
    assert spaced == afresh(client, settings, "5000 0000")
    assert 'value="/results/?number=50000000"' in page(client, "50000000")


def test_a_frame_is_per_language(client, drawn, frames):
    page(client, "31415926", language="en")
    chinese = page(client, "50000000", language="zh-hans")
    assert 'lang="zh-hans"' in chinese and "has not won yet" not in chinese


def test_a_waiting_number_costs_one_query_once_the_frame_is_made(
    client, drawn, frames, settings, django_assert_num_queries
):
    from city import memo

    settings.LOCAL_CACHE_SECONDS = 30
    memo.forget()
    try:
        page(client, "31415926")
        with django_assert_num_queries(1):
            body = page(client, "50000000")
    finally:
        memo.forget()
    assert "has not won yet" in body

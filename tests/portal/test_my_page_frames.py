""" "My reservation" is rendered once per frame -- everything a page shows but the resident's
own phone, document, street, number, address and time of reserving -- and filled in for each
resident (city.page_frames): a resident's page is exactly the page rendered afresh for them,
never holds another resident's details, and residents whose pages differ in anything else
never share a frame."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from city import memo, page_frames
from portal import page_cache
from tests.helpers import without_csrf_tokens
from tests.orders.conftest import draw_all, reserve
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

MORNING = at(2020, 2, 19, 9, 0)


@pytest.fixture
def frames(settings):
    settings.PAGE_FRAME_SECONDS = 30
    settings.LOCAL_CACHE_SECONDS = 30
    settings.HOME_PAGE_CACHE_SECONDS = 30
    page_frames.frames_forget()
    page_cache.home_forget()
    yield
    page_frames.frames_forget()
    page_cache.home_forget()


def page(resident, *, language="en", moment=MORNING) -> str:
    client = Client()
    client.force_login(resident.user)
    with time_machine.travel(moment, tick=False):
        response = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return without_csrf_tokens(response.content.decode())


def afresh(settings, resident, **kwargs) -> str:
    settings.PAGE_FRAME_SECONDS = 0
    try:
        return page(resident, **kwargs)
    finally:
        settings.PAGE_FRAME_SECONDS = 30


def neighbours(count: int, *, town="苍霞街道", first=80):
    residents = [
        make_resident(phone=f"138000000{first + i:02d}", town=town, serial=first + i)
        for i in range(count)
    ]
    for i, resident in enumerate(residents):
        resident.street_address = f"五四路{100 + i}号"
        resident.save()
    return residents


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_two_waiting_neighbours_share_a_frame_and_each_sees_only_their_own_details(
    campaign, frames, settings, language
):
    first, second = neighbours(2)
    mine, theirs = reserve(first), reserve(second)
    page(first, language=language)
    body = page(second, language=language)
    assert len(page_frames._frames) == 1  # the second page came from the first one's frame
    assert body == afresh(settings, second, language=language)
    assert theirs.number_display in body and second.user.phone in body
    assert "五四路101号" in theirs.address and theirs.address in body
    assert mine.number_display not in body and first.user.phone not in body
    assert "五四路100号" not in body


def test_pages_that_differ_beyond_the_details_get_frames_of_their_own(campaign, frames, settings):
    # The winner is the only one in the draw's pool; the others have not reserved.
    waiting, winner, fresh, elsewhere = (*neighbours(3), *neighbours(1, town="鼓山镇", first=90))
    draw_all(reserve(winner))
    unverified = make_resident(phone="13800000099", town="苍霞街道", serial=99)
    unverified.level = "L1"
    unverified.save()
    pages = {
        resident.pk: page(resident) for resident in (waiting, winner, fresh, elsewhere, unverified)
    }
    for resident in (waiting, winner, fresh, elsewhere, unverified):
        assert pages[resident.pk] == afresh(settings, resident), resident.user.phone
    assert "Congratulations, your number won." in pages[winner.pk]
    assert "Congratulations" not in pages[waiting.pk]
    assert "Reserve in three steps" in pages[fresh.pk]
    assert "Real-name verification" in pages[unverified.pk]
    # Neighbours with nothing reserved share one; the winner, the other town and the
    # unverified resident each have their own.
    assert len(page_frames._frames) == 4


def test_a_page_in_another_language_or_after_reserving_is_not_served_from_the_frame(
    campaign, frames, settings
):
    first, second = neighbours(2)
    reserve(first)
    made = reserve(second)
    page(first, language="en")
    chinese = page(second, language="zh-hans")
    assert 'lang="zh-hans"' in chinese
    client = Client()
    client.force_login(second.user)
    with time_machine.travel(MORNING, tick=False):
        after = client.get(
            reverse("me"), {"reserved": made.number_display}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert "Reserved." in after.content.decode()


def test_the_frame_holds_no_placeholder_once_filled_and_memory_is_dropped(campaign, frames):
    (resident,) = neighbours(1)
    reserve(resident)
    body = page(resident)
    assert "\x00" not in body
    memo.forget()

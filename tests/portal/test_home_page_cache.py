"""The home page is rendered once per language and kind of visitor and kept briefly in Redis
(portal/page_cache.py): what differs per visitor is still theirs, a change shows at once, and a
copy never outlives the moment the schedule notice changes by itself."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from city.selectors import campaign_get
from lottery.selectors import ScheduleNotice
from portal import page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def copies_kept(settings):
    """As in production (the test settings render every page afresh)."""
    settings.HOME_PAGE_CACHE_SECONDS = 30


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_second_visit_asks_the_database_nothing_and_shows_the_same_page(
    client, fuzhou, django_assert_num_queries
):
    first = client.get(reverse("home")).content.decode()
    with django_assert_num_queries(0):
        second = client.get(reverse("home")).content.decode()
    # The same page but for the CSRF token, which is put in per request.
    assert re.sub(r'value="[^"]{64}"', "", first) == re.sub(r'value="[^"]{64}"', "", second)
    assert "预约" in second


def test_every_visitor_gets_a_csrf_token_of_their_own_that_the_language_form_accepts(fuzhou):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_page = alice.get(reverse("home")).content.decode()
    bob_page = bob.get(reverse("home")).content.decode()  # from the cache
    assert page_cache.CSRF_PLACEHOLDER not in bob_page
    assert alice.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    for visitor, page in ((alice, alice_page), (bob, bob_page)):
        answer = visitor.post(
            reverse("set_language"),
            {"language": "en", "next": "/", "csrfmiddlewaretoken": _token(page)},
        )
        assert answer.status_code == 302
    # Bob's token is no good with Alice's cookie: the copy did not share one.
    refused = alice.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": "x" * 64}
    )
    assert refused.status_code == 403


def test_a_signed_in_resident_and_a_visitor_each_get_their_own_button(client, fuzhou, resident):
    visitor = client.get(reverse("home")).content.decode()
    client.force_login(resident)
    signed_in = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("me")}"' not in visitor and f'href="{reverse("sign_in")}"' in visitor
    assert f'class="button" href="{reverse("me")}"' in signed_in
    client.logout()
    assert (
        f'class="button" href="{reverse("sign_in")}"'
        in client.get(reverse("home")).content.decode()
    )


def test_each_language_has_its_own_copy(client, fuzhou):
    client.get(reverse("home"))
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and "Who may reserve" in english


def test_a_changed_campaign_shows_on_the_next_visit(
    client, fuzhou, django_capture_on_commit_callbacks
):
    assert "0591-87654321" not in client.get(reverse("home")).content.decode()
    config = campaign_get()
    with django_capture_on_commit_callbacks(execute=True):
        config.city_hotline = "0591-87654321"
        config.save()
    assert "0591-87654321" in client.get(reverse("home")).content.decode()


def test_a_message_to_show_is_not_lost_to_a_cached_copy(client, fuzhou, official):
    client.force_login(official)
    client.get(reverse("home"))  # a copy without messages
    client.get(reverse("me"))  # staff are sent to the admin, with a message
    shown = client.get(reverse("home")).content.decode()
    assert '<ul class="messages">' in shown and "工作人员" in shown
    # Shown once, then the cached copy again.
    assert '<ul class="messages">' not in client.get(reverse("home")).content.decode()


def test_a_copy_never_outlives_the_next_pool_cut_off_or_draw(settings):
    settings.HOME_PAGE_CACHE_SECONDS = 30
    now = timezone.now()
    later = ScheduleNotice(
        draw_at=now + datetime.timedelta(days=1), cutoff=now + datetime.timedelta(hours=1)
    )
    assert page_cache.expires_in(notice=later, now=now) == 30
    closing = ScheduleNotice(
        draw_at=now + datetime.timedelta(hours=13), cutoff=now + datetime.timedelta(seconds=7.5)
    )
    assert page_cache.expires_in(notice=closing, now=now) == 7
    drawing = ScheduleNotice(
        draw_at=now + datetime.timedelta(seconds=3), cutoff=now - datetime.timedelta(hours=13)
    )
    assert page_cache.expires_in(notice=drawing, now=now) == 3
    # A draw shown a day after its time disappears from the notice then.
    drawn = ScheduleNotice(draw_at=now - datetime.timedelta(days=1, seconds=-12), cutoff=None)
    assert page_cache.expires_in(notice=drawn, now=now) == 12
    paused = ScheduleNotice(draw_at=None, cutoff=None, paused_reason="no stock")
    assert page_cache.expires_in(notice=paused, now=now) == 30
    settings.HOME_PAGE_CACHE_SECONDS = 0
    assert page_cache.expires_in(notice=later, now=now) == 0


def test_with_the_cache_turned_off_every_visit_is_rendered_afresh(client, fuzhou, settings):
    settings.HOME_PAGE_CACHE_SECONDS = 0
    client.get(reverse("home"))
    config = campaign_get()
    config.city_hotline = "0591-54321"
    config.save()  # in the test's transaction: no commit, no invalidation
    assert "0591-54321" in client.get(reverse("home")).content.decode()


def test_a_pause_shows_on_the_home_page_and_my_reservation_once_it_commits(
    client, fuzhou, resident, django_capture_on_commit_callbacks
):
    from lottery import services as lottery

    client.get(reverse("home"))  # copies of the page and of the notice, without a pause
    with django_capture_on_commit_callbacks(execute=True):
        lottery.schedule_pause(reason="口罩到货推迟", actor=None, now=timezone.now())
    assert "口罩到货推迟" in client.get(reverse("home")).content.decode()
    assert "口罩到货推迟" in page_cache.schedule_notice_cached().paused_reason

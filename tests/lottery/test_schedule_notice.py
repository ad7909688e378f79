"""Residents' pages say when the next draw is, and why it moved or why draws are paused."""

import pytest
import time_machine

from lottery import services
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db


def page(client, path: str = "/") -> str:
    return client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_home_page_shows_the_scheduled_draw_and_why_it_was_postponed(client, campaign):
    with time_machine.travel(at(2020, 2, 17, 8, 0), tick=False):
        draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
        assert "The next draw is at 2020-02-19 10:00." in page(client)

        services.draw_postpone(
            draw=draw,
            scheduled_at=at(2020, 2, 20, 15, 0),
            reason="masks delayed",
            actor=None,
            now=at(2020, 2, 17, 8, 0),
        )
        home = page(client)
        calendar = page(client, "/draws/")

    assert "The next draw is at 2020-02-20 15:00." in home
    assert "made before 2020-02-19 21:00" in home
    assert "The draw of 2020-02-19 10:00 is postponed to 2020-02-20 15:00: masks delayed." in home
    assert "masks delayed" in calendar


def test_a_paused_schedule_is_shown_with_its_reason_in_both_languages(client, campaign):
    with time_machine.travel(at(2020, 2, 17, 8, 0), tick=False):
        services.schedule_keep(now=at(2020, 2, 17, 8, 0))
        services.schedule_pause(reason="supply short", actor=None, now=at(2020, 2, 17, 8, 0))
        english = page(client)
        chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        calendar = page(client, "/draws/")

    assert "Draws are paused: supply short." in english
    assert "The next draw is at" not in english
    assert "暂停" in chinese and "supply short" in chinese
    assert "Draws are paused: supply short." in calendar


def test_a_waiting_resident_sees_the_draw_their_reservation_is_in(client, taijiang_resident):
    from reservations.services import reservation_create

    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        services.schedule_keep(now=at(2020, 2, 18, 11, 30))
        draw = services.draw_add_extra(
            scheduled_at=at(2020, 2, 18, 16), pool_cutoff=at(2020, 2, 18, 15), actor=None
        )
        reservation_create(resident=taijiang_resident, now=at(2020, 2, 18, 11, 30))
        client.force_login(taijiang_resident.user)
        me = page(client, "/me/")

    # The extra draw this afternoon comes first.
    assert draw.pk and "Next draw: 2020-02-18 16:00." in me


def test_a_draw_whose_cut_off_passed_without_a_commitment_is_not_announced(client, campaign):
    with time_machine.travel(at(2020, 2, 18, 22, 0), tick=False):
        services.schedule_keep(now=at(2020, 2, 17, 8, 0))  # 19 Feb and 21 Feb, never committed
        home = page(client)

    assert "The next draw is at 2020-02-21 10:00." in home

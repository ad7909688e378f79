"""Reading "My reservation": the reserve button only where it works (otherwise when reserving
opens), the draws a reservation was in by number and date, and verification in plain words.
Taijiang reserves at 11:00–13:00 and 19:00–21:00; the 2020 campaign starts on 17 Feb."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from lottery import services as lottery
from reservations.models import Reservation, ReservationState
from tests.lottery.helpers import COMMITMENT, SECRET
from tests.reservations.conftest import at
from tests.reservations.test_reserving import reserve_at

pytestmark = pytest.mark.django_db

RESERVE_BUTTON = re.compile(r"<button[^>]*>\s*(Reserve now|立即预约)\s*</button>")


def _me(client, resident, moment, language="en") -> str:
    client.force_login(resident.user)
    with time_machine.travel(at(*moment), tick=False):
        return client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_inside_the_window_the_reserve_button_shows_and_no_opening_time(client, taijiang_resident):
    body = _me(client, taijiang_resident, (2020, 2, 18, 11, 30))
    assert RESERVE_BUTTON.search(body)
    assert "Reserving opens" not in body


@pytest.mark.parametrize(
    ("moment", "language", "said"),
    [
        ((2020, 2, 18, 9, 30), "en", "Reserving opens today at 11:00."),
        ((2020, 2, 18, 14, 0), "en", "Reserving opens today at 19:00."),
        ((2020, 2, 18, 21, 30), "en", "Reserving opens tomorrow at 11:00."),
        ((2020, 2, 15, 12, 0), "en", "Reserving opens on 2020-02-17 at 11:00."),
        ((2020, 2, 18, 9, 30), "zh-hans", "今天11:00开放预约。"),
        ((2020, 2, 18, 21, 30), "zh-hans", "明天11:00开放预约。"),
        ((2020, 2, 15, 12, 0), "zh-hans", "2020-02-17 11:00开放预约。"),
    ],
)
def test_outside_the_window_the_button_gives_way_to_when_reserving_opens(
    client, taijiang_resident, moment, language, said
):
    body = _me(client, taijiang_resident, moment, language)
    assert not RESERVE_BUTTON.search(body)
    assert said in body


def test_outside_the_window_a_post_is_still_refused(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 9, 30), tick=False):
        response = client.post(reverse("reserve"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "opens today at 11:00" in response.content.decode()
    assert not Reservation.objects.exists()


def _won_on_the_19th(resident):
    reservation = reserve_at(resident, 2020, 2, 18, 11, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.LAPSED, won_at=at(2020, 2, 19, 10, 0)
    )


def test_during_the_cooldown_the_page_says_the_first_window_after_it_even_in_a_window(
    client, taijiang_resident
):
    _won_on_the_19th(taijiang_resident)  # may reserve again from 29 Feb
    body = _me(client, taijiang_resident, (2020, 2, 25, 12, 0))  # inside today's window
    assert not RESERVE_BUTTON.search(body)
    assert "Reserving opens on 2020-02-29 at 11:00." in body
    body = _me(client, taijiang_resident, (2020, 2, 28, 20, 0))
    assert "Reserving opens tomorrow at 11:00." in body and not RESERVE_BUTTON.search(body)
    body = _me(client, taijiang_resident, (2020, 2, 29, 11, 0))
    assert RESERVE_BUTTON.search(body) and "Reserving opens" not in body


def test_without_verification_there_is_no_button_but_the_steps_to_take(client, taijiang_resident):
    taijiang_resident.level = "L1"
    taijiang_resident.save()
    body = _me(client, taijiang_resident, (2020, 2, 18, 11, 30))
    assert not RESERVE_BUTTON.search(body)
    assert "Complete the steps above first." in body
    assert "Real-name verification" in body


def test_the_verification_step_is_said_in_plain_words_without_the_level_code(
    client, taijiang_resident
):
    english = _me(client, taijiang_resident, (2020, 2, 18, 9, 30))
    chinese = _me(client, taijiang_resident, (2020, 2, 18, 9, 30), "zh-hans")
    masked = taijiang_resident.document_masked
    assert f"your real name is confirmed (Face recognition), document {masked}" in english
    assert f"实名已确认（人脸识别），证件 {masked}" in chinese
    # In the words shown, not the markup: a random CSRF token may hold "L2".
    shown = [re.sub(r"<[^>]+>", " ", page) for page in (english, chinese)]
    assert all("L2" not in words for words in shown)


def test_before_any_draw_is_recorded_the_draws_are_numbered_as_the_schedule_counts_them(
    client, taijiang_resident
):
    reserve_at(taijiang_resident, 2020, 2, 19, 11, 30)  # after the first pool closed
    body = _me(client, taijiang_resident, (2020, 2, 23, 12, 0), "zh-hans")
    # The schedule's second and third draws (21 and 23 Feb), not links: no page exists yet.
    assert "已参加的摇号: 第2场摇号（2020-02-21），第3场摇号（2020-02-23）" in body


def _drawn(*, draw_at: datetime.datetime, cutoff: datetime.datetime) -> int:
    """A real extra draw through its ceremony, with a quota of nought (nobody wins)."""
    draw = lottery.draw_add_extra(scheduled_at=draw_at, pool_cutoff=cutoff, actor=None)
    lottery.draw_commit(
        draw=draw, notary=None, commitment=COMMITMENT, now=cutoff - datetime.timedelta(hours=1)
    )
    draw = lottery.draw_close_pool(draw=draw, quota=0, actor=None, now=cutoff)
    draw = lottery.draw_fix_public_value(draw=draw, value="1", actor=None)
    draw = lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)
    lottery.draw_run(draw=draw, actor=None, now=draw_at)
    return draw.pk


def test_two_draws_on_one_day_are_told_apart_by_their_numbers(client, taijiang_resident):
    reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    morning = _drawn(draw_at=at(2020, 2, 19, 10, 0), cutoff=at(2020, 2, 18, 21, 0))
    afternoon = _drawn(draw_at=at(2020, 2, 19, 16, 0), cutoff=at(2020, 2, 19, 12, 0))
    body = _me(client, taijiang_resident, (2020, 2, 19, 18, 0))
    assert morning != afternoon
    assert (
        f'Draws it has been in: <a href="/draws/{morning}/">Draw #{morning} (2020-02-19)</a>, '
        f'<a href="/draws/{afternoon}/">Draw #{afternoon} (2020-02-19)</a>'
    ) in body

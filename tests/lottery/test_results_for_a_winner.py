"""`/results/` tells a winner until when and how to buy, naming the retailer's app, which is
configuration; the home page links to the lookup."""

import pytest
import time_machine
from django.urls import reverse

from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)  # winners 10000001 and 23456789


def lookup(client, number, *moment, language="en"):
    with time_machine.travel(at(*moment), tick=False):
        response = client.get(reverse("results"), {"number": number}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_winner_is_told_until_when_and_how_to_buy(client, drawn):
    body = lookup(client, "10000001", 2020, 2, 19, 12, 0)
    assert "10000001 won." in body
    assert "Buy one pack from 2020-02-19 14:00 until 2020-02-20 14:00." in body
    assert "in the 永辉生活 app with the mobile number and exactly the address" in body
    assert "pickup point" in body and "show your winning number" in body


def test_a_winner_is_told_in_chinese_too(client, drawn):
    body = lookup(client, "10000001", 2020, 2, 19, 12, 0, language="zh-hans")
    assert "请于2020-02-19 14:00至2020-02-20 14:00购买一包" in body
    assert "“永辉生活”手机应用下单" in body and "代收点" in body


def test_the_app_s_name_is_configuration(client, drawn, settings):
    settings.RETAILER_APP_NAME = "朴朴超市"
    body = lookup(client, "10000001", 2020, 2, 19, 12, 0)
    assert "in the 朴朴超市 app" in body and "永辉生活" not in body


def test_after_the_window_the_winner_is_told_it_closed(client, drawn):
    body = lookup(client, "23456789", 2020, 2, 21, 9, 0)
    assert "The purchase window closed at 2020-02-20 14:00" in body
    assert "Buy one pack from" not in body


def test_a_waiting_number_is_told_nothing_about_buying(client, drawn):
    body = lookup(client, "31415926", 2020, 2, 19, 12, 0)
    assert "has not won yet" in body
    assert "Buy one pack" not in body and "How to buy" not in body


def test_the_json_answer_stays_numbers_only(client, drawn):
    with time_machine.travel(at(2020, 2, 19, 12, 0), tick=False):
        data = client.get(
            reverse("results"), {"number": "10000001"}, HTTP_ACCEPT="application/json"
        ).json()
    assert set(data) == {"number", "status", "draw"}


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Check whether a number won"), ("zh-hans", "查询预约号是否中签")]
)
def test_the_home_page_links_to_the_lookup(client, campaign, language, label):
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<a class="button" href="{reverse("results")}">{label}</a>' in body


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Order one pack in the 永辉生活 app"), ("zh-hans", "登录“永辉生活”手机应用下单")],
)
def test_the_faq_names_the_app_where_it_says_how_to_buy(client, campaign, language, text):
    body = client.get(reverse("faq"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in body


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Winners order their pack in the 永辉生活 app."),
        ("zh-hans", "在“永辉生活”手机应用下单"),
    ],
)
def test_the_help_page_names_the_app(client, campaign, language, text):
    body = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in body

import pytest
from django.urls import reverse

from city.models import Suggestion

pytestmark = pytest.mark.django_db

PAGES = {
    # url name: (a Chinese phrase, its English counterpart)
    "home": ("预约", "Who may reserve"),
    "faq": ("中签", "How will I know whether I won?"),
    "help": ("意见和建议", "Comments and suggestions"),
}


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_in_chinese_by_default(client, fuzhou, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    chinese, english = PAGES[name]
    assert '<html lang="zh-hans">' in body
    assert chinese in body
    assert english not in body


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_in_english_when_the_browser_asks(client, fuzhou, name):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert PAGES[name][1] in body


def test_a_chinese_browser_gets_chinese(client, fuzhou):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_sets_a_cookie_that_wins_over_the_browser(client, fuzhou):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/faq/"})
    assert response.status_code == 302 and response["Location"] == "/faq/"
    page = client.get(reverse("faq"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in page.content.decode()


def test_urls_carry_no_language_prefix(client, fuzhou):
    assert client.get("/en/").status_code == 404
    assert client.get("/zh-hans/").status_code == 404


def test_home_shows_every_district_window_and_the_next_draw(client, fuzhou):
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name, window in [
        ("Gulou District", "09:00–11:00"),
        ("Taijiang District", "11:00–13:00"),
        ("Cangshan District", "13:00–15:00"),
        ("Jin&#x27;an District", "15:00–17:00"),
        ("Mawei District", "17:00–19:00"),
    ]:
        assert name in body and window in body
    assert "19:00–21:00" in body
    assert "Next draw" in body
    assert "Reserving early gives no advantage." in body


def test_home_renders_before_any_reference_data_is_loaded(client, db):
    assert client.get(reverse("home")).status_code == 200


def test_help_lists_the_hotline_and_the_other_areas_lines(client, fuzhou):
    body = client.get(reverse("help")).content.decode()
    assert "12345" in body
    assert "闽侯县" in body and "高新区" in body


def test_the_faq_covers_out_of_range_towns_and_the_purchase_window(client, fuzhou):
    body = client.get(reverse("faq"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for town in ("Chengmen", "Gaishan", "Luozhou", "Jianxin", "Gushan", "Huanxi"):
        assert town in body
    assert "from 14:00 on the day of the draw, for 24 hours" in body


def test_a_suggestion_is_stored_for_officials(client, fuzhou):
    response = client.post(
        reverse("help"), {"text": "  希望增加晚上的预约时段  ", "contact": "13800000000"}
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.text == "希望增加晚上的预约时段"
    assert suggestion.contact == "13800000000"
    assert suggestion.language == "zh-hans"
    assert suggestion.read_at is None
    followed = client.get(response["Location"])
    assert "谢谢" in followed.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": "ok", "contact": "x" * 101}],
)
def test_an_unusable_suggestion_is_refused_with_a_reason_and_stores_nothing(client, fuzhou, data):
    response = client.post(reverse("help"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Suggestion.objects.exists()

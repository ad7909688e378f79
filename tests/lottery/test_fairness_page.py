"""The fairness section of a draw's page as people read it: district names in the reader's
language, and a plain caveat where the chi-square test is only approximate (an expected count
under 5); certificate.json keeps the figures exactly as they were computed."""

import pytest

from lottery import services
from lottery.selectors import fairness_display
from reservations.models import Reservation
from tests.lottery.helpers import ceremony
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db

CAVEAT_EN = "The chi-square test is then only approximate"
CAVEAT_ZH = "此时卡方检验只是近似结果"


def _pool(count: int, *, town: str, first: int, serial: int) -> None:
    """`count` waiting reservations of residents of `town`, made on 17 Feb."""
    for i in range(count):
        resident = make_resident(phone=f"139{serial + i:08d}", town=town, serial=serial + i)
        Reservation.objects.create(
            number=first + i,
            resident=resident,
            phone=resident.user.phone,
            district=resident.district,
            town=resident.town,
            community=resident.community,
            address="福州市",
            created_at=at(2020, 2, 17, 9, 30),
        )


def _drawn_over_two_districts(draw, *, each: int, quota: int):
    _pool(each, town="苍霞街道", first=10000001, serial=100)  # Taijiang
    _pool(each, town="城门镇", first=20000001, serial=400)  # Cangshan
    draw = ceremony(draw, quota=quota)
    services.draw_fairness_compute(draw=draw)
    draw.refresh_from_db()
    return draw


def _page(client, draw, language: str) -> str:
    return client.get(f"/draws/{draw.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def _fairness_section(page: str) -> str:
    """From the first table of figures to "Check it yourself", the section after it."""
    return page[page.index("<h3>") : page.rindex("<h2>")]


def test_the_english_fairness_table_names_districts_in_english(client, draw):
    draw = _drawn_over_two_districts(draw, each=30, quota=20)

    english = _fairness_section(_page(client, draw, "en"))
    chinese = _fairness_section(_page(client, draw, "zh-hans"))

    assert "<td>Taijiang District</td>" in english and "<td>Cangshan District</td>" in english
    assert "台江区" not in english and "仓山区" not in english
    assert "<td>台江区</td>" in chinese and "<td>仓山区</td>" in chinese


def test_certificate_json_keeps_the_figures_as_computed(client, draw):
    draw = _drawn_over_two_districts(draw, each=30, quota=20)

    published = client.get(f"/draws/{draw.pk}/certificate.json", HTTP_ACCEPT_LANGUAGE="en")

    fairness = published.json()["fairness"]
    assert fairness == draw.fairness
    assert [g["label"] for g in fairness["by_district"]["groups"]] == ["台江区", "仓山区"]
    assert "approximate" not in fairness["by_district"]


def test_with_an_expected_count_under_five_the_page_says_the_test_is_approximate(client, draw):
    # 8 numbers in each district, 3 winners: 1.5 expected winners per district.
    draw = _drawn_over_two_districts(draw, each=8, quota=3)
    assert draw.fairness["by_district"]["smallest_expected"] < 5

    assert CAVEAT_EN in _page(client, draw, "en")
    assert CAVEAT_ZH in _page(client, draw, "zh-hans")


def test_with_every_expected_count_at_least_five_there_is_no_caveat(client, draw):
    # 30 in each district, 20 winners: 10 expected to win and 20 not to, in each.
    draw = _drawn_over_two_districts(draw, each=30, quota=20)
    assert draw.fairness["by_district"]["smallest_expected"] >= 5

    english, chinese = _page(client, draw, "en"), _page(client, draw, "zh-hans")

    assert "chi-square = " in english and CAVEAT_EN not in english
    assert CAVEAT_ZH not in chinese


def test_a_test_not_made_gets_no_caveat(client, draw):
    # One district only: no test by district, so nothing to call approximate.
    _pool(5, town="苍霞街道", first=10000001, serial=100)
    draw = ceremony(draw, quota=2)
    services.draw_fairness_compute(draw=draw)

    shown = fairness_display(fairness=draw.__class__.objects.get(pk=draw.pk).fairness)

    assert shown["by_district"]["p_value"] is None
    assert shown["by_district"]["approximate"] is False


def test_figures_stored_without_their_smallest_expected_count_are_judged_from_their_groups():
    def test(pools_and_winners):
        return {
            "groups": [
                {"key": k, "label": k, "pool": p, "winners": w} for k, p, w in pools_and_winners
            ],
            "p_value": 0.5,
        }

    shown = fairness_display(
        fairness={
            "by_reservation_day": test([("a", 100, 2), ("b", 100, 3)]),  # 2.5 expected winners
            "by_district": test([("x", 100, 50), ("y", 100, 50)]),  # 50 and 50
        }
    )

    assert shown["by_reservation_day"]["approximate"] is True
    assert shown["by_district"]["approximate"] is False

"""The certificate's fairness figures: win rates by district and by reservation day, each with a
chi-square test, so a draw that favoured early or late reservations shows at once."""

import math

import pytest

from lottery import services
from lottery.fairness import Group, chi_square_p_value, win_rates
from tests.lottery.helpers import ceremony, seed_pool
from tests.reservations.conftest import at


@pytest.mark.parametrize(
    ("statistic", "dof", "p_value"),
    [
        (3.841458820694124, 1, 0.05),  # the textbook 5 % points
        (6.634896601021214, 1, 0.01),
        (18.307038053275146, 10, 0.05),
        (0.1025865887751011, 2, 0.95),
        (124.34211340400407, 100, 0.05),
    ],
)
def test_p_values_match_the_chi_square_tables(statistic, dof, p_value):
    assert chi_square_p_value(statistic, dof) == pytest.approx(p_value, rel=1e-9)


def test_with_two_degrees_of_freedom_the_p_value_is_exactly_exp_minus_half_the_statistic():
    for statistic in (0.5, 2.0, 7.5, 40.0):
        assert chi_square_p_value(statistic, 2) == pytest.approx(math.exp(-statistic / 2))


def test_equal_win_rates_give_a_p_value_of_one():
    result = win_rates([Group("a", "A", 1000, 100), Group("b", "B", 500, 50)])

    assert result["chi_square"] == 0
    assert result["p_value"] == 1.0
    assert [group["win_rate"] for group in result["groups"]] == [0.1, 0.1]


def test_a_draw_that_favoured_early_reservations_has_a_tiny_p_value():
    # Ten days of 1,000 reservations each; the first day won three times as often.
    groups = [Group(f"day{day}", "", 1000, 300 if day == 0 else 100) for day in range(10)]

    result = win_rates(groups)

    assert result["degrees_of_freedom"] == 9
    assert result["p_value"] < 1e-6


def test_the_test_is_left_out_where_it_means_nothing():
    assert win_rates([Group("a", "A", 10, 3)])["p_value"] is None  # one group
    assert win_rates([Group("a", "A", 10, 0), Group("b", "B", 5, 0)])["p_value"] is None
    assert win_rates([Group("a", "A", 10, 10), Group("b", "B", 5, 5)])["p_value"] is None
    assert win_rates([Group("a", "A", 0, 0), Group("b", "B", 5, 1)])["groups"][0]["key"] == "b"


@pytest.mark.django_db
def test_a_drawn_draw_publishes_its_fairness_in_the_certificate(draw, client):
    seed_pool(list(range(10000001, 10000041)), made=at(2020, 2, 17, 9, 30))
    seed_pool(list(range(10000101, 10000161)), made=at(2020, 2, 18, 9, 30))
    draw = ceremony(draw, quota=25)
    assert client.get(f"/draws/{draw.pk}/certificate.json").json()["fairness"] is None

    fairness = services.draw_fairness_compute(draw=draw)

    by_day = fairness["by_reservation_day"]
    assert [(g["key"], g["pool"]) for g in by_day["groups"]] == [
        ("2020-02-17", 40),
        ("2020-02-18", 60),
    ]
    assert sum(g["winners"] for g in by_day["groups"]) == 25
    assert by_day["degrees_of_freedom"] == 1
    assert 0 <= by_day["p_value"] <= 1
    # Every seeded resident lives in Taijiang: one district, no test to make.
    by_district = fairness["by_district"]
    assert [(g["key"], g["pool"], g["winners"]) for g in by_district["groups"]] == [
        ("taijiang", 100, 25)
    ]
    assert by_district["p_value"] is None
    certificate = client.get(f"/draws/{draw.pk}/certificate.json").json()
    assert certificate["fairness"] == fairness
    page = client.get(f"/draws/{draw.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2020-02-18" in page and "chi-square" in page and "Cochran" in page


@pytest.mark.django_db
def test_figures_are_made_once_and_by_beat_when_the_worker_did_not(draw):
    seed_pool(list(range(10000001, 10000011)), made=at(2020, 2, 17, 9, 30))
    draw = ceremony(draw, quota=3)

    assert services.fairness_compute_missing() == 1
    assert services.fairness_compute_missing() == 0
    draw.refresh_from_db()
    assert draw.fairness["by_reservation_day"]["groups"][0]["winners"] == 3


def test_the_trend_test_catches_a_steady_drift_the_chi_square_over_days_can_miss():
    from lottery.fairness import trend

    # Win rates drifting from 9 % on the first day to 11 % on the tenth: small day by day.
    groups = [Group(f"d{day}", "", 5000, 450 + 11 * day) for day in range(10)]

    drift = trend(groups, list(range(10)))
    spread = win_rates(groups)

    assert drift["z"] > 3 and drift["p_value"] < 0.005
    assert spread["p_value"] > drift["p_value"]
    flat = trend([Group("a", "", 100, 10), Group("b", "", 100, 10)], [0, 1])
    assert flat == {"z": 0.0, "p_value": 1.0}
    assert trend([Group("a", "", 100, 0), Group("b", "", 100, 0)], [0, 1])["p_value"] is None


def test_p_values_are_published_to_six_significant_figures_not_rounded_to_zero():
    groups = [Group("a", "", 10000, 100), Group("b", "", 10000, 400)]

    assert 0 < win_rates(groups)["p_value"] < 1e-30


@pytest.mark.django_db
def test_reservation_days_are_days_in_the_city_not_in_utc(draw):
    # 07:30 in Fuzhou on 18 Feb is still 17 Feb in UTC.
    seed_pool(list(range(10000001, 10000011)), made=at(2020, 2, 18, 7, 30))
    draw = ceremony(draw, quota=3)

    fairness = services.draw_fairness_compute(draw=draw)

    assert [g["key"] for g in fairness["by_reservation_day"]["groups"]] == ["2020-02-18"]

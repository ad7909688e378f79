import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from city.models import CampaignConfig, Community, District, OtherArea, ReservationWindow, Town
from pickup.models import PickupPoint

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = {
    ("cangshan", "城门镇"),
    ("cangshan", "盖山镇"),
    ("cangshan", "螺洲镇"),
    ("cangshan", "建新镇"),
    ("jinan", "鼓山镇"),
    ("jinan", "宦溪镇"),
    ("jinan", "寿山乡"),
    ("jinan", "日溪乡"),
    ("mawei", "琅岐镇"),
    ("mawei", "亭江镇"),
}


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def snapshot() -> dict:
    """Every row of the reference tables, to compare before and after a second load."""
    models = [District, Town, Community, ReservationWindow, PickupPoint, OtherArea, CampaignConfig]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_it_loads_the_five_districts_in_order(fuzhou):
    assert list(District.objects.values_list("code", "name")) == [
        ("gulou", "鼓楼区"),
        ("taijiang", "台江区"),
        ("cangshan", "仓山区"),
        ("jinan", "晋安区"),
        ("mawei", "马尾区"),
    ]


def test_exactly_the_ten_towns_of_rule_9_are_outside_the_delivery_range(fuzhou):
    outside = set(
        Town.objects.filter(in_delivery_range=False).values_list("district__code", "name")
    )
    assert outside == OUT_OF_RANGE
    assert Town.objects.filter(in_delivery_range=True).count() > 20
    assert not Town.objects.filter(
        district__code__in=["gulou", "taijiang"], in_delivery_range=False
    )


def test_every_town_has_at_least_two_communities_with_phone_and_address(fuzhou):
    for town in Town.objects.all():
        communities = list(town.communities.all())
        assert len(communities) >= 2, town.name
        for community in communities:
            assert community.phone and community.address.startswith("福州市")


def test_windows_are_those_of_rule_2(fuzhou):
    own = {
        w.district.code: (w.opens_at, w.closes_at)
        for w in ReservationWindow.objects.filter(district__isnull=False)
    }
    assert own == {
        "gulou": (t("09:00"), t("11:00")),
        "taijiang": (t("11:00"), t("13:00")),
        "cangshan": (t("13:00"), t("15:00")),
        "jinan": (t("15:00"), t("17:00")),
        "mawei": (t("17:00"), t("19:00")),
    }
    shared = ReservationWindow.objects.get(district__isnull=True)
    assert (shared.opens_at, shared.closes_at) == (t("19:00"), t("21:00"))


def test_windows_are_half_open(fuzhou):
    window = ReservationWindow.objects.get(district__code="gulou")
    assert window.contains(t("09:00:00"))
    assert window.contains(t("10:59:59"))
    assert not window.contains(t("11:00:00"))
    assert not window.contains(t("08:59:59"))


def test_pickup_points_stand_in_the_three_districts_with_out_of_range_towns(fuzhou):
    assert sorted(PickupPoint.objects.values_list("district__code", flat=True)) == [
        "cangshan",
        "jinan",
        "mawei",
    ]


def test_other_areas_and_the_city_hotline_are_listed(fuzhou):
    names = list(OtherArea.objects.values_list("name", flat=True))
    assert "闽侯县" in names and "福清市" in names and "高新区" in names
    assert all(OtherArea.objects.values_list("phone", flat=True))
    assert CampaignConfig.objects.get().city_hotline == "12345"


def test_load_fuzhou_a_second_time_changes_nothing():
    first = StringIO()
    call_command("load_fuzhou", stdout=first)
    assert "districts 5" in first.getvalue()
    before = snapshot()

    second = StringIO()
    call_command("load_fuzhou", stdout=second)

    assert snapshot() == before
    assert second.getvalue().strip() == (
        "created: districts 0, towns 0, communities 0, windows 0, pickup points 0, "
        "other areas 0, campaign configuration 0"
    )


def test_load_fuzhou_keeps_what_officials_edited(fuzhou):
    community = Community.objects.get(town__name="鼓东街道", name="庆城社区")
    community.phone = "0591-12345678"
    community.save()
    Town.objects.filter(name="城门镇").update(in_delivery_range=True)

    call_command("load_fuzhou", stdout=StringIO())

    community.refresh_from_db()
    assert community.phone == "0591-12345678"
    assert Town.objects.get(name="城门镇").in_delivery_range is True

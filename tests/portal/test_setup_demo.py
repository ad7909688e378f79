from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from city.models import CampaignConfig
from reservations.models import User

pytestmark = pytest.mark.django_db


def test_setup_demo_starts_the_campaign_today_with_one_account_per_role(fuzhou, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("setup_demo", stdout=out)

    assert CampaignConfig.objects.get().start_date == timezone.localdate()
    for username, group in [
        ("official", "official"),
        ("notary", "notary"),
        ("committee", "committee_staff"),
        ("pickup", "pickup_staff"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(f"puhui-{username}")
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert f"password puhui-{username}" in out.getvalue()
    assert User.objects.get(username="committee").community is not None
    # The demo committee's parcels come through the demo pickup point (docs/pickup.md).
    committee = User.objects.get(username="committee").community
    point = User.objects.get(username="pickup").pickup_staff.point
    assert committee.town.district_id == point.district_id
    assert not committee.town.in_delivery_range
    assert User.objects.get(username="pickup").pickup_staff.point is not None
    # The next two draws of the schedule exist at once, with their ceremony pages printed.
    from lottery.models import Draw

    draws = list(Draw.objects.order_by("scheduled_at"))
    assert len(draws) == 2 and all(draw.kind == Draw.Kind.REGULAR for draw in draws)
    assert f"/admin/lottery/draw/{draws[0].pk}/ceremony/" in out.getvalue()


def test_setup_demo_twice_keeps_one_account_per_role(fuzhou, settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=StringIO())
    call_command("setup_demo", stdout=StringIO())
    assert User.objects.filter(username="official").count() == 1


def test_setup_demo_refuses_when_debug_is_off(fuzhou, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("setup_demo", stdout=StringIO())
    assert not User.objects.filter(username="official").exists()

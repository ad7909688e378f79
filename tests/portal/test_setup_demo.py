import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from city.errors import Refused
from city.models import CampaignConfig, Community, ReservationWindow
from city.services import demo_window_open
from reservations.models import Reservation, ReservationState, User
from reservations.validators import DocumentType
from tests.reservations.conftest import at

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


# --- The newcomer's walkthrough at any hour (issue 15) -----------------------------------------


def _step(out: str, pattern: str) -> str:
    match = re.search(pattern, out)
    assert match, f"setup_demo's steps do not say {pattern!r}:\n{out}"
    return match.group(1)


@pytest.mark.parametrize(
    "hour, minute",
    [(21, 30), (23, 59), (3, 15), (8, 59)],
    ids=["21:30", "23:59", "03:15", "08:59"],
)
def test_the_printed_steps_reserve_draw_and_win_outside_every_real_window(
    fuzhou, settings, client, hour, minute
):
    """Between 21:00 and 09:00 no district's window and not the evening one is open: the demo
    window is what lets a newcomer follow setup_demo's steps through to a win."""
    settings.DEBUG = True
    language = {"headers": {"accept-language": "en"}}
    with time_machine.travel(at(2026, 3, 10, hour, minute), tick=True) as clock:
        assert not ReservationWindow.objects.filter(
            opens_at__lte=timezone.localtime().time(), closes_at__gt=timezone.localtime().time()
        ).exists()
        out = StringIO()
        call_command("setup_demo", stdout=out)
        out = out.getvalue()
        phone = _step(out, r"mobile number (\d{11})")
        document = _step(out, r"resident ID ([0-9X]{18})")
        draw_command = _step(out, r"manage\.py (run_draw [^(]+?) \(").split()

        # 1-3: open the site, sign in, read the code on the console page.
        assert client.get("/", **language).status_code == 200
        response = client.post(reverse("sign_in"), {"phone": phone}, **language)
        assert response.status_code == 302
        page = client.get(reverse("console_messages"), **language).content.decode()
        text = re.search(rf"{phone}.*?<td>([^<]*)</td>", page, re.S).group(1)
        code = re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)
        response = client.post(reverse("sign_in_code"), {"code": code}, **language)
        assert response.status_code == 302 and response.url == reverse("me")

        # 4-5: verify with the printed document, enter the address.
        response = client.post(
            reverse("verify"),
            {
                "name": "王小明",
                "document_type": DocumentType.RESIDENT_ID,
                "document_number": document,
                "method": "face",
            },
            **language,
        )
        assert response.status_code == 302, response.content.decode()
        community = Community.objects.select_related("town__district").order_by("pk").first()
        response = client.post(
            reverse("address"),
            {
                "district": community.town.district_id,
                "town": community.town_id,
                "community": community.pk,
                "street_address": "演示路1号",
                "save": "1",
            },
            **language,
        )
        assert response.status_code == 302, response.content.decode()
        me = client.get(reverse("me"), **language).content.decode()
        assert "00:00–24:00 (demo window: only on a development site)" in me

        # 6: reserve, at this hour.
        response = client.post(reverse("reserve"), **language)
        assert response.status_code == 302 and "?reserved=" in response.url
        number = response.url.split("?reserved=")[1]
        reservation = Reservation.objects.get(number=int(number))
        assert reservation.state == ReservationState.WAITING

        # 7: the printed draw command, a minute later.
        clock.shift(datetime.timedelta(minutes=1))
        call_command(*draw_command, stdout=StringIO())

        # 8: the win, on My reservation and on /results/.
        me = client.get(reverse("me"), **language).content.decode()
        assert "Congratulations, your number won." in me
        results = client.get(reverse("results"), {"number": number}, **language)
        assert f"{number} won." in results.content.decode()
        reservation.refresh_from_db()
        assert reservation.won_at is not None


def test_setup_demo_keeps_one_demo_window_all_day_however_often_it_runs(fuzhou, settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=StringIO())
    window = ReservationWindow.objects.get(is_demo=True)
    window.closes_at = datetime.time(1)  # someone narrowed it in the admin
    window.save()
    call_command("setup_demo", stdout=StringIO())
    assert list(
        ReservationWindow.objects.filter(is_demo=True).values_list(
            "pk", "district", "opens_at", "closes_at"
        )
    ) == [(window.pk, None, datetime.time(0), datetime.time.max)]
    assert str(window).endswith("(demo window: only on a development site)")


def test_with_debug_off_even_a_forced_setup_demo_makes_no_demo_window_and_says_why(
    fuzhou, settings
):
    settings.DEBUG = False
    before = list(ReservationWindow.objects.values_list("pk", flat=True))
    out = StringIO()
    call_command("setup_demo", "--force", stdout=out)
    assert "No demo window: DEBUG is off" in out.getvalue()
    assert "Try it as a resident" not in out.getvalue()
    assert list(ReservationWindow.objects.values_list("pk", flat=True)) == before
    assert not ReservationWindow.objects.filter(is_demo=True).exists()
    with pytest.raises(Refused):
        demo_window_open()
    assert not ReservationWindow.objects.filter(is_demo=True).exists()


def test_setup_demo_refused_without_debug_makes_no_demo_window(fuzhou, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("setup_demo", stdout=StringIO())
    assert not ReservationWindow.objects.filter(is_demo=True).exists()

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from city import roles
from city.models import Community
from reservations.models import Reservation, Resident, User
from tests.reservations.conftest import at, resident_id

pytestmark = pytest.mark.django_db

NUMBER = resident_id("35010219400101002")
BEFORE_DEADLINE = at(2020, 2, 18, 3, 0)  # 03:00: no reservation window is open
AFTER_DEADLINE = at(2020, 2, 21, 9, 0)  # registration closed at the end of 20 Feb


def register(client, number: str = NUMBER, **extra):
    data = {
        "name": "陈阿婆",
        "category": "elderly_alone",
        "document_type": "resident_id",
        "document_number": number,
        **extra,
    }
    return client.post(reverse("admin:reservations_resident_add"), data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def staff_client(client, committee_staff, campaign):
    client.force_login(committee_staff)
    return client


@pytest.fixture
def registered(staff_client, committee_staff):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        assert register(staff_client).status_code == 302
    return Resident.objects.get(category="elderly_alone")


@pytest.fixture
def other_committee_staff(role_groups, fuzhou):
    community = Community.objects.exclude(name="庆城社区").filter(town__name="城门镇").first()
    user = User.objects.create_user(
        username="other", password="pw", is_staff=True, community=community
    )
    user.groups.add(Group.objects.get(name=roles.COMMITTEE_STAFF))
    return user


def test_committee_staff_register_a_resident_without_a_phone(registered, committee_staff):
    community = committee_staff.community
    assert registered.user is None
    assert registered.community == community and registered.town == community.town
    assert registered.street_address == community.address
    assert (registered.level, registered.method) == ("L2", "committee")
    assert registered.registered_by == committee_staff
    assert registered.document_masked == NUMBER[:3] + "*" * 11 + NUMBER[-4:]


def test_a_malformed_document_is_refused_and_not_echoed(staff_client):
    bad = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        response = register(staff_client, bad)
    assert response.status_code == 200
    body = response.content.decode()
    assert "does not match" in body
    assert bad not in body
    assert not Resident.objects.exists()


def test_registration_after_the_deadline_is_refused_clearly(staff_client):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        response = register(staff_client)
    assert "Committee registration closed on" in response.content.decode()
    assert not Resident.objects.exists()


def test_the_same_document_cannot_be_registered_twice(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        response = register(staff_client)
    assert "already registered" in response.content.decode()
    assert Resident.objects.count() == 1


def reserve_on_behalf(client, *residents: Resident):
    return client.post(
        reverse("admin:reservations_resident_changelist"),
        {"action": "reserve_on_behalf", "_selected_action": [r.pk for r in residents]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_the_committee_reserves_for_them_outside_the_windows(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        response = reserve_on_behalf(staff_client, registered)
    reservation = Reservation.objects.get()
    community = registered.community
    assert reservation.by_committee
    assert (reservation.phone, reservation.address) == (community.phone, community.address)
    assert reservation.number_display in response.content.decode()


def test_reserving_on_behalf_after_the_deadline_is_refused_clearly(staff_client, registered):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        response = reserve_on_behalf(staff_client, registered)
    assert "Committee registration closed on" in response.content.decode()
    assert not Reservation.objects.exists()


def test_one_live_reservation_holds_for_committee_residents_too(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
        response = reserve_on_behalf(staff_client, registered)
    assert "already have a reservation" in response.content.decode()
    assert Reservation.objects.count() == 1


def test_another_committee_cannot_see_or_change_the_resident(
    client, registered, other_committee_staff
):
    client.force_login(other_committee_staff)
    listing = client.get(reverse("admin:reservations_resident_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == []
    change = reverse("admin:reservations_resident_change", args=[registered.pk])
    assert client.get(change).status_code == 302  # "no such object" for them
    client.post(change, {"name": "改名", "category": "hardship"})
    registered.refresh_from_db()
    assert registered.name == "陈阿婆"
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(client, registered)
    assert not Reservation.objects.exists()


def test_their_own_committee_may_correct_the_name_and_group(staff_client, registered):
    change = reverse("admin:reservations_resident_change", args=[registered.pk])
    response = staff_client.post(change, {"name": "陈阿娘", "category": "hardship"})
    assert response.status_code == 302
    registered.refresh_from_db()
    assert (registered.name, registered.category) == ("陈阿娘", "hardship")


def test_emptying_the_name_or_group_is_a_form_error_and_changes_nothing(staff_client, registered):
    change = reverse("admin:reservations_resident_change", args=[registered.pk])
    for data in [{"name": "", "category": "hardship"}, {"name": "陈阿娘", "category": ""}]:
        response = staff_client.post(change, data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        # In words for people, naming the field (issue 15), not Django's "This field is…".
        assert "Please fill in “" in response.content.decode()
        assert "This field is required." not in response.content.decode()
    registered.refresh_from_db()
    assert (registered.name, registered.category) == ("陈阿婆", "elderly_alone")


def test_residents_of_other_communities_are_not_shown(staff_client, taijiang_resident):
    listing = staff_client.get(reverse("admin:reservations_resident_changelist"))
    assert taijiang_resident not in list(listing.context["cl"].queryset)


def test_self_registered_neighbours_are_shown_but_not_editable(staff_client, committee_staff):
    from tests.reservations.conftest import make_resident

    neighbour = make_resident(
        phone="13800000031", town="鼓东街道", community=committee_staff.community.name, serial=31
    )
    listing = staff_client.get(reverse("admin:reservations_resident_changelist"))
    assert neighbour in list(listing.context["cl"].queryset)
    change = reverse("admin:reservations_resident_change", args=[neighbour.pk])
    staff_client.post(change, {"name": "改名", "category": "hardship"})
    neighbour.refresh_from_db()
    assert (neighbour.name, neighbour.category) == ("林小梅", "")


def test_committee_staff_without_a_community_see_nobody(client, registered, role_groups):
    lost = User.objects.create_user(username="lost", password="pw", is_staff=True)
    lost.groups.add(Group.objects.get(name=roles.COMMITTEE_STAFF))
    Resident.objects.create(user=User.objects.create_user(username="x", phone="13800000040"))
    client.force_login(lost)
    listing = client.get(reverse("admin:reservations_resident_changelist"))
    assert list(listing.context["cl"].queryset) == []
    reservations = client.get(reverse("admin:reservations_reservation_changelist"))
    assert list(reservations.context["cl"].queryset) == []


def test_the_committee_cancels_a_waiting_reservation_for_them(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
        response = staff_client.post(
            reverse("admin:reservations_resident_changelist"),
            {"action": "cancel_on_behalf", "_selected_action": [registered.pk], "post": "yes"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert Reservation.objects.get().state == "cancelled"
    assert "cancelled" in response.content.decode()


def test_a_selected_id_that_is_not_a_number_is_ignored(staff_client, registered):
    response = staff_client.post(
        reverse("admin:reservations_resident_changelist"),
        {"action": "reserve_on_behalf", "_selected_action": ["abc", "1; drop"]},
    )
    assert response.status_code in (200, 302)
    assert not Reservation.objects.exists()


def test_officials_read_residents_but_do_not_register_them(client, official, registered):
    client.force_login(official)
    assert client.get(reverse("admin:reservations_resident_changelist")).status_code == 200
    assert client.get(reverse("admin:reservations_resident_add")).status_code == 403


def test_the_resident_pages_never_show_the_document_number(staff_client, registered):
    change = reverse("admin:reservations_resident_change", args=[registered.pk])
    assert NUMBER not in staff_client.get(change).content.decode()


# --- the committee's mobile number for messages (issue 13) ------------------------------------


def community_form(community: Community, **changes) -> dict:
    return {
        "town": community.town_id,
        "name": community.name,
        "name_en": community.name_en,
        "phone": community.phone,
        "sms_phone": "",
        "address": community.address,
        **changes,
    }


@pytest.fixture
def qingcheng(fuzhou) -> Community:
    return Community.objects.get(town__name="鼓东街道", name="庆城社区")


def test_an_official_gives_a_committee_a_mobile_for_messages_however_it_is_typed(
    client, official, qingcheng
):
    client.force_login(official)
    url = reverse("admin:city_community_change", args=[qingcheng.pk])
    response = client.post(url, community_form(qingcheng, sms_phone="+86 139 0000 1111"))
    assert response.status_code == 302
    qingcheng.refresh_from_db()
    assert qingcheng.sms_phone == "13900001111"
    assert qingcheng.phone == "0591-87010100"  # its own phone stays what it was


def test_a_fixed_line_is_refused_as_the_mobile_for_messages(client, official, qingcheng):
    client.force_login(official)
    url = reverse("admin:city_community_change", args=[qingcheng.pk])
    response = client.post(
        url, community_form(qingcheng, sms_phone="0591-87010100"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "not a mainland China mobile number" in str(
        response.context["adminform"].form.errors["sms_phone"]
    )
    qingcheng.refresh_from_db()
    assert qingcheng.sms_phone == ""


def test_the_database_keeps_only_a_mobile_as_the_number_for_messages(qingcheng):
    from django.db import IntegrityError, transaction

    for value in ["059187010100", "+8613900001111", "1390000111"]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Community.objects.filter(pk=qingcheng.pk).update(sms_phone=value)
    Community.objects.filter(pk=qingcheng.pk).update(sms_phone="13900001111")


def test_officials_find_the_committees_no_sms_reaches(client, official, qingcheng):
    Community.objects.filter(pk=qingcheng.pk).update(sms_phone="13900001111")
    client.force_login(official)
    url = reverse("admin:city_community_changelist")
    without = client.get(url + "?sms_phone__isempty=1")
    assert without.status_code == 200
    assert qingcheng not in list(without.context["cl"].queryset)
    with_one = client.get(url + "?sms_phone__isempty=0")
    assert list(with_one.context["cl"].queryset) == [qingcheng]


def cancel_on_behalf(client, *residents: Resident, language="en", **extra):
    return client.post(
        reverse("admin:reservations_resident_changelist"),
        {"action": "cancel_on_behalf", "_selected_action": [r.pk for r in residents], **extra},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_cancelling_on_behalf_first_shows_a_confirmation_and_changes_nothing(
    staff_client, registered
):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
        response = cancel_on_behalf(staff_client, registered)
    reservation = Reservation.objects.get()
    body = response.content.decode()
    assert response.status_code == 200
    assert reservation.state == "waiting"
    assert reservation.number_display in body
    assert registered.masked_repr() in body and registered.document_masked in body
    assert "陈阿婆" not in body and NUMBER not in body
    assert "leaves the draw" in body and "cannot be undone" in body
    assert "until the end of 2020-02-20" in body
    assert 'name="post" value="yes"' in body and 'value="cancel_on_behalf"' in body
    assert f'href="{reverse("admin:reservations_resident_changelist")}"' in body
    assert "cancel.js" not in body  # the way back is a plain link


def test_the_confirmation_is_in_chinese_too(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
        body = cancel_on_behalf(staff_client, registered, language="zh-hans").content.decode()
    assert "无法撤销" in body and "2020-02-20" in body and "确认取消" in body


def test_after_the_deadline_the_confirmation_says_they_could_not_reserve_again(
    staff_client, registered
):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        body = cancel_on_behalf(staff_client, registered).content.decode()
    assert "could not reserve for them again" in body
    assert Reservation.objects.get().state == "waiting"


def test_a_resident_without_a_waiting_reservation_is_listed_as_nothing_to_cancel(
    staff_client, registered
):
    body = cancel_on_behalf(staff_client, registered).content.decode()
    assert "nothing to cancel" in body


def test_post_yes_on_the_confirmation_cancels(staff_client, registered):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
        response = cancel_on_behalf(staff_client, registered, post="yes")
    assert response.status_code == 302
    assert Reservation.objects.get().state == "cancelled"

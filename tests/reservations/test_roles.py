import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from city import roles
from city.models import CampaignConfig, Community

pytestmark = pytest.mark.django_db


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_the_migration_creates_the_four_staff_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"official", "notary", "committee_staff", "pickup_staff"} <= names


def test_officials_run_the_campaign():
    granted = perms(roles.OFFICIAL)
    assert {
        "city.change_campaignconfig",
        "city.add_district",
        "city.change_town",
        "city.change_community",
        "city.change_reservationwindow",
        "city.view_suggestion",
        "pickup.change_pickuppoint",
        "lottery.run_ceremony",
    } <= granted
    assert "city.delete_campaignconfig" not in granted
    assert "lottery.notarise" not in granted  # whoever runs a draw does not notarise it


def test_notaries_read_and_notarise_draws_only():
    granted = perms(roles.NOTARY)
    assert granted
    acts = {codename for codename in granted if not codename.split(".")[1].startswith("view_")}
    assert acts == {"lottery.notarise"}


REFERENCE_MODELS = ["district", "town", "community", "reservationwindow", "campaignconfig"]


def test_committee_and_pickup_staff_cannot_change_reference_data_or_config():
    for group_name in (roles.COMMITTEE_STAFF, roles.PICKUP_STAFF):
        granted = perms(group_name)
        for model in REFERENCE_MODELS:
            for action in ("add", "change", "delete"):
                assert f"city.{action}_{model}" not in granted
        assert not any(".delete_" in p for p in granted)
        assert "city.view_campaignconfig" not in granted
        assert "city.view_suggestion" not in granted


CONFIG_FORM = {
    "start_date": "2020-02-17",
    "committee_registration_deadline": "2020-02-20",
    "product_name": "普惠口罩",
    "pack_size": "12",
    "unit_price": "3.50",
    "first_draw_after_days": "2",
    "draw_interval_days": "2",
    "draw_time": "10:00",
    "pool_cutoff_days_before": "1",
    "pool_cutoff_time": "21:00",
    "purchase_opens_at": "14:00",
    "purchase_window_hours": "24",
    "cooldown_days": "7",
    "lapse_reminder_hours": "4",
    "pickup_cutoff_time": "12:00",
    "pickup_delivery_time": "15:00",
    "city_hotline": "12345",
    "city_hotline_name": "福州市12345便民服务平台",
    "city_hotline_name_en": "Fuzhou 12345",
}


def test_an_official_can_edit_the_campaign_configuration(client, official, fuzhou):
    client.force_login(official)
    url = reverse("admin:city_campaignconfig_change", args=[1])
    assert client.get(url).status_code == 200
    response = client.post(url, CONFIG_FORM)
    assert response.status_code == 302
    config = CampaignConfig.objects.get()
    assert (config.pack_size, config.cooldown_days, str(config.unit_price)) == (12, 7, "3.50")


def test_a_configuration_with_no_masks_per_pack_is_refused_with_a_reason(client, official, fuzhou):
    client.force_login(official)
    url = reverse("admin:city_campaignconfig_change", args=[1])
    response = client.post(url, {**CONFIG_FORM, "pack_size": "0"})
    assert response.status_code == 200
    assert "pack_size" in response.context["adminform"].form.errors
    assert CampaignConfig.objects.get().pack_size == 10


def test_the_configuration_list_goes_straight_to_the_one_row(client, official, fuzhou):
    client.force_login(official)
    response = client.get(reverse("admin:city_campaignconfig_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:city_campaignconfig_change", args=[1])


def test_a_notary_can_read_but_not_change_the_configuration(client, notary, fuzhou):
    client.force_login(notary)
    url = reverse("admin:city_campaignconfig_change", args=[1])
    assert client.get(url).status_code == 200
    assert client.post(url, {"pack_size": 1}).status_code == 403


def test_committee_staff_cannot_open_the_configuration(client, committee_staff):
    client.force_login(committee_staff)
    url = reverse("admin:city_campaignconfig_change", args=[1])
    assert client.get(url).status_code == 403


def test_committee_staff_see_only_their_own_community(client, committee_staff):
    client.force_login(committee_staff)
    response = client.get(reverse("admin:city_community_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [committee_staff.community]
    other = Community.objects.exclude(pk=committee_staff.community_id).first()
    url = reverse("admin:city_community_change", args=[other.pk])
    assert client.get(url).status_code == 302  # the admin's answer to "no such object here"


def test_pickup_staff_see_only_their_own_point(client, pickup_staff):
    client.force_login(pickup_staff)
    response = client.get(reverse("admin:pickup_pickuppoint_changelist"))
    assert list(response.context["cl"].queryset) == [pickup_staff.pickup_staff.point]


def test_committee_staff_register_residents_and_read_reservations():
    granted = perms(roles.COMMITTEE_STAFF)
    assert {
        "reservations.view_resident",
        "reservations.add_resident",
        "reservations.change_resident",
        "reservations.view_reservation",
    } <= granted
    assert "reservations.change_reservation" not in granted


def test_a_signed_in_outsider_is_kept_out_of_the_admin(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_official_reads_suggestions_and_marks_them_read(client, official):
    from portal.services import suggestion_submit

    suggestion = suggestion_submit(text="请增加老年人专线")
    client.force_login(official)
    changelist = reverse("admin:city_suggestion_changelist")
    assert "请增加老年人专线" in client.get(changelist).content.decode()
    client.post(changelist, {"action": "mark_read", "_selected_action": [suggestion.pk]})
    suggestion.refresh_from_db()
    assert suggestion.read_by == official and suggestion.read_at is not None


def test_an_officials_bookmark_of_a_moved_admin_page_leads_to_its_new_address(client, official):
    client.force_login(official)
    response = client.get("/admin/reservations/campaignconfig/1/change/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/admin/city/campaignconfig/1/change/?x=1"
    assert client.get("/admin/reservations/district/").url == "/admin/city/district/"
    # Reservations' own pages stay where they were.
    assert client.get("/admin/reservations/reservation/").status_code == 200

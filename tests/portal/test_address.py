import pytest
from django.urls import reverse

from city.models import Community, District, Town
from reservations.models import Resident, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, fuzhou):
    user = User.objects.create_user(username="13800000001", phone="13800000001")
    Resident.objects.create(user=user)
    client.force_login(user)
    return user


def test_choosing_a_district_shows_only_its_towns_without_javascript(client, signed_in):
    cangshan = District.objects.get(code="cangshan")
    response = client.post(reverse("address"), {"district": cangshan.pk, "narrow": "district"})
    assert response.status_code == 200
    towns = list(response.context["form"].fields["town"].queryset)
    assert towns and all(town.district == cangshan for town in towns)
    assert "城门镇" in response.content.decode()
    assert "鼓东街道" not in response.content.decode()


def test_choosing_a_town_shows_only_its_committees(client, signed_in):
    town = Town.objects.get(name="城门镇")
    response = client.post(
        reverse("address"), {"district": town.district_id, "town": town.pk, "narrow": "town"}
    )
    communities = list(response.context["form"].fields["community"].queryset)
    assert communities and all(c.town == town for c in communities)


def test_saving_a_full_address(client, signed_in):
    community = Community.objects.filter(town__name="城门镇").first()
    response = client.post(
        reverse("address"),
        {
            "district": community.town.district_id,
            "town": community.town_id,
            "community": community.pk,
            "street_address": " 林浦路8号 ",
            "save": "1",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(user=signed_in)
    assert (resident.district, resident.town, resident.community) == (
        community.town.district,
        community.town,
        community,
    )
    assert resident.street_address == "林浦路8号"


def test_a_committee_of_another_town_is_refused(client, signed_in):
    town = Town.objects.get(name="城门镇")
    elsewhere = Community.objects.exclude(town=town).first()
    response = client.post(
        reverse("address"),
        {
            "district": town.district_id,
            "town": town.pk,
            "community": elsewhere.pk,
            "street_address": "林浦路8号",
            "save": "1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Resident.objects.get(user=signed_in).community is None


@pytest.mark.parametrize(
    "data",
    [
        {"save": "1"},
        {"district": "abc", "town": "x", "community": "y", "street_address": "1", "save": "1"},
        {"district": "999999", "save": "1", "street_address": "1"},
    ],
)
def test_nonsense_is_refused_without_an_error_page(client, signed_in, data):
    response = client.post(reverse("address"), data)
    assert response.status_code == 400


def test_the_address_page_shows_the_current_address(client, signed_in):
    community = Community.objects.filter(town__name="城门镇").first()
    resident = Resident.objects.get(user=signed_in)
    resident.community, resident.town, resident.district = (
        community,
        community.town,
        community.town.district,
    )
    resident.street_address = "林浦路8号"
    resident.save()
    body = client.get(reverse("address")).content.decode()
    assert "林浦路8号" in body and community.name in body

"""Personas and shared fixtures. Every test talks to the real PostgreSQL and Redis."""

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from city import roles
from city.models import Community
from city.reference import fuzhou as fuzhou_data
from city.services import reference_data_load
from pickup.models import PickupPoint, PickupStaff
from reservations.models import User


@pytest.fixture(autouse=True)
def empty_redis(settings):
    """Counters from one test must not limit the next."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def fresh_committee_phones():
    """Each test loads its own communities (new ids): the partner API's index of committee
    phones, kept for a minute in a real process, must not outlive a test."""
    from orders.selectors import committee_phones_forget

    committee_phones_forget()


@pytest.fixture
def fuzhou(db):
    """The city's reference data, as `load_fuzhou` loads it."""
    reference_data_load(data=fuzhou_data)


@pytest.fixture
def role_groups(db):
    # Transactional tests empty every table afterwards, groups included: put them back.
    if not Group.objects.filter(name=roles.OFFICIAL).exists():
        roles.sync_role_permissions(django_apps)


def _staff(username: str, group_name: str, **extra) -> User:
    user = User.objects.create_user(username=username, password="pw", is_staff=True, **extra)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def resident(db) -> User:
    return User.objects.create_user(username="resident", phone="13800000001")


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but neither staff nor anybody's resident."""
    return User.objects.create_user(username="outsider", password="pw")


@pytest.fixture
def official(role_groups) -> User:
    return _staff("official", roles.OFFICIAL)


@pytest.fixture
def notary(role_groups) -> User:
    return _staff("notary", roles.NOTARY)


@pytest.fixture
def committee_staff(role_groups, fuzhou) -> User:
    community = Community.objects.get(town__name="鼓东街道", name="庆城社区")
    return _staff("committee", roles.COMMITTEE_STAFF, community=community)


@pytest.fixture
def pickup_staff(role_groups, fuzhou) -> User:
    point = PickupPoint.objects.get(district__code="cangshan")
    user = _staff("pickup", roles.PICKUP_STAFF)
    PickupStaff.objects.create(user=user, point=point)
    return user


@pytest.fixture
def partner(db):
    """The partner retailer: its record and its API token (shown once, as in real life)."""
    from orders.services import partner_create

    return partner_create(name="朴朴超市")

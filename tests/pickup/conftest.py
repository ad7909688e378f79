# The partner API's fixtures and the 2020 campaign, shared with the orders' tests.
import pytest
from django.contrib.auth.models import Group

from city import roles
from city.models import Community
from pickup.models import PickupPoint, PickupStaff
from reservations.models import User
from tests.orders.conftest import api, at_time, campaign, taijiang_winner  # noqa: F401


def staff_of(username: str, *, community: Community | None = None, point=None) -> User:
    """A staff member: of a community's committee, or of a pickup point."""
    group = roles.COMMITTEE_STAFF if community is not None else roles.PICKUP_STAFF
    user = User.objects.create_user(
        username=username, password="pw", is_staff=True, community=community
    )
    user.groups.add(Group.objects.get(name=group))
    if point is not None:
        PickupStaff.objects.create(user=user, point=point)
    return user


@pytest.fixture
def linpu_committee(role_groups, fuzhou) -> User:
    """Staff of Linpu's committee, in Chengmen (Cangshan, outside the delivery range)."""
    return staff_of("linpu", community=Community.objects.get(town__name="城门镇", name="林浦村"))


@pytest.fixture
def jinan_pickup_staff(role_groups, fuzhou) -> User:
    return staff_of("jinan-pickup", point=PickupPoint.objects.get(district__code="jinan"))

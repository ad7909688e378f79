import datetime

import pytest
from django.utils import timezone

from city.models import Community
from reservations.models import Level, Method, Resident, User
from reservations.services import document_hash
from reservations.validators import mask_document
from tests.helpers import shanghai

START = datetime.date(2020, 2, 17)


def resident_id(first17: str) -> str:
    """A valid resident ID card number: 17 digits and their ISO 7064 MOD 11-2 check."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.fixture
def campaign(fuzhou):
    """The 2020 campaign: starts 17 Feb, first draw 19 Feb 10:00."""
    from city.models import CampaignConfig

    CampaignConfig.objects.filter(pk=1).update(
        start_date=START, committee_registration_deadline=datetime.date(2020, 2, 20)
    )
    return CampaignConfig.objects.get()


def make_resident(
    *, phone: str, town: str, community: str | None = None, serial: int = 1
) -> Resident:
    """A resident signed up, verified to L2 and with a home address in `town`."""
    user = User.objects.create_user(username=phone, phone=phone)
    place = Community.objects.filter(town__name=town)
    place = place.get(name=community) if community else place.first()
    number = resident_id(f"35010219900101{serial:03d}")
    return Resident.objects.create(
        user=user,
        name="林小梅",
        document_type="resident_id",
        document_hash=document_hash(document_type="resident_id", number=number),
        document_masked=mask_document(number),
        level=Level.L2,
        method=Method.FACE,
        verified_at=timezone.now(),
        district_id=place.town.district_id,
        town=place.town,
        community=place,
        street_address="五四路123号2座501室",
    )


@pytest.fixture
def taijiang_resident(campaign) -> Resident:
    return make_resident(phone="13800000011", town="苍霞街道", serial=11)


@pytest.fixture
def chengmen_resident(campaign) -> Resident:
    """Lives in Chengmen, a Cangshan town outside the delivery range."""
    return make_resident(phone="13800000012", town="城门镇", serial=12)


def at(*args: int) -> datetime.datetime:
    return shanghai(*args)

import datetime

import pytest

from lottery import services

# The 2020 campaign and a verified Taijiang resident, shared with the residents' tests.
from tests.reservations.conftest import at, campaign, taijiang_resident  # noqa: F401


@pytest.fixture
def draw(campaign):  # noqa: F811 - the fixture, imported above
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    return services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10, 0), pool_cutoff=at(2020, 2, 18, 21, 0), actor=None
    )

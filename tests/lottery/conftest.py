# The 2020 campaign and a verified Taijiang resident, shared with the residents' tests.
from tests.reservations.conftest import campaign, taijiang_resident  # noqa: F401

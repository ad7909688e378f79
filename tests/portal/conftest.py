from tests.reservations.conftest import (  # noqa: F401 - fixtures
    campaign,
    chengmen_resident,
    taijiang_resident,
)

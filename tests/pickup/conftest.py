# The partner API's fixtures and the 2020 campaign, shared with the orders' tests.
from tests.orders.conftest import api, at_time, campaign  # noqa: F401

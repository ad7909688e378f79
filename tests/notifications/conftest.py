import pytest

from notifications.models import Kind
from notifications.services import NewMessage, messages_enqueue
from tests.fakes.sms_gateway import FakeGateway
from tests.reservations.conftest import (  # noqa: F401 - fixtures
    campaign,
    taijiang_resident,
)
from tests.reservations.test_committee import registered, staff_client  # noqa: F401 - fixtures

TOKEN = "test-token"


@pytest.fixture
def gateway():
    with FakeGateway(token=TOKEN) as running:
        yield running


@pytest.fixture
def http_sms(settings, gateway):
    """Send through the real HTTP client to the loopback gateway, with short test timings."""
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = TOKEN
    settings.SMS_GATEWAY_TIMEOUT = 0.5
    settings.SMS_RETRY_BASE_SECONDS = 0.2
    settings.SMS_RETRY_MAX_SECONDS = 1.0
    settings.SMS_RATE_LIMIT = 100000
    return gateway


def queue_wins(count: int, *, start: int = 0) -> None:
    messages_enqueue(
        messages=(
            NewMessage(
                recipient=f"+86138{i:08d}",
                kind=Kind.WIN,
                dedupe_key=f"win:1:{i}",
                context={
                    "number": f"{10000000 + i}",
                    "opens": "02-19 14:00",
                    "closes": "02-20 14:00",
                },
            )
            for i in range(start, start + count)
        )
    )

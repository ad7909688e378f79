"""Schemathesis against the live partner API: every operation of docs/partner-api.openapi.json,
valid and invalid requests, bounded in examples and time and deterministic. No answer is a
5xx, every answer is one the file documents (status, content type, headers, body), valid
requests are not refused as invalid and invalid ones are refused (`--checks all`)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from city.phones import normalize_contact_phone
from orders.models import Order, OrderStatus
from orders.services import order_place
from tests.orders.conftest import DURING, draw_all, reserve
from tests.orders.test_docs import OPENAPI, spec
from tests.reservations.conftest import make_resident

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Deterministic generation, one worker, a time budget: about 30 s of requests on 2 cores.
CONFIG = """\
max-time = 30
workers = 1
[generation]
deterministic = true
max-examples = 20
database = "none"
[cache]
enabled = false
[phases.stateful]
enabled = false
[[operations]]
include-operation-id = "setOrderStatus"
parameters = {{ "order_id" = "{order_id}" }}
"""


def example_request(schema: str) -> dict:
    return spec()["components"]["schemas"][schema]["example"]


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_the_live_api_true_to_its_openapi_file(
    live_server, partner, campaign, time_machine, tmp_path
):
    # The winner the file's request examples name, so that the valid paths are walked to the
    # end (eligible, placed, the retry), and a second winner's order for the status steps.
    example = example_request("OrderRequest")
    winner = make_resident(phone=normalize_contact_phone(example["phone"]), town="苍霞街道")
    other = make_resident(phone="13800000031", town="苍霞街道", serial=31)
    mine, theirs = draw_all(reserve(winner), reserve(other))
    assert mine.address == example["address"] == example_request("VerifyRequest")["address"]
    time_machine.move_to(DURING, tick=True)
    with connection.cursor() as cursor:  # an id no generator would guess by chance
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Order._meta.db_table}', 'id'), 41)")
    placed = order_place(
        partner=partner[0],
        partner_order_id="FIXTURE-1",
        phone=theirs.phone,
        address=theirs.address,
        number=None,
        quantity=1,
        now=DURING,
    )
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(order_id=placed.order.pk))
    report = tmp_path / "report.ndjson"

    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "--no-color",
            "run",
            str(OPENAPI),
            "--url",
            f"{live_server.url}/api/partner/v1",
            "--header",
            f"Authorization: Bearer {partner[1]}",
            "--checks",
            "all",
            "--request-timeout",
            "10",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    answers = report.read_text()
    statuses = {int(code) for code in re.findall(r'"status_code":\s*(\d+)', answers)}
    assert {200, 201, 400, 401, 405, 409, 415} <= statuses, statuses
    assert not {status for status in statuses if status >= 500}
    # The valid paths were walked: the example's order was placed, the other one moved on.
    assert Order.objects.filter(reservation=mine, partner_order_id=example["partner_order_id"])
    assert f"/orders/{placed.order.pk}/status" in answers
    placed.order.refresh_from_db()
    assert placed.order.status != OrderStatus.PLACED

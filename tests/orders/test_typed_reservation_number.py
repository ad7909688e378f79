"""The partner API reads a reservation number as residents type it everywhere (issue 15)."""

import pytest

from tests.orders.conftest import DURING, order_body

WIDE = {ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"}

SPELLINGS = {
    "full-width": lambda n: n.translate(WIDE),
    "grouped by a space": lambda n: f"{n[:4]} {n[4:]}",
    "grouped by a hyphen": lambda n: f"{n[:4]}-{n[4:]}",
    "full-width, grouped by an ideographic space": lambda n: f"{n[:4]}\u3000{n[4:]}".translate(
        WIDE
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_reservation_number_typed_with_grouping_or_full_width_digits_is_the_same_number(
    api, taijiang_winner, at_time, spelling
):
    at_time(DURING)
    number = taijiang_winner.number_display
    body = order_body(taijiang_winner)
    typed = SPELLINGS[spelling](number)
    response = api(
        "verify", {"phone": body["phone"], "address": body["address"], "reservation_number": typed}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["reservation_number"] == number


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1234\n5678", "<b>12345678</b>", "١٢٣٤٥٦٧٨", "1234567"])
def test_a_reservation_number_with_anything_else_is_refused_with_the_field_named(
    api, taijiang_winner, at_time, typed
):
    at_time(DURING)
    body = order_body(taijiang_winner)
    response = api(
        "verify",
        {"phone": body["phone"], "address": body["address"], "reservation_number": typed},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "eight digits" in response.json()["fields"]["reservation_number"]

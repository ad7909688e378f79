"""The OpenAPI file and the server are one contract: a field value the schema admits is one the
server takes, and the other way round. The schema's judgement comes from an independent
validator (jsonschema-rs); the server's from the API's own field readers."""

from functools import cache

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from city.phones import normalize_contact_phone
from orders import api
from orders.api import Fields
from orders.models import Order
from tests.orders.conftest import DURING, body_of, order_body
from tests.orders.test_docs import spec

PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@cache
def validator(component: str) -> jsonschema_rs.Draft4Validator:
    return jsonschema_rs.Draft4Validator(spec()["components"]["schemas"][component])


def schema_admits(component: str, value) -> bool:
    return validator(component).is_valid(value)


def server_admits(field: str, value) -> bool:
    fields = Fields({field: value})
    read = {"phone": fields.phone, "address": lambda: fields.text("address")}.get(field)
    if field == "reservation_number":
        fields.reservation_number()
    else:
        read()
    return not fields.errors


# Grouping, digits in both widths, prefixes and whatever else people paste into a phone field.
PHONE_ALPHABET = st.sampled_from(
    [*"0123456789+-() ", *"\uff10\uff11\uff18\uff16\u3000\uff08\uff09\u2013\u2212\t\n\x00٣a\uff0b"]
)


def test_the_openapi_phone_is_the_pattern_the_server_checks():
    assert spec()["components"]["schemas"]["Phone"]["pattern"] == api.PHONE_PATTERN
    number = spec()["components"]["schemas"]["ReservationNumber"]["oneOf"][0]
    assert number["pattern"] == api.RESERVATION_NUMBER_PATTERN


@pytest.mark.parametrize(
    ("field", "component", "value", "admitted"),
    [
        # What the probe found: the schema admitted these and the server refused them.
        ("phone", "Phone", "", False),
        ("phone", "Phone", "1" * 500, False),
        ("phone", "Phone", "13800138000\n", False),
        ("phone", "Phone", "138    0013 8000", False),  # four spaces: not grouping any more
        # ... and the server accepted null where the schema has no null.
        ("reservation_number", "ReservationNumber", None, False),
        # One input convention (issue 15): grouping and full-width digits are the same number.
        ("reservation_number", "ReservationNumber", " 12345678", True),
        ("reservation_number", "ReservationNumber", "１２３４５６７８", True),
        ("reservation_number", "ReservationNumber", "1234 5678", True),
        ("reservation_number", "ReservationNumber", "1234\n5678", False),
        ("reservation_number", "ReservationNumber", "0234 5678", False),
        ("reservation_number", "ReservationNumber", "12345678", True),
        ("reservation_number", "ReservationNumber", 12345678, True),
        ("address", "Address", "   ", False),
        ("address", "Address", "五四路\x01号", False),
        ("address", "Address", "五四路\U0002ebf0号", True),  # CJK Extension I: Unicode 15.1
        ("address", "Address", "五四路\ue000号", True),  # private use, as some rare hanzi are
    ],
)
def test_the_schema_and_the_server_agree_on_the_cases_that_disagreed(
    field, component, value, admitted
):
    assert schema_admits(component, value) is admitted
    assert server_admits(field, value) is admitted


@pytest.mark.parametrize(
    "written",
    [
        "13800138000",
        "+86 138-0013-8000",
        "１３８００１３８０００",
        "0591-87010100",
        "(0591) 8701 0100",
        "（0591）87010100",
        "+86 591 8701 0100",
        "010-12345678",
        "0086 138 0013 8000",
        "8613800138000",
    ],
)
def test_every_documented_spelling_of_a_phone_is_in_the_schema(written):
    assert schema_admits("Phone", written) and server_admits("phone", written)


@settings(PROPERTY, max_examples=80)  # generating from the long pattern is slow
@given(st.from_regex(api.PHONE_PATTERN, fullmatch=True))
def test_every_phone_the_pattern_generates_is_one_the_server_reads(written):
    normalize_contact_phone(written)  # raises if the server could not read it
    assert server_admits("phone", written)


@PROPERTY
@given(st.one_of(st.text(PHONE_ALPHABET, max_size=45), st.text(max_size=45)))
def test_the_schema_admits_a_phone_exactly_when_the_server_does(written):
    assert schema_admits("Phone", written) == server_admits("phone", written)


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(st.characters(codec="utf-8", max_codepoint=0x3000), max_size=30),
        st.text(st.sampled_from(list(" \t\n\x00\x1c\x85\u3000\ufeff路")), max_size=8),
        st.text(min_size=495, max_size=505),
    )
)
def test_the_schema_admits_an_address_exactly_when_the_server_does(address):
    assert schema_admits("Address", address) == server_admits("address", address)


@PROPERTY
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(9_999_990, 100_000_010),
        st.floats(),
        st.text(max_size=12),
        st.from_regex(r"[0-9]{8}", fullmatch=True),
        st.from_regex(api.RESERVATION_NUMBER_PATTERN, fullmatch=True),
        st.lists(st.integers(), max_size=2),
    )
)
def test_the_schema_admits_a_reservation_number_exactly_when_the_server_does(number):
    assert schema_admits("ReservationNumber", number) == server_admits("reservation_number", number)


# What schemathesis found against the live API before the fix, as plain regressions.


@pytest.mark.django_db
def test_an_order_with_a_null_reservation_number_is_refused_and_places_nothing(
    api, taijiang_winner, at_time
):
    at_time(DURING)
    response = api("orders", order_body(taijiang_winner, reservation_number=None))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"reservation_number"}
    assert not Order.objects.exists()
    assert api("orders", order_body(taijiang_winner)).status_code == 201  # left out: fine


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["", "1" * 500, "13800000021\n"])
def test_a_phone_the_schema_refuses_is_refused_with_the_field_named(api, partner, phone):
    response = api("verify", {"phone": phone, "address": "福州市"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["phone"]  # blank, or "a mobile number or a fixed line"


@pytest.mark.django_db
def test_an_address_with_a_character_newer_than_the_servers_unicode_is_read(
    api, taijiang_winner, at_time
):
    at_time(DURING)
    response = api("verify", body_of(taijiang_winner, address="福州市\U0002ebf0路1号"))
    assert response.status_code == 200
    assert response.json()["reason"] == "address_mismatch"

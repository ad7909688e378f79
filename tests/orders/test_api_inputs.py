"""No input makes the partner API answer 500: every malformed request gets a 4xx in JSON."""

import json
import random

import pytest

from orders.models import Order
from tests.orders.conftest import API, DURING, order_body, partner_post

pytestmark = pytest.mark.django_db

MALFORMED = [
    b" ",
    b"{",
    b"{'phone': '13800000021'}",
    b'{"phone": "13800000021",}',
    b"null",
    b"[]",
    b'["phone", "address"]',
    b'"a string"',
    b"42",
    b"NaN",
    b'{"quantity": NaN}',
    b'{"quantity": Infinity}',
    b'{"quantity": 1e999999}',
    b"\xff\xfe\x00junk",
    b'{"phone": "\xc3\x28"}',
]

WRONG_FIELDS = [
    {"phone": 13800000021},
    {"phone": None},
    {"phone": ["13800000021"]},
    {"phone": {"number": "13800000021"}},
    {"phone": True},
    {"phone": "1380000002"},
    {"phone": "138000000211"},
    {"phone": "٠١٣٨٠٠٠٠٠٠٢١"},  # Arabic-Indic digits are not phone digits
    {"phone": "13800000021", "address": 12},
    {"phone": "13800000021", "address": ""},
    {"phone": "13800000021", "address": "   "},
    {"phone": "13800000021", "address": "福州市\u0000台江区"},
    {"phone": "13800000021", "address": "福州市\ud800台江区"},
    {"phone": "13800000021", "address": "路" * 600},
    {"phone": "13800000021", "address": "a", "reservation_number": 12345},
    {"phone": "13800000021", "address": "a", "reservation_number": 10**40},
    {"phone": "13800000021", "address": "a", "reservation_number": -12345678},
    {"phone": "13800000021", "address": "a", "reservation_number": 12345678.0},
    {"phone": "13800000021", "address": "a", "reservation_number": "1234567X"},
    {"phone": "13800000021", "address": "a", "reservation_number": True},
    {"phone": "13800000021", "address": "a", "reservation_number": ["12345678"]},
]


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("endpoint", ["verify", "orders"])
def test_a_body_that_is_not_a_json_object_is_invalid(api, partner, body, endpoint):
    response = api(endpoint, body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "fields": {"body": response.json()["fields"]["body"]},
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"quantity": ' + b"9" * 4000 + b"}",
        b'{"quantity": ' + b"9" * 5000 + b"}",
        b"[" * 2000 + b"]" * 2000,
        b'{"a":' * 800 + b"1" + b"}" * 800,
        b'{"phone": "13800000021", "address": "\\ud800"}',
        "\ufeff{}".encode(),
    ],
)
def test_huge_numbers_deep_nesting_and_odd_encodings_are_refused(api, partner, body):
    for endpoint in ("verify", "orders"):
        response = api(endpoint, body)
        assert response.status_code in (400, 413)
        assert response.json()["error"] in ("invalid", "too_large")


@pytest.mark.parametrize("body", WRONG_FIELDS)
@pytest.mark.parametrize("endpoint", ["verify", "orders"])
def test_wrong_types_and_values_are_invalid_with_the_fields_named(api, partner, body, endpoint):
    response = api(endpoint, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid"
    assert answer["fields"]
    assert all(isinstance(message, str) and message for message in answer["fields"].values())


def test_every_missing_field_is_named(api, partner):
    answer = api("orders", {}).json()
    assert set(answer["fields"]) == {"partner_order_id", "phone", "address", "quantity"}
    assert set(api("verify", {}).json()["fields"]) == {"phone", "address"}


@pytest.mark.parametrize("order_id", ["", " ", "a b", "订单1", "x" * 65, "id\u0000"])
def test_a_partner_order_id_must_be_plain(api, taijiang_winner, at_time, order_id):
    at_time(DURING)
    response = api("orders", order_body(taijiang_winner, order_id))
    assert response.status_code == 400
    assert "partner_order_id" in response.json()["fields"]


def test_a_body_over_the_limit_is_too_large(api, partner, settings):
    settings.PARTNER_API_MAX_BODY_BYTES = 4096
    body = json.dumps({"phone": "13800000021", "address": "路" * 5000})
    response = api("verify", body)
    assert response.status_code == 413
    assert response.json() == {"error": "too_large"}
    huge = b'{"address": "' + b"a" * 2_000_000 + b'"}'
    assert api("orders", huge).status_code == 413


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_a_body_that_is_not_json_is_unsupported(api, partner, content_type):
    response = api("verify", '{"phone": "13800000021"}', content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {"error": "unsupported_media_type"}


def test_json_with_a_charset_is_json(api, partner):
    response = api(
        "verify",
        {"phone": "13800000021", "address": "x"},
        content_type=("application/json; charset=utf-8"),
    )
    assert response.status_code == 200


def test_a_partner_over_its_rate_is_told_when_to_come_back(api, partner, settings):
    settings.PARTNER_API_RATE_PER_SECOND = 2
    statuses = [api("verify", {"phone": "13800000021", "address": "x"}) for _ in range(10)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited
    assert limited[0]["Retry-After"] == "1"
    assert limited[0].json() == {"error": "rate_limited"}


def test_the_rate_is_each_partners_own(api, partner, settings):
    from orders.services import partner_create

    settings.PARTNER_API_RATE_PER_SECOND = 2
    _other, other_token = partner_create(name="另一家超市")
    for _ in range(10):
        api("verify", {"phone": "13800000021", "address": "x"})
    assert api(
        "verify", {"phone": "13800000021", "address": "x"}, token=other_token
    ).status_code in (200,)


def test_only_post_is_allowed(client, partner):
    _record, token = partner
    response = client.get(API + "verify", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_unknown_paths_under_the_api_answer_json(api, partner):
    response = api("nothing-here", {})
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


def test_no_csrf_token_or_session_is_needed(partner, taijiang_winner, at_time):
    from django.test import Client

    _record, token = partner
    at_time(DURING)
    client = Client(enforce_csrf_checks=True)
    body = {"phone": taijiang_winner.phone, "address": taijiang_winner.address}
    response = partner_post(client, token, "verify", body)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_random_junk_never_gives_a_server_error(api, taijiang_winner, at_time):
    """A few hundred bodies built from junk values in every field."""
    at_time(DURING)
    junk = [
        None,
        True,
        False,
        0,
        1,
        -1,
        2**63,
        10**30,
        1.5,
        -0.0,
        "",
        " ",
        "\u3000",
        "null",
        "13800000021",
        "+8613800000021",
        "0591-87010100",
        taijiang_winner.address,
        taijiang_winner.number_display,
        "\U0001f637" * 50,
        "\u202e\u200b",
        "ｐｈｏｎｅ",
        "' OR 1=1 --",
        "%s%s%s",
        "\\x00",
        [],
        {},
        [1, 2],
        {"a": "b"},
    ]
    names = ["phone", "address", "reservation_number", "quantity", "partner_order_id"]
    rng = random.Random(6)
    for _ in range(150):
        body = {name: rng.choice(junk) for name in names if rng.random() < 0.8}
        for endpoint in ("verify", "orders"):
            response = api(endpoint, body)
            assert response.status_code < 500, (endpoint, body, response.content)
            assert response["Content-Type"] == "application/json"
    assert Order.objects.count() <= 1


@pytest.mark.django_db(transaction=True)
def test_over_real_http_a_chunked_body_is_411_and_an_unknown_path_is_json_404(live_server, partner):
    import requests

    _record, token = partner
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    chunked = requests.post(
        f"{live_server.url}/api/partner/v1/verify",
        data=(part for part in [b'{"phone": ', b'"13800000021"}']),  # no length: chunked
        headers=headers,
        timeout=10,
    )
    unknown = requests.post(
        f"{live_server.url}/api/partner/v1/nothing", data=b"{}", headers=headers, timeout=10
    )

    assert (chunked.status_code, chunked.json()) == (411, {"error": "length_required"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "not_found"})

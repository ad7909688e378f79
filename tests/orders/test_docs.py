"""The partner API's OpenAPI file parses and matches what the code answers."""

import json
from pathlib import Path

from django.urls import resolve

from orders.selectors import Reason

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "partner-api.openapi.json"


def spec() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def test_the_openapi_file_parses_and_lists_the_three_paths():
    document = spec()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/verify", "/orders", "/orders/{order_id}/status"}
    base = document["servers"][0]["url"]
    for path in document["paths"]:
        resolve(base + path.replace("{order_id}", "1"))  # each is a real route


def test_the_openapi_reasons_are_the_codes_in_their_order():
    reasons = spec()["components"]["schemas"]["Reason"]["enum"]
    assert reasons == [reason.value for reason in Reason]

"""Per-number proofs (DOMAIN "Per-number proofs"): the certificate's Merkle root and cut-off,
and `/draws/<id>/proof` answering for one number."""

import pytest
from django.urls import reverse

from lottery import verify
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

ROOT = "3c47fa7c38829871a8542678862e6542a17c62f09e5bbaa8b30f22fdea31a8e2"
PATH_23456789 = [
    "2e2599c42c81d4e3317efbcc69eddd15b6f98031acb36f7babd8bc24c6a53f9a",
    "5e5ed585c8ecfc445f933e4461b6064e8496fd63a2f160ebaefb7f59521f41b8",
    "4a141bb912db3639a73d6de572b6a8b7281eab8df729d5a1cdd794390aca6ee5",
]
CUTOFF_RANK = "4ad47e7c630c2d0e3fa7dc98e59ce1b759c9ab63fee12154acb72b2c019f9e7f"


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)


def proof(client, draw_id, number):
    return client.get(reverse("proof", args=[draw_id]), {"number": number})


def test_the_certificate_carries_the_domain_vectors_root_and_cut_off(client, drawn):
    data = client.get(reverse("certificate", args=[drawn.pk])).json()
    assert data["pool_merkle_root"] == ROOT
    assert data["cutoff_rank"] == CUTOFF_RANK and data["cutoff_number"] == 10000001


def test_a_draw_nobody_won_has_a_root_and_no_cut_off(client, draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    drawn = ceremony(draw, quota=0)
    data = client.get(reverse("certificate", args=[drawn.pk])).json()
    assert data["pool_merkle_root"] == ROOT
    assert data["cutoff_rank"] is None and data["cutoff_number"] is None


def test_an_empty_pool_has_the_root_of_nothing(client, draw):
    drawn = ceremony(draw, quota=5)
    data = client.get(reverse("certificate", args=[drawn.pk])).json()
    assert data["pool_merkle_root"] == verify.EMPTY_ROOT.hex()
    assert data["cutoff_number"] is None


def test_the_proof_of_a_winner_is_the_domain_vectors_audit_path(client, drawn):
    response = proof(client, drawn.pk, "23456789")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "number": "23456789",
        "in_pool": True,
        "index": 1,
        "pool_size": 6,
        "audit_path": PATH_23456789,
        "root": ROOT,
        "rank": "397e8a77beb29996ae982097efa886c5c862cd26b060ce122b7bc4a4dc8dd7a5",
        "won": True,
    }


@pytest.mark.parametrize(
    ("number", "won"),
    [(10000001, True), (23456789, True), (31415926, False), (99999999, False)],
)
def test_every_proof_leads_to_the_root_and_says_who_won(client, drawn, number, won):
    data = proof(client, drawn.pk, f"{number:08d}").json()
    assert data["won"] is won and data["root"] == ROOT
    assert verify.verify_audit_path(
        verify.leaf_hash(number),
        data["index"],
        data["pool_size"],
        [bytes.fromhex(h) for h in data["audit_path"]],
        bytes.fromhex(ROOT),
    )


def test_a_number_not_in_the_pool_is_answered_as_such(client, drawn):
    response = proof(client, drawn.pk, "12345678")
    assert response.status_code == 200
    assert response.json() == {"number": "12345678", "in_pool": False}


def test_a_number_typed_with_a_gap_or_full_width_digits_is_the_same_number(client, drawn):
    assert proof(client, drawn.pk, "2345 6789").json()["index"] == 1
    assert proof(client, drawn.pk, "２３４５６７８９").json()["index"] == 1


@pytest.mark.parametrize("number", ["", "1234567", "123456789", "abcdefgh", "1234567８x"])
def test_anything_but_eight_digits_is_400(client, drawn, number):
    response = proof(client, drawn.pk, number)
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_a_draw_not_yet_drawn_or_unknown_is_404(client, draw):
    assert proof(client, draw.pk, "23456789").status_code == 404
    assert proof(client, draw.pk + 1000, "23456789").status_code == 404


def test_the_certificate_is_served_as_the_bytes_its_digest_is_taken_over(client, drawn):
    from lottery.selectors import certificate_json

    response = client.get(reverse("certificate", args=[drawn.pk]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == certificate_json(draw=drawn) and response.content.endswith(b"}\n")

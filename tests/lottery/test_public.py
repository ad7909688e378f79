"""The public side of a draw: no sign-in, numbers only."""

import json
import subprocess
import sys

import pytest
from django.urls import reverse

from lottery.models import DrawStatus
from tests.lottery.helpers import (
    COMMITMENT,
    POOL,
    POOL_DIGEST,
    SECRET,
    WINNERS,
    ceremony,
    seed_pool,
)
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)


def test_the_certificate_of_a_drawn_draw(client, drawn):
    response = client.get(reverse("certificate", args=[drawn.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == drawn.pk and data["algorithm"] == 1 and data["status"] == "drawn"
    assert data["commitment"] == COMMITMENT and data["secret"] == SECRET
    assert data["public_value"] == "3 5 2 6 1 4"
    assert data["pool_size"] == 6 and data["quota"] == 2 and data["winners_count"] == 2
    assert data["pool_digest"] == (POOL_DIGEST)
    assert data["scheduled_at"] == "2020-02-19T10:00:00+08:00"
    assert data["pool_cutoff"] == "2020-02-18T21:00:00+08:00"
    assert data["signed_off_at"] is None


def test_the_files_are_plain_text_and_hold_numbers_only(client, drawn):
    pool = client.get(reverse("pool_file", args=[drawn.pk]))
    winners = client.get(reverse("winners_file", args=[drawn.pk]))
    assert pool["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(pool.streaming_content) == b"".join(b"%08d\n" % n for n in POOL)
    assert b"".join(winners.streaming_content) == WINNERS


def test_the_downloaded_verifier_accepts_the_published_draw_and_rejects_a_changed_one(
    client, drawn, tmp_path
):
    (tmp_path / "verify.py").write_bytes(
        b"".join(client.get(reverse("verifier")).streaming_content)
    )
    (tmp_path / "certificate.json").write_bytes(
        client.get(reverse("certificate", args=[drawn.pk])).content
    )
    (tmp_path / "pool.txt").write_bytes(
        b"".join(client.get(reverse("pool_file", args=[drawn.pk])).streaming_content)
    )
    (tmp_path / "winners.txt").write_bytes(
        b"".join(client.get(reverse("winners_file", args=[drawn.pk])).streaming_content)
    )
    run = [sys.executable, "-I", "verify.py", "certificate.json", "pool.txt", "winners.txt"]
    assert subprocess.run(run, cwd=tmp_path, capture_output=True).returncode == 0
    (tmp_path / "winners.txt").write_bytes(b"10000001\n31415926\n")
    changed = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert changed.returncode == 1 and "winners differ" in changed.stdout


def test_files_do_not_exist_before_their_step(client, draw):
    assert client.get(reverse("pool_file", args=[draw.pk])).status_code == 404
    assert client.get(reverse("winners_file", args=[draw.pk])).status_code == 404
    data = client.get(reverse("certificate", args=[draw.pk])).json()
    assert data["status"] == DrawStatus.SCHEDULED
    assert data["secret"] is None and data["winners_digest"] is None


def test_an_unknown_draw_is_404(client, db):
    assert client.get("/draws/999999/certificate.json").status_code == 404
    assert client.get("/draws/999999/").status_code == 404


def test_the_calendar_and_the_certificate_page_in_both_languages(client, drawn):
    for language, text in (("zh-hans", "公证"), ("en", "Check it yourself")):
        page = client.get(reverse("draw", args=[drawn.pk]), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and text in page.content.decode()
    calendar = client.get(reverse("draws"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"#{drawn.pk}" in calendar


@pytest.mark.parametrize(
    ("number", "status", "has_draw"),
    [("10000001", "won", True), ("31415926", "waiting", False), ("12121212", "unknown", False)],
)
def test_did_number_x_win_as_json(client, drawn, number, status, has_draw):
    response = client.get(reverse("results"), {"number": number}, HTTP_ACCEPT="application/json")
    data = response.json()
    assert data["number"] == number and data["status"] == status
    assert (data["draw"] == drawn.pk) if has_draw else data["draw"] is None
    assert set(data) == {"number", "status", "draw"}  # nothing personal


# Full-width digits, spaces and dashes are the one input convention's (issue 15): the same
# number (tests/portal/test_input_convention.py). Other scripts' digits are not.
@pytest.mark.parametrize(
    "number", ["1234567", "123456789", "abcdefgh", "", "١٢٣٤٥٦٧٨", "1234\n5678"]
)
def test_anything_but_eight_digits_is_400(client, db, number):
    json_answer = client.get(reverse("results"), {"number": number}, HTTP_ACCEPT="application/json")
    assert json_answer.status_code == 400
    assert client.get(reverse("results"), {"number": number}).status_code == 400


def test_the_results_page_answers_a_person(client, drawn):
    body = client.get(reverse("results"), {"number": "10000001"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "10000001 won." in body.content.decode()
    assert client.get(reverse("results")).status_code == 200
    assert json.loads(client.get(reverse("certificate", args=[drawn.pk])).content)

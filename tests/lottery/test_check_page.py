"""`/draws/<id>/check` without JavaScript: the server's answer for one number, the offline
command and the files to run it on, in both languages (issue 16). The browser's own check is
tests/e2e/test_check_page.py."""

import hashlib
import html
import json
import re

import pytest
from django.urls import reverse

from lottery.selectors import certificate_json
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

EN, ZH = "en", "zh-hans"
RANK_23456789 = "397e8a77beb29996ae982097efa886c5c862cd26b060ce122b7bc4a4dc8dd7a5"
RANK_50000000 = "5b259efe5d121ab29b46132a3c75eb3b2b087064eb4357cb56096af1d743238e"


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)


def page(client, draw_id, language=EN, **query):
    response = client.get(reverse("check", args=[draw_id]), query, HTTP_ACCEPT_LANGUAGE=language)
    return response, html.unescape(response.content.decode())


def text(body: str) -> str:
    """The page's words, tags gone and white space single."""
    return " ".join(re.sub(r"<[^>]+>", " ", body.split("<main", 1)[1]).split())


def test_a_winner_is_answered_in_the_pool_at_its_index_and_won(client, drawn):
    response, body = page(client, drawn.pk, number="23456789")
    assert response.status_code == 200
    words = text(body)
    assert "23456789 is in the pool: index 1 (counting from 0) of 6 numbers." in words
    assert "23456789 won by the published rule." in words
    assert RANK_23456789 in words
    assert "python3 verify.py --number 23456789 certificate.json pool.txt winners.txt" in words


def test_a_loser_is_answered_in_the_pool_and_did_not_win(client, drawn):
    _response, body = page(client, drawn.pk, number="5000 0000")
    words = text(body)
    assert "50000000 is in the pool: index 3 (counting from 0) of 6 numbers." in words
    assert "50000000 did not win by the published rule." in words and RANK_50000000 in words
    assert "50000000 won" not in words


def test_a_number_not_in_the_pool_is_answered_as_such(client, drawn):
    response, body = page(client, drawn.pk, number="１２３４５６７８")
    assert response.status_code == 200
    assert "12345678 is not in this draw's pool of 6 numbers." in text(body)


def test_the_page_links_the_three_files_and_the_verifier_and_says_what_it_proves(client, drawn):
    _response, body = page(client, drawn.pk)
    for name in ("certificate", "pool_file", "winners_file"):
        assert f'href="{reverse(name, args=[drawn.pk])}"' in body
    assert f'href="{reverse("verifier")}"' in body
    words = text(body)
    assert "It does not prove that the cut-off is right" in words
    assert "python3 verify.py certificate.json pool.txt winners.txt" in words


def test_the_page_shows_the_sha256_of_the_certificate_bytes_served(client, drawn):
    served = client.get(reverse("certificate", args=[drawn.pk])).content
    assert served == certificate_json(draw=drawn)
    _response, body = page(client, drawn.pk)
    digest = hashlib.sha256(served).hexdigest()
    assert f'<code id="certificate-sha256">{digest}</code>' in body
    assert f'data-certificate-sha256="{digest}"' in body


def test_the_script_is_a_static_file_and_its_texts_are_json_in_the_reader_language(client, drawn):
    _response, body = page(client, drawn.pk, ZH)
    assert re.search(r'<script src="/static/js/check\.js[^"]*" defer></script>', body)
    assert '<script id="check-texts" type="application/json">' in body
    assert "onclick" not in body and "style=" not in body
    texts = json.loads(body.split('id="check-texts" type="application/json">', 1)[1].split("<")[0])
    assert texts["failed"] == "核验失败：服务器发来的内容对不上。"


def test_the_answer_reads_in_chinese(client, drawn):
    _response, body = page(client, drawn.pk, ZH, number="23456789")
    words = text(body)
    assert "23456789 在摇号池中：6 个号码中的序号 1（从 0 起）。" in words
    assert "23456789 按公布的规则中签。" in words
    _response, body = page(client, drawn.pk, ZH, number="50000000")
    assert "50000000 按公布的规则未中签。" in text(body)
    _response, body = page(client, drawn.pk, ZH, number="12345678")
    assert "12345678 不在本次摇号池的 6 个号码中。" in text(body)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (EN, "A reservation number has exactly 8 digits."),
        (ZH, "预约号为8位数字，请核对后重新输入。"),
    ],
)
@pytest.mark.parametrize("number", ["", "1234567", "abcdefgh", "123456789"])
def test_anything_but_eight_digits_is_a_400_page_saying_so(
    client, drawn, number, language, message
):
    response, body = page(client, drawn.pk, language, number=number)
    assert response.status_code == 400
    assert re.search(r'<p id="number-error" class="card error" role="alert">', body)
    assert message in body
    assert 'id="server-answer"' not in body


@pytest.mark.parametrize(
    ("language", "says"), [(EN, "has not been drawn yet"), (ZH, "本场尚未摇号")]
)
def test_a_draw_not_yet_drawn_says_it_can_be_checked_after_the_draw(client, draw, language, says):
    for query in ({}, {"number": "23456789"}, {"number": "x"}):
        response, body = page(client, draw.pk, language, **query)
        assert response.status_code == 200 and says in body
        assert 'id="check-form"' not in body


def test_an_unknown_draw_is_404(client, drawn):
    response, _body = page(client, drawn.pk + 1000, number="23456789")
    assert response.status_code == 404


def test_the_draw_page_and_the_results_answer_link_to_the_check(client, drawn):
    check = reverse("check", args=[drawn.pk])
    draw_page = client.get(reverse("draw", args=[drawn.pk]), HTTP_ACCEPT_LANGUAGE=EN)
    assert f'href="{check}"' in draw_page.content.decode()
    won = client.get(reverse("results"), {"number": "23456789"}, HTTP_ACCEPT_LANGUAGE=EN)
    assert f'href="{check}?number=23456789"' in won.content.decode()
    lost = client.get(reverse("results"), {"number": "50000000"}, HTTP_ACCEPT_LANGUAGE=EN)
    assert f'href="{check}?number=50000000"' in lost.content.decode()


def test_a_draw_not_yet_drawn_has_no_check_link_on_its_page(client, draw):
    draw_page = client.get(reverse("draw", args=[draw.pk]), HTTP_ACCEPT_LANGUAGE=EN)
    assert reverse("check", args=[draw.pk]) not in draw_page.content.decode()


def test_a_sealed_draws_page_hashes_the_sealed_bytes_and_shows_the_ledger_head(
    client, drawn, notary
):
    from lottery import selectors, services

    services.draw_sign_off(
        draw=drawn,
        notary=notary,
        now=at(2020, 2, 19, 10, 30),
        statement="经现场监督，摇号过程公开、公平、公正。",
        certificate_number="(2020)闽榕证字第118号",
    )
    served = client.get(reverse("certificate", args=[drawn.pk])).content
    head = selectors.ledger_head()
    assert head["certificate_sha256"] == hashlib.sha256(served).hexdigest()
    response, body = page(client, drawn.pk)
    assert response.status_code == 200
    words = text(body)
    assert "Ledger head" in words
    # The page's fingerprint is the served bytes', and it is the ledger head's.
    assert words.count(head["certificate_sha256"]) >= 2

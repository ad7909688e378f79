"""`/draws/<id>/check` in a real browser (Debian's chromium driven by Playwright): the page's
own WebCrypto check of one number agrees with the server's proof and with the standalone
verifier (`lottery.verify.check_number`) for a winner, a loser and a number not in the pool of
DOMAIN.md's six-number vector, and fails loudly when the proof it receives is altered on the way
(the response rewritten in the browser: one audit-path hash, the rank, the outcome)."""

import datetime
import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse

from lottery import services, verify
from tests.e2e.test_content_security_policy import WATCH
from tests.e2e.test_resident_journey import phone_browser, shot
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at, campaign  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

WINNER, LOSER, OUTSIDER = "23456789", "50000000", "12345678"
SHOWN = ":not([data-verdict=checking])[data-verdict]"  # a verdict, not the wait
DONE = "#browser-check" + SHOWN


@pytest.fixture
def drawn(campaign):  # noqa: F811 - the fixture, imported above
    """DOMAIN.md's vector drawn with quota 2, and what the server and the verifier say of it,
    read before the browser starts (no database access while Playwright runs)."""
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10, 0), pool_cutoff=at(2020, 2, 18, 21, 0), actor=None
    )
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = ceremony(draw, quota=2)
    client = Client()
    files = {
        name: client.get(reverse(name, args=[draw.pk])).getvalue()
        for name in ("certificate", "pool_file", "winners_file")
    }
    proofs = {
        number: client.get(reverse("proof", args=[draw.pk]), {"number": number}).json()
        for number in (WINNER, LOSER, OUTSIDER)
    }
    return {"id": draw.pk, "files": files, "proofs": proofs}


def verifier_says(drawn, number: str) -> tuple[list[str], list[str]]:
    files = drawn["files"]
    certificate = json.loads(files["certificate"])
    return verify.check_number(int(number), certificate, files["pool_file"], files["winners_file"])


def browser_check(context, url: str, *, typed: str | None = None, name: str = "") -> dict:
    """Open the check page; type `typed` and submit (or let a `?number=` page check itself);
    returns what the page's own check shows."""
    page = context.new_page()
    page.add_init_script(WATCH)  # the site's CSP is enforced: the script runs as a static file
    page.goto(url)
    if typed is not None:
        page.fill("input[name=number]", typed)
        page.click("#check-form button[type=submit]")
    page.wait_for_selector(DONE, timeout=10_000)
    shot(page, f"check-{name}")
    box = page.locator("#browser-check")
    seen = page.evaluate(
        """() => {
          const box = document.getElementById("browser-check");
          const root = document.documentElement;
          return {
            data: { ...box.dataset },
            role: box.getAttribute("role"),
            problems: [...box.querySelectorAll("li")].map((li) => li.textContent),
            sideways: root.scrollWidth > root.clientWidth,
            csp: window.__cspViolations,
            url: location.pathname + location.search,
          };
        }"""
    )
    seen["text"] = box.inner_text()
    page.close()
    return seen


def test_the_browser_check_agrees_with_the_server_and_the_verifier(live_server, drawn):
    site, draw_id = live_server.url, drawn["id"]
    url = f"{site}/draws/{draw_id}/check"
    with phone_browser("en-US") as context:
        winner = browser_check(context, url, typed="2345 6789", name="winner")
        loser = browser_check(context, f"{url}?number={LOSER}", name="loser")
        outsider = browser_check(context, url, typed="１２３４５６７８", name="outsider")

    certificate_sha256 = hashlib.sha256(drawn["files"]["certificate"]).hexdigest()
    for number, seen, verdict in [(WINNER, winner, "won"), (LOSER, loser, "lost")]:
        server = drawn["proofs"][number]
        report, problems = verifier_says(drawn, number)
        assert problems == []
        assert seen["data"]["verdict"] == verdict, seen["text"]
        assert seen["data"]["number"] == number and seen["role"] is None
        # The browser's rank is the server's and the verifier's; its root is the certificate's.
        assert seen["data"]["rank"] == server["rank"]
        assert f"rank {seen['data']['rank']}" in report
        assert (
            seen["data"]["root"]
            == server["root"]
            == json.loads(drawn["files"]["certificate"])["pool_merkle_root"]
        )
        assert int(seen["data"]["index"]) == server["index"]
        assert f"{number} is in the pool: index {server['index']} of 6" in report
        said = f"{number} {'WON' if verdict == 'won' else 'did not win'} by the published rule"
        assert said in report and server["won"] is (verdict == "won")
        assert seen["data"]["certificateSha256"] == certificate_sha256
        assert not seen["sideways"]
        assert seen["csp"] == []
    assert "Your number 23456789 was one of 6 numbers in the pool, and won" in winner["text"]
    assert (
        "Your number 50000000 was one of 6 numbers in the pool, and did not win" in (loser["text"])
    )
    # Typed with a gap, checked as the number, and the address says which.
    assert winner["url"] == f"/draws/{draw_id}/check?number={WINNER}"

    report, problems = verifier_says(drawn, OUTSIDER)
    assert problems == [] and f"{OUTSIDER} is not in the pool of 6" in report
    assert drawn["proofs"][OUTSIDER] == {"number": OUTSIDER, "in_pool": False}
    assert outsider["data"]["verdict"] == "not-in-pool" and "rank" not in outsider["data"]
    assert "The server says 12345678 is not in this draw's pool." in outsider["text"]


def test_the_browser_check_reads_in_chinese(live_server, drawn):
    with phone_browser("zh-CN") as context:
        seen = browser_check(
            context, f"{live_server.url}/draws/{drawn['id']}/check?number={WINNER}", name="zh"
        )
    assert seen["data"]["verdict"] == "won"
    assert "您的号码 23456789 是摇号池 6 个号码之一，按公布的规则中签。" in seen["text"]


def _altered(change):
    """A route handler passing the real proof on with `change` applied to its JSON."""

    def handle(route):
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    return handle


def _flip_one_hex_digit(text: str, at: int = 10) -> str:
    return text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1 :]


def _alter_path(body):
    body["audit_path"][1] = _flip_one_hex_digit(body["audit_path"][1])


def _alter_rank(body):
    body["rank"] = _flip_one_hex_digit(body["rank"])


def _alter_won(body):
    body["won"] = not body["won"]


@pytest.mark.parametrize(
    ("alter", "number", "says"),
    [
        (_alter_path, WINNER, "The audit path does not lead to the certificate's Merkle root"),
        (_alter_path, LOSER, "The audit path does not lead to the certificate's Merkle root"),
        (_alter_rank, WINNER, "The server's rank differs from the rank computed here."),
        (_alter_won, WINNER, "The server's outcome differs from the published rule."),
        (_alter_won, LOSER, "The server's outcome differs from the published rule."),
    ],
    ids=["path-winner", "path-loser", "rank", "won-winner", "won-loser"],
)
def test_an_altered_proof_fails_loudly(live_server, drawn, alter, number, says):
    url = f"{live_server.url}/draws/{drawn['id']}/check"
    with phone_browser("en-US") as context:
        context.route("**/proof?number=*", _altered(alter))
        seen = browser_check(context, url, typed=number, name=f"altered-{alter.__name__}")
    assert seen["data"]["verdict"] == "failed", seen["text"]
    assert seen["role"] == "alert"
    assert (
        "The check FAILED" in seen["text"] and "Do not rely on the server's answer" in seen["text"]
    )
    assert any(problem.startswith(says) for problem in seen["problems"]), seen["problems"]
    # Nothing else went wrong: only the altered part is reported.
    assert len(seen["problems"]) == 1, seen["problems"]
    assert "was one of 6 numbers in the pool" not in seen["text"]


def test_without_webcrypto_the_page_gives_no_verdict(live_server, drawn):
    """An insecure context has no `crypto.subtle`; here it is removed before the page loads."""
    url = f"{live_server.url}/draws/{drawn['id']}/check?number={WINNER}"
    with phone_browser("en-US") as context:
        context.add_init_script(
            "Object.defineProperty(window.crypto, 'subtle', { value: undefined });"
        )
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#browser-check[data-verdict]")
        verdict = page.get_attribute("#browser-check", "data-verdict")
        text = page.inner_text("#browser-check")
        server = page.inner_text("#server-answer")
    assert verdict == "no-crypto"
    assert "This browser cannot check here" in text and "won" not in text
    assert "23456789 won by the published rule." in server


@pytest.fixture
def thirteen(campaign):  # noqa: F811 - the fixture, imported above
    """A pool of 13 (not a power of two: carried nodes on three levels), quota 5, and the
    verifier's outcome for each number."""
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10, 0), pool_cutoff=at(2020, 2, 18, 21, 0), actor=None
    )
    pool = [10000000 + 6543210 * i for i in range(13)]
    seed_pool(pool, made=at(2020, 2, 18, 11))
    draw = ceremony(draw, quota=5)
    client = Client()
    certificate = json.loads(client.get(reverse("certificate", args=[draw.pk])).getvalue())
    pool_data = client.get(reverse("pool_file", args=[draw.pk])).getvalue()
    outcomes = {}
    for number in pool:
        report, problems = verify.check_number(number, certificate, pool_data)
        assert problems == []
        outcomes[f"{number:08d}"] = f"{number:08d} WON by the published rule" in report
    assert sum(outcomes.values()) == 5
    return {"id": draw.pk, "outcomes": outcomes}


TYPED = [
    lambda n: n,
    lambda n: f"{n[:4]} {n[4:]}",
    lambda n: f"{n[:4]}-{n[4:]}",
    lambda n: "".join(chr(ord(c) + 0xFEE0) for c in n),  # full-width digits
    lambda n: f"{n[:4]}\u3000{n[4:]}",  # the ideographic space
]


def test_every_number_of_a_pool_of_13_is_checked_as_the_verifier_decides(live_server, thirteen):
    """Every index of a tree with carried nodes, typed each way the site accepts, on one page
    (the form re-checks without reloading)."""
    url = f"{live_server.url}/draws/{thirteen['id']}/check"
    seen = {}
    with phone_browser("en-US") as context:
        page = context.new_page()
        page.goto(url)
        for i, number in enumerate(thirteen["outcomes"]):
            page.fill("input[name=number]", TYPED[i % len(TYPED)](number))
            page.click("#check-form button[type=submit]")
            page.wait_for_selector(f'#browser-check[data-number="{number}"]{SHOWN}')
            seen[number] = page.get_attribute("#browser-check", "data-verdict")
        # Then a number not in the pool: nothing of the number before is left in the box.
        page.fill("input[name=number]", OUTSIDER)
        page.click("#check-form button[type=submit]")
        page.wait_for_selector(f'#browser-check[data-number="{OUTSIDER}"]{SHOWN}')
        outsider = page.evaluate("() => ({ ...document.getElementById('browser-check').dataset })")
    expected = {n: "won" if won else "lost" for n, won in thirteen["outcomes"].items()}
    assert seen == expected
    assert outsider["verdict"] == "not-in-pool"
    assert "rank" not in outsider and "index" not in outsider and "root" not in outsider

"""`python verify.py --ledger ledger.json certificates...`: the downloaded ledger checked against
downloaded certificates, every digest and every link; the first break reported."""

import hashlib
import json
import subprocess
import sys

import pytest
from django.urls import reverse

from lottery.models import SealedCertificate
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.lottery.test_sealing import drawn_on, sign_off
from tests.reservations.conftest import at


@pytest.fixture
def three_sealed(draw, notary):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draws = [ceremony(draw, quota=2), drawn_on(2), drawn_on(4)]
    for each in draws:
        sign_off(each, notary)
    return draws


@pytest.fixture
def downloaded(client, tmp_path, three_sealed):
    """The verifier, the ledger and each certificate, as anyone downloads them."""
    (tmp_path / "verify.py").write_bytes(
        b"".join(client.get(reverse("verifier")).streaming_content)
    )
    (tmp_path / "ledger.json").write_bytes(client.get(reverse("ledger")).content)
    folder = tmp_path / "certificates"
    folder.mkdir()
    for draw in three_sealed:
        content = client.get(reverse("certificate", args=[draw.pk])).content
        (folder / f"certificate-{draw.pk}.json").write_bytes(content)
    return tmp_path


def verify(tmp_path, *args: str) -> subprocess.CompletedProcess:
    run = [sys.executable, "-I", "verify.py", "--ledger", "ledger.json", *args]
    return subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)


def certificates(tmp_path) -> list[str]:
    return sorted(str(path) for path in (tmp_path / "certificates").iterdir())


def ledger_rows(tmp_path) -> list[dict]:
    return json.loads((tmp_path / "ledger.json").read_text())


def write_ledger(tmp_path, rows: list[dict]) -> None:
    (tmp_path / "ledger.json").write_text(json.dumps(rows))


def test_a_whole_ledger_and_its_certificates_pass_with_a_summary(downloaded):
    head = SealedCertificate.objects.order_by("-id").first().certificate_sha256
    for args in (certificates(downloaded), ["certificates"]):  # the files, or their folder
        done = verify(downloaded, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ledger: OK" in done.stdout and "3 sealed certificates" in done.stdout
        assert head in done.stdout and "3 certificates match their rows" in done.stdout


def test_the_ledger_alone_checks_its_links_and_says_what_it_did_not_check(downloaded):
    done = verify(downloaded)
    assert done.returncode == 0
    assert "0 certificates match their rows (3 rows without a certificate given)" in done.stdout


def test_an_altered_byte_of_a_certificate_is_found(downloaded, three_sealed):
    path = downloaded / "certificates" / f"certificate-{three_sealed[1].pk}.json"
    content = bytearray(path.read_bytes())
    content[content.index(b'"quota": 1') + len(b'"quota": ')] = ord("9")
    path.write_bytes(bytes(content))
    done = verify(downloaded, "certificates")
    assert done.returncode == 1 and "ledger: BROKEN" in done.stdout
    assert f"first break: row 2 (draw {three_sealed[1].pk}): the certificate's SHA-256" in (
        done.stdout
    )


def test_a_missing_row_is_found_at_the_link_it_breaks(downloaded, three_sealed):
    rows = ledger_rows(downloaded)
    write_ledger(downloaded, [rows[0], rows[2]])
    done = verify(downloaded, "certificates")
    assert done.returncode == 1
    assert f"first break: row 2 (draw {three_sealed[2].pk}): broken link" in done.stdout
    # Without the certificates too: the links alone show it.
    assert "broken link" in verify(downloaded).stdout


def test_a_certificate_with_no_row_is_a_break(downloaded, three_sealed):
    rows = ledger_rows(downloaded)
    write_ledger(downloaded, rows[:2])
    done = verify(downloaded, "certificates")
    assert done.returncode == 1
    assert f"draw {three_sealed[2].pk}: its certificate has no row in the ledger" in done.stdout


def test_a_swapped_order_is_found_at_the_first_row_out_of_place(downloaded, three_sealed):
    rows = ledger_rows(downloaded)
    write_ledger(downloaded, [rows[1], rows[0], rows[2]])
    done = verify(downloaded, "certificates")
    assert done.returncode == 1
    assert f"first break: row 1 (draw {three_sealed[1].pk}): broken link" in done.stdout
    assert "null (the first certificate)" in done.stdout


def test_a_broken_link_is_found_and_only_the_first_break_reported(downloaded, three_sealed):
    rows = ledger_rows(downloaded)
    rows[1]["previous_certificate_sha256"] = "f" * 64
    rows[2]["certificate_sha256"] = "e" * 64
    write_ledger(downloaded, rows)
    done = verify(downloaded, "certificates")
    assert done.returncode == 1
    assert done.stdout.count("first break") == 1
    assert (
        f"row 2 (draw {three_sealed[1].pk}): broken link: previous_certificate_sha256 is "
        + ("f" * 64)
        in done.stdout
    )


def test_a_certificate_whose_own_link_differs_from_its_row_is_found(downloaded, three_sealed):
    # A ledger rewritten consistently around a certificate (digest recomputed) still differs
    # from what the certificate itself says came before it.
    rows = ledger_rows(downloaded)
    path = downloaded / "certificates" / f"certificate-{three_sealed[0].pk}.json"
    certificate = json.loads(path.read_bytes())
    certificate["previous_certificate_sha256"] = "d" * 64
    content = (json.dumps(certificate, ensure_ascii=False, indent=2) + "\n").encode()
    path.write_bytes(content)
    rows[0]["certificate_sha256"] = hashlib.sha256(content).hexdigest()
    rows[1]["previous_certificate_sha256"] = rows[0]["certificate_sha256"]
    write_ledger(downloaded, rows)
    done = verify(downloaded, str(path))
    assert done.returncode == 1
    assert f"row 1 (draw {three_sealed[0].pk}): the certificate says the one before it" in (
        done.stdout
    )


def test_sealing_times_that_go_back_are_found(downloaded, three_sealed):
    rows = ledger_rows(downloaded)
    rows[2]["sealed_at"] = "2020-01-01T00:00:00+08:00"
    write_ledger(downloaded, rows)
    done = verify(downloaded)
    assert done.returncode == 1 and "row 3" in done.stdout and "out of order" in done.stdout


def test_unreadable_files_exit_2_and_the_other_modes_still_answer(downloaded):
    assert verify(downloaded, "nothing-here.json").returncode == 2
    usage = subprocess.run(
        [sys.executable, "-I", "verify.py"], cwd=downloaded, capture_output=True, text=True
    )
    assert usage.returncode == 2 and "--ledger ledger.json" in usage.stderr
    assert "--number NNNNNNNN" in usage.stderr

"""`run_draw --sign-off-as USERNAME`: the scripted ceremony ends with that notary's sign-off,
sealing the certificate; anyone else, a superuser included, is refused before anything is
written (separation of duties)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lottery.models import Draw, DrawLog, DrawStatus, SealedCertificate, SupplyArrival
from reservations.models import User
from tests.lottery.helpers import POOL, SECRET, seed_pool
from tests.reservations.conftest import at


def run_draw(*args: str) -> StringIO:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "run_draw", "--quota", "2", "--secret", SECRET, "--public-value", "1", *args, stdout=out
        )
    return out


def nothing_written() -> bool:
    return not (
        Draw.objects.exists()
        or DrawLog.objects.exists()
        or SupplyArrival.objects.exists()
        or SealedCertificate.objects.exists()
    )


def test_run_draw_signed_off_by_a_notary_seals_the_certificate(campaign, notary, time_machine):
    time_machine.move_to(at(2020, 2, 19, 10), tick=False)
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = run_draw(
        "--sign-off-as",
        notary.username,
        "--statement",
        "全程监督。",
        "--certificate-number",
        "(2020)闽榕证字第7号",
    )
    lines = out.getvalue().strip().splitlines()
    draw = Draw.objects.get(pk=int(lines[-1]))  # the draw id still alone on the last line
    assert draw.status == DrawStatus.SIGNED_OFF and draw.signed_off_by == notary
    sealed = SealedCertificate.objects.get(draw=draw)
    assert (
        f"signed off by notary; certificate sealed, SHA-256 {sealed.certificate_sha256}"
        in (lines[-2])
    )
    certificate = json.loads(bytes(sealed.content))
    assert certificate["notary_statement"] == "全程监督。"
    assert certificate["notarial_certificate_number"] == "(2020)闽榕证字第7号"
    assert certificate["fairness"] is not None


def test_run_draw_sign_off_has_translated_defaults(campaign, notary, time_machine):
    time_machine.move_to(at(2020, 2, 19, 10), tick=False)
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("run_draw", "--quota", "1", "--sign-off-as", notary.username, stdout=out)
    draw = Draw.objects.get(pk=int(out.getvalue().split()[-1]))
    assert draw.notarial_certificate_number == f"run_draw 第{draw.pk}号"
    assert draw.notary_statement.startswith("公证员监督了这场脚本摇号")


@pytest.mark.parametrize("who", ["superuser", "official", "unknown"])
def test_run_draw_sign_off_by_anyone_but_a_notary_is_refused_and_writes_nothing(
    campaign, official, who
):
    if who == "superuser":
        User.objects.create_superuser(username="root", password="pw")
    name = {"superuser": "root", "official": official.username, "unknown": "nobody"}[who]
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    with pytest.raises(CommandError) as refused:
        run_draw("--sign-off-as", name)
    message = str(refused.value)
    if who == "unknown":
        assert message == "--sign-off-as: there is no user nobody."
    else:
        assert f"--sign-off-as: {name} does not hold the notary role" in message
        assert "a superuser is no notary" in message
    assert nothing_written()

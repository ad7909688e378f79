"""Sealed certificates, chained (issue 16): sign-off seals the certificate's bytes for good, as
the next link of the public ledger; the database keeps them so."""

import datetime
import hashlib
import importlib
import itertools
import json
import threading
import time

import pytest
from django.apps import apps
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse
from django.utils import translation

from city.errors import Refused
from lottery import selectors, services
from lottery.models import Draw, DrawStatus, SealedCertificate
from orders.services import wins_lapse
from tests.lottery.helpers import COMMITMENT, POOL, SECRET, ceremony, seed_pool
from tests.reservations.conftest import at

STATEMENT = "本公证员监督了抽签全过程。"
sealing_migration = importlib.import_module("lottery.migrations.0015_sealed_certificates")


def drawn_on(day: int, *, quota: int = 1) -> Draw:
    """Another real draw, `day` days after 19 Feb 2020 at 10:00, drawn (not signed off)."""
    later = datetime.timedelta(days=day)
    draw_at, cutoff = at(2020, 2, 19, 10) + later, at(2020, 2, 18, 21) + later
    draw = services.draw_add_extra(scheduled_at=draw_at, pool_cutoff=cutoff, actor=None)
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=quota, actor=None, now=cutoff)
    draw = services.draw_fix_public_value(draw=draw, value=f"{day}", actor=None)
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)
    return services.draw_run(draw=draw, actor=None, now=draw_at)


def sign_off(draw: Draw, notary, *, at_time=None, number: str = "(2020)闽榕证字第118号") -> Draw:
    return services.draw_sign_off(
        draw=draw,
        notary=notary,
        now=at_time or draw.drawn_at + datetime.timedelta(minutes=30),
        statement=STATEMENT,
        certificate_number=number,
    )


def served(client, draw: Draw) -> bytes:
    return client.get(reverse("certificate", args=[draw.pk])).content


@pytest.fixture
def stocked(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    seed_pool(POOL, made=at(2020, 2, 18, 11))


@pytest.fixture
def drawn(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    return ceremony(draw, quota=2)


def test_sign_off_seals_the_certificate_with_the_notarys_words_and_the_first_link_null(
    client, drawn, notary
):
    sign_off(drawn, notary, at_time=at(2020, 2, 19, 10, 30))
    sealed = SealedCertificate.objects.get(draw=drawn)
    content = bytes(sealed.content)
    assert served(client, drawn) == content and content.endswith(b"}\n")
    assert sealed.certificate_sha256 == hashlib.sha256(content).hexdigest()
    certificate = json.loads(content)
    assert certificate["status"] == "signed_off"
    assert certificate["notary_statement"] == STATEMENT
    assert certificate["notarial_certificate_number"] == "(2020)闽榕证字第118号"
    assert certificate["signed_off_at"] == "2020-02-19T10:30:00+08:00"
    assert certificate["sealed_at"] == "2020-02-19T10:30:00+08:00"
    assert certificate["previous_certificate_sha256"] is None
    assert sealed.previous_certificate_sha256 is None
    assert certificate["fairness"] == Draw.objects.get(pk=drawn.pk).fairness is not None


def test_the_next_sealed_certificate_carries_the_digest_of_the_one_before(drawn, notary):
    sign_off(drawn, notary)
    later = drawn_on(2)
    sign_off(later, notary)
    first, second = SealedCertificate.objects.order_by("id")
    assert second.previous_certificate_sha256 == first.certificate_sha256
    assert json.loads(bytes(second.content))["previous_certificate_sha256"] == (
        first.certificate_sha256
    )


def test_sign_off_makes_the_fairness_figures_when_beat_has_not(drawn, notary):
    Draw.objects.filter(pk=drawn.pk).update(fairness=None)
    drawn.refresh_from_db()
    sign_off(drawn, notary)
    fairness = Draw.objects.get(pk=drawn.pk).fairness
    assert fairness is not None
    assert selectors.certificate_of(draw=drawn)["fairness"] == fairness


def test_sign_off_is_refused_saying_why_while_the_certificate_is_not_final(drawn, notary):
    Draw.objects.filter(pk=drawn.pk).update(pool_merkle_root="")
    with translation.override("en"), pytest.raises(Refused) as refused:
        sign_off(drawn, notary)
    assert refused.value.code == "not_final" and "Merkle root" in refused.value.message
    assert Draw.objects.get(pk=drawn.pk).status == DrawStatus.DRAWN
    assert not SealedCertificate.objects.exists()


def test_sign_off_before_the_draw_is_refused_and_seals_nothing(draw, notary):
    with pytest.raises(Refused) as refused:
        services.draw_sign_off(
            draw=draw, notary=notary, now=at(2020, 2, 19), statement="x", certificate_number="1"
        )
    assert refused.value.code == "wrong_state"
    assert not SealedCertificate.objects.exists()


def test_the_sealed_bytes_stay_after_later_draws_fairness_runs_lapses_and_edits(
    client, drawn, notary
):
    sign_off(drawn, notary)
    before = served(client, drawn)
    page_before = client.get(reverse("draw", args=[drawn.pk])).status_code

    later = drawn_on(2)  # a later draw, its figures made and it signed off too
    services.fairness_compute_missing()
    sign_off(later, notary, number="(2020)闽榕证字第119号")
    assert served(client, drawn) == before

    # The purchase window closes and the wins lapse: the draw row is updated (wins_lapsed_at).
    wins_lapse(now=drawn.purchase_closes_at + datetime.timedelta(days=1))
    assert Draw.objects.get(pk=drawn.pk).wins_lapsed_at is not None
    assert served(client, drawn) == before

    # The figures made again, and the row edited straight in the database (the admin's draw
    # page edits nothing: every field is read-only, and the window is fixed once drawn).
    Draw.objects.filter(pk=drawn.pk).update(
        fairness={"edited": True}, reason="edited", purchase_closes_at=at(2020, 3, 9)
    )
    services.draw_fairness_compute(draw=drawn)
    with pytest.raises(Refused):
        services.draw_set_purchase_window(
            draw=drawn, opens=at(2020, 3, 1), closes=at(2020, 3, 2), actor=None
        )
    assert served(client, drawn) == before
    assert selectors.certificate_of(draw=drawn) == json.loads(before)
    assert client.get(reverse("draw", args=[drawn.pk])).status_code == page_before == 200


def test_the_admin_draw_page_changes_nothing_of_a_sealed_certificate(
    client, drawn, notary, official
):
    sign_off(drawn, notary)
    before = served(client, drawn)
    client.force_login(official)
    client.post(
        reverse("admin:lottery_draw_change", args=[drawn.pk]),
        {"reason": "edited", "purchase_opens_at": "2030-01-01 00:00"},
    )
    assert Draw.objects.get(pk=drawn.pk).reason == ""
    assert served(client, drawn) == before


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_update_or_delete_a_sealed_certificate(drawn, notary):
    sign_off(drawn, notary)
    table = SealedCertificate._meta.db_table
    with pytest.raises(InternalError, match="append-only"):
        _raw(f"UPDATE {table} SET content = %s, certificate_sha256 = %s", [b"{}", "0" * 64])
    with pytest.raises(InternalError, match="append-only"):
        _raw(f"DELETE FROM {table}")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        SealedCertificate.objects.filter(draw=drawn).update(sealed_at=at(2030, 1, 1))
    assert SealedCertificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_truncate_the_sealed_certificates(stocked, notary):
    sign_off(drawn_on(0, quota=2), notary)
    with pytest.raises(InternalError, match="TRUNCATE is not allowed"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL puhui.allow_truncate = off")
            cursor.execute(f"TRUNCATE {SealedCertificate._meta.db_table}")
    assert SealedCertificate.objects.count() == 1


def _insert(draw: Draw, content: bytes, previous: str | None) -> None:
    with transaction.atomic():
        SealedCertificate.objects.create(
            draw=draw,
            sealed_at=at(2020, 3, 1),
            content=content,
            certificate_sha256=hashlib.sha256(content).hexdigest(),
            previous_certificate_sha256=previous,
        )


def test_the_database_refuses_a_fork_a_second_first_and_a_wrong_digest(drawn, notary):
    sign_off(drawn, notary)
    head = SealedCertificate.objects.get()
    other = drawn_on(2)
    with pytest.raises(InternalError, match="follows the ledger's head"):
        _insert(other, b'{"fork": 1}\n', "a" * 64)
    with pytest.raises(InternalError, match="follows the ledger's head"):
        _insert(other, b'{"first": 2}\n', None)
    with pytest.raises(IntegrityError, match="sealed_certificate_digest_of_its_bytes"):
        with transaction.atomic():
            SealedCertificate.objects.create(
                draw=other,
                sealed_at=at(2020, 3, 1),
                content=b"{}",
                certificate_sha256="0" * 64,
                previous_certificate_sha256=head.certificate_sha256,
            )
    with pytest.raises(IntegrityError, match="one_sealed_certificate_per_draw"):
        _insert(drawn, b'{"again": 1}\n', head.certificate_sha256)
    assert SealedCertificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_unique_previous_digest_refuses_a_fork_even_without_the_lock(stocked):
    # The backstop: without the sealing lock, a second connection inserts after the same head
    # while the first has not committed (the insert trigger sees only what has committed);
    # the unique previous digest makes it wait for the first, then refuses it.
    first, second = drawn_on(0, quota=2), drawn_on(2)
    inserted, release, outcomes = threading.Event(), threading.Event(), {}

    def insert(draw: Draw, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                content = f'{{"id": {draw.pk}}}\n'.encode()
                SealedCertificate.objects.create(
                    draw=draw,
                    sealed_at=at(2020, 3, 1),
                    content=content,
                    certificate_sha256=hashlib.sha256(content).hexdigest(),
                    previous_certificate_sha256=None,
                )
                if hold:
                    inserted.set()
                    release.wait(timeout=10)
            outcomes[draw.pk] = "sealed"
        except (IntegrityError, InternalError) as error:
            outcomes[draw.pk] = type(error).__name__
        finally:
            connection.close()

    holder = threading.Thread(target=insert, args=(first,), kwargs={"hold": True})
    holder.start()
    assert inserted.wait(timeout=10)
    other = threading.Thread(target=insert, args=(second,), kwargs={"hold": False})
    other.start()
    for _ in range(200):  # until the second insert waits on the first's uncommitted row
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    release.set()
    holder.join()
    other.join()
    assert outcomes == {first.pk: "sealed", second.pk: "IntegrityError"}
    assert list(SealedCertificate.objects.values_list("draw_id", flat=True)) == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_at_the_same_moment_from_two_connections_make_one_chain(stocked, notary):
    draws = [drawn_on(0, quota=2), drawn_on(2), drawn_on(4)]
    sign_off(draws[0], notary)  # a head to build on
    moment = at(2020, 2, 23, 12)
    barrier, errors = threading.Barrier(2), []

    def sign(draw: Draw) -> None:
        try:
            barrier.wait(timeout=10)
            sign_off(draw, notary, at_time=moment, number=f"No. {draw.pk}")
        except Exception as error:  # any failure, reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(d,)) for d in draws[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(SealedCertificate.objects.order_by("id"))
    assert {row.draw_id for row in rows} == {d.pk for d in draws}
    assert rows[0].previous_certificate_sha256 is None
    for before, after in itertools.pairwise(rows):
        assert after.previous_certificate_sha256 == before.certificate_sha256
        assert after.sealed_at >= before.sealed_at
    assert set(Draw.objects.values_list("status", flat=True)) == {DrawStatus.SIGNED_OFF}


def test_the_ledger_lists_the_seals_in_order_for_anyone_from_anywhere(client, drawn, notary):
    sign_off(drawn, notary)
    later = drawn_on(2)
    sign_off(later, notary)
    response = client.get(reverse("ledger"))
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    first, second = SealedCertificate.objects.order_by("id")
    assert response.json() == [
        {
            "draw": drawn.pk,
            "sealed_at": "2020-02-19T10:30:00+08:00",
            "certificate_sha256": first.certificate_sha256,
            "previous_certificate_sha256": None,
        },
        {
            "draw": later.pk,
            "sealed_at": "2020-02-21T10:30:00+08:00",
            "certificate_sha256": second.certificate_sha256,
            "previous_certificate_sha256": first.certificate_sha256,
        },
    ]
    assert selectors.ledger_head()["certificate_sha256"] == second.certificate_sha256


def test_the_draw_pages_show_the_ledger_head_in_both_languages(client, drawn, notary):
    assert (
        "No certificate has been sealed yet."
        in client.get(reverse("draws"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    sign_off(drawn, notary)
    head = SealedCertificate.objects.get().certificate_sha256
    for name, args in (("draws", []), ("draw", [drawn.pk])):
        english = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert head in english and "Ledger head" in english
        assert "read out at the next ceremony and kept in the notary's records" in english
        chinese = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="zh-hans").content
        chinese = chinese.decode()
        assert head in chinese and "账本头" in chinese and "Ledger head" not in chinese


def _legacy_signed_off(draw: Draw, *, when: datetime.datetime, number: str) -> None:
    """A draw signed off before sealing: the row as sign-off left it, and no seal."""
    services.draw_fairness_compute(draw=draw)
    Draw.objects.filter(pk=draw.pk).update(
        status=DrawStatus.SIGNED_OFF,
        signed_off_at=when,
        notary_statement=STATEMENT,
        notarial_certificate_number=number,
    )


def test_the_migration_seals_earlier_sign_offs_in_order_with_the_live_bytes(drawn, time_machine):
    later = drawn_on(2)
    # Signed off in the other order than made: the later draw first.
    _legacy_signed_off(later, when=at(2020, 2, 21, 11), number="No. 2")
    _legacy_signed_off(drawn, when=at(2020, 2, 22, 9), number="No. 1")
    time_machine.move_to(at(2020, 3, 1, 8), tick=False)

    sealing_migration.seal_signed_off(apps, None)

    first, second = SealedCertificate.objects.order_by("id")
    assert (first.draw_id, second.draw_id) == (later.pk, drawn.pk)
    assert first.previous_certificate_sha256 is None
    assert second.previous_certificate_sha256 == first.certificate_sha256
    for sealed, previous in ((first, None), (second, first.certificate_sha256)):
        draw = Draw.objects.get(pk=sealed.draw_id)
        live = selectors.certificate_bytes(
            selectors.certificate_values(
                draw=draw, sealed_at=at(2020, 3, 1, 8), previous_sha256=previous
            )
        )
        assert bytes(sealed.content) == live
    # Run again (or after live seals): nothing sealed twice.
    sealing_migration.seal_signed_off(apps, None)
    assert SealedCertificate.objects.count() == 2


def test_the_migrations_builder_and_live_sealing_give_the_same_bytes(drawn, notary):
    sign_off(drawn, notary)
    sealed = SealedCertificate.objects.get()
    draw = Draw.objects.get(pk=drawn.pk)
    frozen = sealing_migration.certificate_bytes(
        sealing_migration.certificate_values(
            draw, sealed_at=sealed.sealed_at, previous_sha256=sealed.previous_certificate_sha256
        )
    )
    assert frozen == bytes(sealed.content)

"""A draw through the services, checked byte for byte by the published verifier."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from city.errors import Refused
from lottery import services
from lottery import verify as algorithm
from lottery.models import Draw, DrawFile, DrawLog, DrawStatus
from lottery.selectors import certificate_of
from notifications.models import Kind, OutboxMessage
from reservations.models import Reservation, ReservationState, Win
from reservations.services import reservation_cancel
from tests.helpers import at_once
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


def file_of(draw: Draw, name: str) -> bytes:
    return bytes(DrawFile.objects.get(draw=draw, name=name).content)


def test_the_domain_test_vector_through_the_whole_ceremony(draw):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = ceremony(draw, quota=2)
    assert draw.pool_digest == POOL_DIGEST
    assert file_of(draw, "winners") == WINNERS
    assert draw.winners_digest == (
        "df4f67dc1821a155d10865d3458ed727e54315fe6fd84077c23517f123c2f4d6"
    )
    won = Reservation.objects.filter(state=ReservationState.WON)
    assert sorted(won.values_list("number", flat=True)) == [10000001, 23456789]
    assert all(r.won_draw_id == draw.pk for r in won)
    assert Reservation.objects.filter(state=ReservationState.WAITING).count() == 4
    assert (
        algorithm.verify(certificate_of(draw=draw), file_of(draw, "pool"), file_of(draw, "winners"))
        == []
    )
    assert OutboxMessage.objects.filter(kind=Kind.WIN).count() == 2
    assert [e.action for e in DrawLog.objects.filter(draw=draw)] == [
        "added",
        "committed",
        "pool_closed",
        "public_value_fixed",
        "secret_revealed",
        "drawn",
        "wins_settled",  # the ceremony helper settles, as the draw task does
    ]


def test_reservations_after_the_cut_off_and_not_waiting_stay_out(draw):
    inside = seed_pool([11111111, 22222222, 33333333, 44444444], made=at(2020, 2, 18, 11))
    late = seed_pool([55555555], made=at(2020, 2, 18, 21, 0, 0))  # at the cut-off: next pool
    Reservation.objects.filter(number=22222222).update(state="lapsed", won_at=at(2020, 2, 1))
    Reservation.objects.filter(number=33333333).update(
        state="cancelled", cancelled_at=at(2020, 2, 18, 12)
    )
    Reservation.objects.filter(number=44444444).update(state="won", won_at=at(2020, 2, 17))
    draw = ceremony(draw, quota=5)
    assert file_of(draw, "pool") == b"11111111\n"
    assert draw.winners_count == 1
    assert inside and late


def test_a_pool_no_larger_than_the_quota_all_wins_and_quota_zero_none(draw, campaign):
    seed_pool([12345678, 87654321], made=at(2020, 2, 18, 11))
    draw = ceremony(draw, quota=10)
    assert draw.winners_count == 2
    other = services.draw_add_extra(
        scheduled_at=at(2020, 2, 21, 10), pool_cutoff=at(2020, 2, 20, 21), actor=None
    )
    services.draw_commit(draw=other, notary=None, commitment=COMMITMENT, now=at(2020, 2, 20, 9))
    other = services.draw_close_pool(draw=other, quota=0, actor=None, now=at(2020, 2, 20, 21))
    assert file_of(other, "pool") == b"" and other.pool_digest == hashlib.sha256(b"").hexdigest()
    other = services.draw_fix_public_value(draw=other, value="x", actor=None)
    other = services.draw_reveal(draw=other, secret=SECRET, notary=None)
    other = services.draw_run(draw=other, actor=None, now=at(2020, 2, 21, 10))
    assert other.winners_count == 0 and file_of(other, "winners") == b""


def test_a_wrong_secret_is_refused_and_changes_nothing(draw):
    seed_pool([12345678], made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=1, actor=None, now=at(2020, 2, 18, 21))
    draw = services.draw_fix_public_value(draw=draw, value="1", actor=None)
    with pytest.raises(Refused) as refused:
        services.draw_reveal(draw=draw, secret="ff" * 32, notary=None)
    assert refused.value.code == "wrong_secret"
    draw.refresh_from_db()
    assert draw.secret == "" and draw.status == DrawStatus.POOL_CLOSED


def test_the_secret_comes_after_the_public_value(draw):
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=0, actor=None, now=at(2020, 2, 18, 21))
    with pytest.raises(Refused):
        services.draw_reveal(draw=draw, secret=SECRET, notary=None)


def test_the_quota_cannot_exceed_the_stock(draw):
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    with pytest.raises(Refused) as refused:
        services.draw_close_pool(draw=draw, quota=101, actor=None, now=at(2020, 2, 18, 21))
    assert refused.value.code == "quota_above_stock"  # 1,000 masks are 100 packs


def test_the_system_can_make_the_secret_and_keeps_only_its_commitment(draw):
    made = services.draw_commit(draw=draw, notary=None, commitment=None, now=at(2020, 2, 18, 9))
    draw.refresh_from_db()
    assert draw.commitment == algorithm.commitment(bytes.fromhex(made.secret))
    assert draw.secret == ""


def test_a_reservation_in_a_closed_pool_cannot_be_cancelled_until_the_draw(draw):
    [reservation] = seed_pool([12345678], made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.draw_close_pool(draw=draw, quota=0, actor=None, now=at(2020, 2, 18, 21))
    with pytest.raises(Refused) as refused:
        reservation_cancel(resident=reservation.resident, now=at(2020, 2, 18, 22))
    assert refused.value.code == "cannot_cancel_now"


def test_a_reservation_racing_the_close_is_stamped_into_the_next_pool(draw, taijiang_resident):
    from reservations.services import reservation_create_for_user

    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.draw_close_pool(draw=draw, quota=0, actor=None, now=at(2020, 2, 18, 21, 0, 1))
    # Its clock was read a moment before the cut-off, its insert ran after the close.
    number = reservation_create_for_user(
        user=taijiang_resident.user, now=at(2020, 2, 18, 20, 59, 59)
    )
    assert Reservation.objects.get(number=number).created_at == at(2020, 2, 18, 21, 0)


def test_starting_a_draw_twice_draws_once(draw):
    seed_pool([11111111, 22222222, 33333333], made=at(2020, 2, 18, 11))
    draw = ceremony(draw, quota=1)
    again = services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 11))
    assert again.winners_digest == draw.winners_digest
    assert Reservation.objects.filter(state="won").count() == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_at_once_draw_once(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    seed_pool(list(range(10000000, 10000040)), made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=10, actor=None, now=at(2020, 2, 18, 21))
    draw = services.draw_fix_public_value(draw=draw, value="7", actor=None)
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)

    def start() -> str:
        # As the draw task does: the draw, then its wins settled onto their reservations.
        services.draw_run(draw=Draw.objects.get(pk=draw.pk), actor=None, now=at(2020, 2, 19, 10))
        services.draw_wins_settle(draw_id=draw.pk, now=at(2020, 2, 19, 10, 1))
        return "ran"

    outcomes = at_once(4, start)
    assert outcomes == ["ran"] * 4
    assert Win.objects.filter(draw_id=draw.pk).count() == 10
    assert Reservation.objects.filter(state="won", won_draw_id=draw.pk).count() == 10
    assert OutboxMessage.objects.filter(kind=Kind.WIN).count() == 10
    assert DrawLog.objects.filter(draw_id=draw.pk, action="drawn").count() == 1


def test_a_failure_mid_draw_leaves_nothing_half_done(draw, monkeypatch):
    seed_pool([11111111, 22222222, 33333333], made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = services.draw_close_pool(draw=draw, quota=2, actor=None, now=at(2020, 2, 18, 21))
    draw = services.draw_fix_public_value(draw=draw, value="1", actor=None)
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)

    def crash(**kwargs):
        raise RuntimeError("worker killed while writing the outbox")

    monkeypatch.setattr(services, "messages_enqueue_new", crash)
    with pytest.raises(RuntimeError):
        services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 10))
    draw.refresh_from_db()
    assert draw.status == DrawStatus.POOL_CLOSED
    assert not Reservation.objects.filter(state="won").exists()
    assert not Win.objects.exists()
    assert not DrawFile.objects.filter(draw=draw, name="winners").exists()
    monkeypatch.undo()
    first = services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 10))
    assert first.winners_count == 2


def test_the_draw_log_cannot_be_edited_or_deleted(draw):
    entry = DrawLog.objects.filter(draw=draw).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        DrawLog.objects.filter(pk=entry.pk).update(action="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        DrawLog.objects.filter(pk=entry.pk).delete()


def test_run_draw_runs_a_whole_ceremony_and_prints_the_id_last(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = StringIO()
    call_command(
        "run_draw", "--quota", "2", "--secret", SECRET, "--public-value", "3 5 2 6 1 4", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    draw = Draw.objects.get(pk=int(lines[-1]))
    assert "recorded an arrival" in out.getvalue()
    assert draw.status == DrawStatus.DRAWN and draw.winners_count == 2
    assert draw.pool_digest == POOL_DIGEST
    assert file_of(draw, "winners") == WINNERS
    assert "fairness by_reservation_day: chi-square p = None" in out.getvalue()  # one day
    assert draw.fairness["by_district"]["groups"][0]["winners"] == 2


def test_my_reservation_lists_the_recorded_draws_it_was_in(client, draw, taijiang_resident):
    import time_machine
    from django.urls import reverse

    from reservations.services import reservation_create

    reservation = reservation_create(resident=taijiang_resident, now=at(2020, 2, 18, 11, 30))
    ceremony(draw, quota=0)  # it was in this pool, and did not win
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 19, 12, 0), tick=False):
        body = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="/draws/{draw.pk}/">Draw #{draw.pk} (2020-02-19)</a>' in body
    assert reservation.number_display in body

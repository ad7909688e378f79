"""`run_draw` refused writes nothing, and a draw it made never outlives a lost secret."""

import datetime
import subprocess
import sys
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from lottery import services
from lottery import verify as algorithm
from lottery.models import Draw, DrawLog, DrawStatus, SupplyArrival
from lottery.schedule import purchase_window
from reservations.models import Reservation
from tests.helpers import subprocess_env
from tests.lottery.helpers import COMMITMENT, POOL, SECRET, seed_pool
from tests.reservations.conftest import at

RESERVATIONS = Reservation._meta.db_table


def waiting_for_the_reservations_lock() -> int:
    """Sessions waiting for a lock on the reservations table (a pool close behind ours)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [RESERVATIONS],
        )
        return cursor.fetchone()[0]


def hold_pool_closes():
    """A transaction on this connection that every pool close waits behind (as a reservation
    being written would make it wait), until the block ends."""
    atomic = transaction.atomic()
    atomic.__enter__()
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {RESERVATIONS} IN ROW EXCLUSIVE MODE")
    return atomic


def run_draw_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_draw", *args],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def no_orphan(*, besides: Draw | None = None) -> None:
    """No draw is left committed or closed with nobody holding its secret (`besides`: a
    regular draw whose notary holds it)."""
    draws = Draw.objects.exclude(pk=besides.pk) if besides else Draw.objects.all()
    assert not draws.filter(status__in=[DrawStatus.SCHEDULED, DrawStatus.COMMITTED])
    assert not draws.filter(status=DrawStatus.POOL_CLOSED, secret="")


@pytest.mark.django_db(transaction=True)
def test_two_run_draws_at_once_from_two_processes_draw_once_and_the_other_writes_nothing(
    campaign,
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    args = ["--quota", "2", "--public-value", "3 5 2 6 1 4"]
    holder = hold_pool_closes()  # the first to close its pool waits here, mid-ceremony
    try:
        processes = [run_draw_process(*args), run_draw_process(*args)]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            finished = [p for p in processes if p.poll() is not None]
            if (finished and waiting_for_the_reservations_lock()) or len(finished) == 2:
                break
            if waiting_for_the_reservations_lock() == 2:
                break  # both got as far as closing a pool: what the bug did
            time.sleep(0.05)
    finally:
        holder.__exit__(None, None, None)
    outputs = [process.communicate(timeout=120) for process in processes]
    codes = sorted(process.returncode for process in processes)
    assert codes[0] == 0 and codes[1] != 0, outputs
    [(out, _)] = [o for p, o in zip(processes, outputs, strict=True) if p.returncode == 0]
    [(_, err)] = [o for p, o in zip(processes, outputs, strict=True) if p.returncode != 0]
    with translation.override("zh-hans"):
        assert (
            gettext("Another run_draw is running. Wait until it has finished, then try again.")
            in err
        )
    draw = Draw.objects.get()
    assert out.strip().splitlines()[-1] == str(draw.pk)
    assert draw.status == DrawStatus.DRAWN and draw.winners_count == 2
    assert SupplyArrival.objects.count() == 1  # the winner's top-up only
    no_orphan()


def test_run_draw_while_another_pool_is_closed_is_refused_and_writes_nothing(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=10)
    other = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    services.draw_commit(draw=other, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.draw_close_pool(draw=other, quota=1, actor=None, now=at(2020, 2, 18, 21))
    logged = DrawLog.objects.count()

    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("run_draw", "--quota", "5", stdout=StringIO())

    assert list(Draw.objects.values_list("pk", flat=True)) == [other.pk]
    assert SupplyArrival.objects.count() == 1  # the stock was short: still no arrival recorded
    assert DrawLog.objects.count() == logged
    message = str(refused.value)
    assert f"Draw {other.pk}'s pool is closed and not drawn yet" in message
    assert reverse("admin:lottery_ceremony", args=[other.pk]) in message


def test_run_draw_refuses_a_bad_secret_before_writing_anything(campaign):
    with pytest.raises(CommandError):
        call_command("run_draw", "--quota", "1", "--secret", "abc", stdout=StringIO())
    assert not Draw.objects.exists() and not SupplyArrival.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_pool_closed_meanwhile_by_beat_cancels_the_draw_with_the_reason(campaign, client):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=20)
    regular = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    services.draw_commit(draw=regular, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    outcome: dict = {}

    def run_draw() -> None:
        try:
            with translation.override("en"):
                call_command("run_draw", "--quota", "5", stdout=StringIO())
        except CommandError as error:
            outcome["error"] = str(error)
        finally:
            connection.close()

    holder = hold_pool_closes()
    try:
        thread = threading.Thread(target=run_draw)
        thread.start()
        deadline = time.monotonic() + 30
        while not waiting_for_the_reservations_lock():  # run_draw is closing its pool
            assert time.monotonic() < deadline and thread.is_alive(), outcome
            time.sleep(0.02)
        # Meanwhile beat closes the regular draw's pool, on this other connection.
        assert [d.pk for d in services.pools_close_due(now=at(2020, 2, 18, 21))] == [regular.pk]
    finally:
        holder.__exit__(None, None, None)
    thread.join(timeout=60)

    extra = Draw.objects.exclude(pk=regular.pk).get()
    assert extra.status == DrawStatus.CANCELLED
    assert "stopped before its public value was fixed" in extra.reason
    assert "Another draw's pool is closed and not drawn yet" in extra.reason
    cancelled = DrawLog.objects.get(draw=extra, action="cancelled")
    assert cancelled.details["reason"] == extra.reason
    assert outcome["error"].startswith(f"Draw {extra.pk} is cancelled: ")
    assert SupplyArrival.objects.count() == 1  # run_draw's top-up went with its pool close
    response = client.get(reverse("draw", args=[extra.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "stopped before its public value was fixed" in response.content.decode()
    no_orphan(besides=regular)


def test_a_failure_after_the_public_value_leaves_the_secret_revealed_and_says_how_to_finish(
    campaign, monkeypatch
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))

    def crash(**kwargs):
        raise RuntimeError("worker killed while writing the outbox")

    monkeypatch.setattr(services, "messages_enqueue_new", crash)
    with translation.override("en"), pytest.raises(CommandError) as stopped:
        call_command("run_draw", "--quota", "2", "--public-value", "7", stdout=StringIO())

    draw = Draw.objects.get()
    assert draw.status == DrawStatus.POOL_CLOSED
    assert draw.public_value_fixed and draw.public_value == "7"
    assert algorithm.commitment(bytes.fromhex(draw.secret)) == draw.commitment
    message = str(stopped.value)
    assert "public value fixed and its secret revealed" in message
    assert reverse("admin:lottery_ceremony", args=[draw.pk]) in message
    assert f"run_draw --finish {draw.pk}" in message
    assert DrawLog.objects.filter(draw=draw, action="secret_revealed").exists()

    monkeypatch.undo()
    out = StringIO()
    call_command("run_draw", "--finish", str(draw.pk), stdout=out)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.winners_count == 2
    assert out.getvalue().strip().splitlines()[-1] == str(draw.pk)


def test_run_draw_with_the_notarys_secret_still_draws_the_test_vector(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = StringIO()
    call_command(
        "run_draw", "--quota", "2", "--secret", SECRET, "--public-value", "3 5 2 6 1 4", stdout=out
    )
    draw = Draw.objects.get(pk=int(out.getvalue().split()[-1]))
    assert draw.status == DrawStatus.DRAWN and draw.secret == SECRET
    actions = list(DrawLog.objects.filter(draw=draw).values_list("action", flat=True))
    assert actions[:8] == [
        "added",
        "committed",
        "run_at_once",  # whose the draw is, should its process die before the public value
        "pool_closed",
        "public_value_fixed",
        "secret_revealed",
        "started",  # at once: a scripted extra draw waits for no announced time
        "drawn",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_run_draw_killed_outright_before_its_public_value_is_cancelled_by_beat(campaign):
    from lottery.tasks import close_due_pools

    seed_pool(POOL, made=at(2020, 2, 18, 11))
    holder = hold_pool_closes()  # the run_draw waits at its pool close, its secret in memory
    try:
        process = run_draw_process("--quota", "2", "--public-value", "3 5 2 6 1 4")
        deadline = time.monotonic() + 60
        while not waiting_for_the_reservations_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_for_the_reservations_lock(), process.communicate(timeout=5)
        close_due_pools()  # beat, meanwhile: the draw has a living owner, so it is left alone
        assert Draw.objects.get().status == DrawStatus.COMMITTED
        process.kill()  # SIGKILL: no handler runs, the made secret is gone
        process.communicate(timeout=30)
    finally:
        holder.__exit__(None, None, None)
    deadline = time.monotonic() + 10  # the server ends the dead session and its lock
    while time.monotonic() < deadline:
        close_due_pools()
        if Draw.objects.get().status == DrawStatus.CANCELLED:
            break
        time.sleep(0.1)
    draw = Draw.objects.get()
    assert draw.status == DrawStatus.CANCELLED
    assert "run_draw" in draw.reason
    assert draw.log.filter(action="cancelled").exists()
    assert not SupplyArrival.objects.exists()  # its top-up went with its pool close
    no_orphan()


def test_purchase_opens_now_opens_the_window_as_the_draw_runs_and_logs_it(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = StringIO()
    call_command("run_draw", "--quota", "2", "--purchase-opens", "now", stdout=out)
    draw = Draw.objects.get(pk=int(out.getvalue().split()[-1]))
    assert draw.status == DrawStatus.DRAWN
    hours = datetime.timedelta(hours=campaign.purchase_window_hours)
    assert draw.purchase_opens_at == draw.scheduled_at  # not a moment before the draw
    assert draw.purchase_closes_at == draw.scheduled_at + hours
    logged = DrawLog.objects.get(draw=draw, action="purchase_window_set")
    assert logged.details == {
        "opens": draw.purchase_opens_at.isoformat(),
        "closes": draw.purchase_closes_at.isoformat(),
    }
    actions = list(DrawLog.objects.filter(draw=draw).values_list("action", flat=True))
    assert actions.index("pool_closed") < actions.index("purchase_window_set")
    assert actions.index("purchase_window_set") < actions.index("drawn")


def test_purchase_opens_at_a_later_time_gives_the_wins_that_window(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    opens = timezone.localtime() + datetime.timedelta(days=1)
    out = StringIO()
    call_command(
        "run_draw",
        "--quota",
        "2",
        "--purchase-opens",
        opens.replace(tzinfo=None, microsecond=0).isoformat(),  # the city's time
        stdout=out,
    )
    draw = Draw.objects.get(pk=int(out.getvalue().split()[-1]))
    opens = opens.replace(microsecond=0)
    closes = opens + datetime.timedelta(hours=campaign.purchase_window_hours)
    assert (draw.purchase_opens_at, draw.purchase_closes_at) == (opens, closes)
    assert DrawLog.objects.get(draw=draw, action="purchase_window_set").details == {
        "opens": opens.isoformat(),
        "closes": closes.isoformat(),
    }
    for reservation in Reservation.objects.filter(won_draw_id=draw.pk):
        assert purchase_window(config=campaign, reservation=reservation) == (opens, closes)


def test_purchase_opens_before_the_draw_is_refused_before_writing_anything(campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command(
            "run_draw", "--quota", "2", "--purchase-opens", "2020-02-19T14:00", stdout=StringIO()
        )
    assert "The purchase window cannot open before the draw." in str(refused.value)
    assert not Draw.objects.exists()
    assert not DrawLog.objects.exists()
    assert not SupplyArrival.objects.exists()

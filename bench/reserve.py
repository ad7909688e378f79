"""Reserve: POST /me/reserve/ through the real stack (gunicorn, production settings and
middleware, session, CSRF, the burst limiter, every rule, the insert), every request a new
reservation by a different signed-in resident, 20 concurrent connections. Baseline, same run and
server: a view behind the same middleware (same cookies, CSRF checked) doing the least a
reservation must, in one transaction: one INSERT into a table with a unique constraint and the
confirmation SMS's outbox row (bench/urls.py). Gate: reserve throughput >= 0.85 of the
baseline's, as the median over five rounds that alternate baseline and reserve (the machine's
speed drifts). Aim (informational): 800 requests/s with p99 <= 50 ms.

Django's session and authentication middleware are lazy: they load the session and the user only
when the view reads request.user. The gate's baseline reads it (so the middleware does its work
for a signed-in resident, as the reserve view needs); the bare one-INSERT view, which loads
neither, is measured too and shown for information.

Set-up, in the bench database: the Fuzhou reference data; for the run, a shared window
00:00-23:59:59.999999 and a campaign start date before today, so every request finds the
window open (a run straddling midnight only loses the last microsecond of the day); N verified
residents with an address (kept between runs, their reservations deleted before and after), one
database session per resident (signed in, as `login()` would store it) and one CSRF token each;
then VACUUM ANALYZE of the tables it churned (the dev server runs with autovacuum off).
The burst limiter still runs on every request, but with RESERVE_BURST_PER_SECOND raised to
1,000,000 for this server so that it never answers 429.

Load generator: Debian's wrk (installed with apt-get when missing and running as root), one
thread pinned to the last core, with bench/reserve.lua handing each request the next
(session, token) pair; otherwise bench/load_post.py (Python), pinned the same way.
BENCH_LOAD=python forces the fallback; BENCH_RESERVE_RESIDENTS sets how many residents to prepare
(default: 8,000 for the warm-up + 1,500 per measured second). Rounds last at least 6 s.
"""

import datetime
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import (
    CORES,
    LOAD_CORE,
    PYTHON,
    combine,
    environ_override,
    free_port,
    gate_and_aim,
    median_ratio,
    record,
    report,
    run_load,
    start_gunicorn,
    verified_residents,
    wrk_command,
    wrk_find,
    wrk_name,
)

CONNECTIONS = 20
GATE = 0.85  # issue 17
TARGET_RPS = 800
TARGET_P99_MS = 50.0
BURST_FOR_BENCH = "1000000"
PREFIX = "bench-r"  # usernames of the bench residents
SESSION_PREFIX = "bench"  # session keys of their sessions
WARMUP_SECONDS = 2
WARMUP_PAIRS = 8000
PAIRS_PER_SECOND = 1500  # residents set aside per measured second: more than the server can do
# On a shared 2-core machine, 2-second rounds gave ratios from 0.4 to 0.9 within one run and
# flipped the verdict between runs; 6-second rounds keep the whole benchmark near 2 minutes.
MIN_ROUND_SECONDS = 6.0
SIGNED_IN = "/bench/baseline-insert-signed-in"  # the gate's baseline
BARE = "/bench/baseline-insert"  # for information


# --- set-up in the bench database -------------------------------------------------------------


def open_all_day() -> dict:
    """A shared window over the whole day and a campaign that has started; returns what to undo."""
    from city.models import CampaignConfig, ReservationWindow

    undo: dict = {}
    today = datetime.date.today()
    config = CampaignConfig.objects.get(pk=CampaignConfig.SINGLETON_ID)
    if config.start_date > today - datetime.timedelta(days=1):
        undo["start_date"] = config.start_date
        config.start_date = today - datetime.timedelta(days=1)  # a day early: time zones aside
        config.save(update_fields=["start_date"])
    window = ReservationWindow.objects.filter(
        district__isnull=True, opens_at=datetime.time(0)
    ).first()
    if window is None:
        window = ReservationWindow.objects.create(
            district=None, opens_at=datetime.time(0), closes_at=datetime.time.max
        )
        undo["window_created"] = window.pk
    elif window.closes_at != datetime.time.max:
        undo["window_closes_at"] = (window.pk, window.closes_at)
        window.closes_at = datetime.time.max
        window.save(update_fields=["closes_at"])
    return undo


def undo_open_all_day(undo: dict) -> None:
    from city.models import CampaignConfig, ReservationWindow

    if "start_date" in undo:
        CampaignConfig.objects.filter(pk=CampaignConfig.SINGLETON_ID).update(
            start_date=undo["start_date"]
        )
    if "window_created" in undo:
        ReservationWindow.objects.filter(pk=undo["window_created"]).delete()
    if "window_closes_at" in undo:
        pk, closes_at = undo["window_closes_at"]
        ReservationWindow.objects.filter(pk=pk).update(closes_at=closes_at)


def bench_reservations():
    from reservations.models import Reservation

    return Reservation.objects.filter(resident__user__username__startswith=PREFIX)


def residents_ensure(count: int) -> list:
    """`count` verified residents with an address, signed up by phone; the users, in order."""
    # 198: seed_demo (the draw benchmark's pool) takes the 199 numbers.
    return verified_residents(
        count, prefix=PREFIX, phone_prefix="198", street=lambda i: f"测试路{i}号"
    )


DB_SESSIONS = "django.contrib.sessions.backends.db"
CACHED_DB_SESSIONS = "django.contrib.sessions.backends.cached_db"


def sessions_create(users: list) -> list[tuple[str, str]]:
    """A signed-in session (of the configured SESSION_ENGINE) and a CSRF token per user:
    (session cookie, token) pairs. Database sessions are bulk-inserted; others are saved one by
    one through their SessionStore."""
    import secrets
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils import timezone

    sessions_delete([])
    engine = import_module(settings.SESSION_ENGINE)
    # What login() stores: a backend the site accepts (get_user() ignores any other).
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + datetime.timedelta(days=1)
    rows, pairs, cached = [], [], {}
    store = engine.SessionStore()
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        if settings.SESSION_ENGINE in (DB_SESSIONS, CACHED_DB_SESSIONS):
            key = SESSION_PREFIX + secrets.token_hex(14)[:27]
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            if settings.SESSION_ENGINE == CACHED_DB_SESSIONS:
                # What cached_db's save() puts in the cache beside the row.
                cached[engine.SessionStore(session_key=key).cache_key] = data
        else:
            session = engine.SessionStore()
            session.update(data)
            session.set_expiry(24 * 3600)
            session.save(must_create=True)
            key = session.session_key
        pairs.append((key, _get_new_csrf_string()))
    Session.objects.bulk_create(rows, batch_size=5000)
    if cached:
        from django.core.cache import caches

        caches[settings.SESSION_CACHE_ALIAS].set_many(cached, 24 * 3600)
    return pairs


def sessions_delete(pairs: list[tuple[str, str]]) -> None:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__startswith=SESSION_PREFIX).delete()
    if settings.SESSION_ENGINE == CACHED_DB_SESSIONS:
        from django.core.cache import caches

        engine = import_module(settings.SESSION_ENGINE)
        keys = [engine.SessionStore(session_key=key).cache_key for key, _ in pairs]
        caches[settings.SESSION_CACHE_ALIAS].delete_many(keys)
    elif settings.SESSION_ENGINE != DB_SESSIONS:
        engine = import_module(settings.SESSION_ENGINE)
        for key, _ in pairs:
            engine.SessionStore(session_key=key).delete()


def setup(count: int, pairs_file: Path) -> tuple[dict, list[tuple[str, str]]]:
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_fuzhou", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, "
            "n bigint NOT NULL UNIQUE)"
        )
        cursor.execute("TRUNCATE bench_insert")
    bench_reservations().delete()
    undo = open_all_day()
    users = residents_ensure(count)
    pairs = sessions_create(users)
    pairs_file.write_text("".join(f"{key} {token}\n" for key, token in pairs))
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE django_session, reservations_reservation, reservations_resident, "
            "reservations_user, bench_insert"
        )
    return undo, pairs


# --- load generators --------------------------------------------------------------------------


def load(
    wrk: str | None,
    port: int,
    path: str,
    pairs_file: Path,
    first: int,
    count: int,
    *,
    mode: str,
    expect_status: int,
    expect_location: str,
    seconds: float,
) -> dict:
    if wrk:
        command = wrk_command(
            wrk,
            port=port,
            path=path,
            script="reserve.lua",
            seconds=seconds,
            connections=CONNECTIONS,
            args=[pairs_file, first, count, path, mode, expect_status, expect_location, 1],
        )
    else:
        command = [
            PYTHON,
            "-m",
            "bench.load_post",
            "--port",
            str(port),
            "--path",
            path,
            "--pairs",
            str(pairs_file),
            "--first",
            str(first),
            "--count",
            str(count),
            "--mode",
            mode,
            "--expect-status",
            str(expect_status),
            "--expect-location",
            expect_location,
            "--connections",
            str(CONNECTIONS),
            "--seconds",
            str(seconds),
        ]
    return run_load(command)


ROUNDS = 5


# --- the benchmark ----------------------------------------------------------------------------


def run(seconds: float) -> bool:
    per_round = max(seconds / ROUNDS, MIN_ROUND_SECONDS)
    measured_pairs = int(per_round * ROUNDS * PAIRS_PER_SECOND)
    count = int(os.environ.get("BENCH_RESERVE_RESIDENTS", WARMUP_PAIRS + measured_pairs))
    measured_pairs = count - WARMUP_PAIRS
    restore_burst = environ_override("RESERVE_BURST_PER_SECOND", BURST_FOR_BENCH)
    import django

    django.setup()
    wrk = wrk_find()
    if wrk:
        generator = f"{wrk_name(wrk)}, 1 thread"
    else:
        generator = (
            f"bench.load_post (Python; wrk missing or BENCH_LOAD=python), {CONNECTIONS} threads"
        )
    tmp = Path(tempfile.mkdtemp(prefix="bench-reserve-"))
    pairs_file = tmp / "pairs.txt"
    started = time.monotonic()
    undo, pairs = setup(count, pairs_file)
    setup_seconds = time.monotonic() - started
    port = free_port()
    server = start_gunicorn(port)  # inherits RESERVE_BURST_PER_SECOND from os.environ
    reserve_args = {"mode": "once", "expect_status": 302, "expect_location": "/me/?reserved="}
    baseline_args = {"mode": "cycle", "expect_status": 200, "expect_location": "-"}
    try:
        # Warm up both paths: connections, caches, the workers' first requests.
        load(wrk, port, SIGNED_IN, pairs_file, 0, WARMUP_PAIRS, **baseline_args, seconds=1)
        load(
            wrk,
            port,
            "/me/reserve/",
            pairs_file,
            0,
            WARMUP_PAIRS,
            **reserve_args,
            seconds=WARMUP_SECONDS,
        )
        # The machine's speed drifts by tens of percent from minute to minute; measuring the
        # baseline and reserve in alternating rounds, each round on its own residents, and
        # gating on the median of the rounds' ratios keeps that drift out of the comparison.
        slice_size = measured_pairs // ROUNDS
        bare = load(
            wrk,
            port,
            BARE,
            pairs_file,
            WARMUP_PAIRS,
            slice_size,
            **baseline_args,
            seconds=per_round,
        )
        before = bench_reservations().count()
        rounds = []
        for index in range(ROUNDS):
            first = WARMUP_PAIRS + index * slice_size
            signed_in = load(
                wrk,
                port,
                SIGNED_IN,
                pairs_file,
                first,
                slice_size,
                **baseline_args,
                seconds=per_round,
            )
            reserved = load(
                wrk,
                port,
                "/me/reserve/",
                pairs_file,
                first,
                slice_size,
                **reserve_args,
                seconds=per_round,
            )
            rounds.append((signed_in, reserved))
        baselines = {BARE: bare, SIGNED_IN: combine([b for b, _ in rounds])}
        reserve = combine([r for _, r in rounds])
        time.sleep(1)  # requests still in flight when the clock stopped finish
        created = bench_reservations().count() - before
        inserted = _count("SELECT count(*) FROM bench_insert")
    finally:
        server.terminate()
        server.wait(timeout=30)
        bench_reservations().delete()
        _outbox_rows_delete()
        sessions_delete(pairs)
        undo_open_all_day(undo)
        shutil.rmtree(tmp, ignore_errors=True)
        restore_burst()

    print(
        f"reserve: gunicorn {CORES} workers x 4 threads, production settings, "
        f"RESERVE_BURST_PER_SECOND={BURST_FOR_BENCH} for this server (limiter runs, never trips)"
    )
    print(
        f"  load generator: {generator}, {CONNECTIONS} keep-alive connections, "
        f"pinned to core {LOAD_CORE}; {per_round * ROUNDS:.0f} s each after a warm-up; "
        f"{count} signed-in residents prepared in {setup_seconds:.0f} s"
    )
    baseline, bare = baselines[SIGNED_IN], baselines[BARE]
    report("baseline", baseline)
    print("    (signed in: the middleware loads session and user; one INSERT + its outbox row)")
    report("bare", bare)
    print("    (for information: one INSERT; nothing reads request.user, so no session or user)")
    report("reserve", reserve)
    ratios, ratio = median_ratio(rounds)
    print(
        f"  rounds (baseline, reserve alternating, {per_round:.1f} s each): "
        + ", ".join(f"{value:.2f}" for value in ratios)
    )
    bare_ratio = reserve["rps"] / bare["rps"] if bare["rps"] else 0
    print(
        f"  reserve / baseline throughput, median of the rounds: {ratio:.2f} "
        f"(reserve / bare: {bare_ratio:.2f})"
    )
    # Every 302 to /me/ is a new reservation; requests in flight at the end may add a few more.
    counted = reserve["ok"] <= created <= reserve["sent"]
    print(
        f"  reservations created: {created} for {reserve['ok']} answers 302 -> /me/ "
        f"({reserve['sent']} sent): {'consistent' if counted else 'INCONSISTENT'}; "
        f"baseline rows inserted: {inserted}"
    )
    gate = gate_and_aim(reserve, ratio, gate=GATE, rps=TARGET_RPS, p99_ms=TARGET_P99_MS)
    clean = (
        reserve["errors"] == 0
        and baseline["errors"] == 0
        and bare["errors"] == 0
        and not reserve["exhausted"]
        and reserve["ok"] > 0
    )
    record(
        "reserve",
        reserve["rps"],
        "requests/s",
        baseline=baseline["rps"],
        ratio=ratio,
        target=f">= {GATE} x",
        passed=gate and clean and counted,
        spread=f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
    )
    record(
        "signed-in baseline",
        baseline["rps"],
        "requests/s",
        baseline=bare["rps"],
        ratio=baseline["rps"] / bare["rps"] if bare["rps"] else 0,
        target="(bare INSERT)",
    )
    return gate and clean and counted


def _outbox_rows_delete() -> None:
    """The signed-in baseline's outbox rows (bench/urls.py), which no worker is to send."""
    from django.db import connection

    from bench.urls import BASELINE_SMS_PREFIX

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM notifications_outboxmessage WHERE dedupe_key LIKE %s",
            [BASELINE_SMS_PREFIX + "%"],
        )


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]

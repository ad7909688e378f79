"""Dashboard: the officials' admin home at city scale. 3,000,000 reservations made over a
four-week campaign, several draws of 100,000 winners each with their wins ordered, collected
and lapsed, pickup batches and parcels, the draws' SMS sent, failed and refused; then each
dashboard page (every filter variant) requested by a signed-in official through gunicorn with
production settings, one request at a time. Gate: each page's median answer < 300 ms.

Set-up, in the bench database (kept between runs, as bench.draw keeps its pool):
- the Fuzhou reference data; reservations topped up to BENCH_DASHBOARD_RESERVATIONS (default
  3,000,000) with `seed_demo --reserve --force`, the campaign starting 27 days ago. A pool
  seeded earlier over a longer time (seed_demo spreads reservations from the campaign's start,
  2020 by default) is spread again over the four weeks, in the order of its ids: a campaign
  lasts weeks, and the dashboard's hourly counts are per hour of it;
- draws run through the lottery's services (pool closed at once, committed, revealed, drawn,
  settled) until BENCH_DASHBOARD_DRAWS (default 3) are drawn, each with stock recorded for
  BENCH_DASHBOARD_WINNERS (default 100,000);
- then, outside the apps' rules (bench sets up data as it likes): of each draw's wins, by
  number, 70 % ordered (half of them then collected, a tenth delivered) and 20 % lapsed; its
  outbox rows sent, 2 % failed, committee landlines refused; per pickup point a batch a day of
  the campaign's last week and a parcel for each of 2,000 ordered wins of its district, half
  collected;
- an official (username `bench-official`) and a signed-in session for it; VACUUM ANALYZE.

BENCH_DASHBOARD_REQUESTS sets the requests per page (default 60): the pages are requested in
turn, one request each per round, after three rounds of warm-up; a page's figure is the median
of its requests, its spread their minimum to maximum.
"""

import datetime
import io
import os
import statistics
import subprocess
import time
import urllib.request

from bench.common import (
    PYTHON,
    ROOT,
    bench_env,
    free_port,
    record,
    session_key_for,
    start_gunicorn,
)

RESERVATIONS = int(
    os.environ.get("BENCH_DASHBOARD_RESERVATIONS", os.environ.get("BENCH_RESIDENTS", "3000000"))
)
DRAWS = int(os.environ.get("BENCH_DASHBOARD_DRAWS", "3"))
WINNERS = int(os.environ.get("BENCH_DASHBOARD_WINNERS", str(max(1, RESERVATIONS // 30))))
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "60"))
WARMUP_ROUNDS = 3
CAMPAIGN_DAYS = 27
GATE_MS = 300.0
OFFICIAL = "bench-official"


def _sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _reservations_ensure(env: dict) -> None:
    from django.utils import timezone

    from city.models import CampaignConfig
    from reservations.models import Reservation, ReservationHourCount

    start = timezone.localdate() - datetime.timedelta(days=CAMPAIGN_DAYS)
    CampaignConfig.objects.filter(pk=CampaignConfig.SINGLETON_ID).update(start_date=start)
    table = Reservation._meta.db_table
    have = _sql(f"SELECT count(*) FROM {table}")[0][0]
    if have < RESERVATIONS:
        missing = RESERVATIONS - have
        print(f"  seeding {missing} residents with reservations ({have} there)", flush=True)
        started = time.monotonic()
        subprocess.run(
            [PYTHON, "manage.py", "seed_demo", "--residents", str(missing), "--reserve", "--force"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time(0)))
    (oldest,) = _sql(f"SELECT min(created_at) FROM {table}")[0]
    if oldest is not None and oldest < first - datetime.timedelta(days=1):
        print("  spreading the reservations over the campaign's four weeks", flush=True)
        started = time.monotonic()
        _sql(
            f"""
            UPDATE {table} SET created_at = %s + (now() - %s) * (
                (id - (SELECT min(id) FROM {table}))::float
                / ((SELECT max(id) FROM {table}) - (SELECT min(id) FROM {table}) + 1))
            """,
            [first, first],
        )
        # The counts of the hours left behind are zero now: gone, as if never made.
        _sql(f"DELETE FROM {ReservationHourCount._meta.db_table} WHERE count = 0")
        _sql(f"VACUUM FULL {ReservationHourCount._meta.db_table}")
        print(f"  spread in {time.monotonic() - started:.0f} s", flush=True)


def _draw_once() -> int:
    from django.utils import timezone

    from lottery import services

    services.supply_cover(packs=WINNERS, note="bench dashboard: stock for a draw")
    now = timezone.now()
    draw = services.draw_add_extra(
        scheduled_at=now + datetime.timedelta(hours=1),
        pool_cutoff=now + datetime.timedelta(minutes=30),
        actor=None,
    )
    made = services.draw_commit(draw=draw, notary=None, commitment=None, now=timezone.now())
    draw = services.draw_close_pool(
        draw=draw, quota=WINNERS, actor=None, now=timezone.now(), at_once=True
    )
    draw = services.draw_fix_public_value(draw=draw, value="bench dashboard", actor=None)
    draw = services.draw_reveal(draw=draw, secret=made.secret, notary=None)
    draw = services.draw_run(draw=draw, actor=None, now=timezone.now())
    services.draw_wins_settle(draw_id=draw.pk, now=timezone.now())
    return draw.pk


def _downstream(draw_id: int) -> None:
    """What became of a draw's wins, its SMS and its parcels, in SQL; again changes nothing."""
    from django.utils import timezone

    from notifications.models import OutboxMessage
    from notifications.models import State as Sms
    from pickup.models import Batch, Parcel, ParcelState, PickupPoint
    from reservations.models import Reservation
    from reservations.models import ReservationState as S

    reservations = Reservation._meta.db_table
    _sql(
        f"""
        UPDATE {reservations} SET state = CASE
            WHEN number %% 10 < 7 THEN (CASE WHEN number %% 20 < 7 THEN %s
                 WHEN number %% 100 < 10 THEN %s ELSE %s END)
            WHEN number %% 10 < 9 THEN %s ELSE state END
        WHERE won_draw_id = %s AND state = %s
        """,
        [
            S.COLLECTED.value,
            S.DELIVERED.value,
            S.ORDERED.value,
            S.LAPSED.value,
            draw_id,
            S.WON.value,
        ],
    )
    outbox = OutboxMessage._meta.db_table
    _sql(
        f"""
        UPDATE {outbox} SET
            state = CASE WHEN recipient !~ '^1[0-9]{{10}}$' THEN %s
                         WHEN id %% 50 = 0 THEN %s ELSE %s END,
            sent_at = CASE WHEN recipient ~ '^1[0-9]{{10}}$' AND id %% 50 <> 0 THEN now() END,
            last_error = CASE WHEN recipient !~ '^1[0-9]{{10}}$' THEN 'not a mobile number'
                              WHEN id %% 50 = 0 THEN 'gateway error' ELSE '' END
        WHERE state = %s AND (dedupe_key LIKE %s OR dedupe_key LIKE %s)
        """,
        [
            Sms.REFUSED.value,
            Sms.FAILED.value,
            Sms.SENT.value,
            Sms.QUEUED.value,
            f"win:{draw_id}:%",
            f"committee-win:{draw_id}:%",
        ],
    )
    today = timezone.localdate()
    for point in PickupPoint.objects.all():
        for back in range(7):
            Batch.objects.get_or_create(
                point=point, delivery_date=today - datetime.timedelta(days=back)
            )
        _sql(
            f"""
            INSERT INTO {Parcel._meta.db_table}
                (reservation_id, batch_id, town_id, community_id, state, missing, placed_at,
                 state_at, arrived_at)
            SELECT r.id, (ARRAY(SELECT id FROM {Batch._meta.db_table} WHERE point_id = %s
                                ORDER BY delivery_date DESC LIMIT 7))[1 + r.number %% 7],
                   r.town_id, r.community_id,
                   CASE WHEN r.state = %s THEN %s ELSE %s END, false, now(), now(), now()
            FROM {reservations} r
            WHERE r.won_draw_id = %s AND r.district_id = %s AND r.state IN (%s, %s)
              AND NOT EXISTS (SELECT 1 FROM {Parcel._meta.db_table} p WHERE p.reservation_id = r.id)
            ORDER BY r.number
            -- 2,000 a point and draw in all: a run after the first adds none.
            LIMIT greatest(0, 2000 - (
                SELECT count(*) FROM {Parcel._meta.db_table} p
                JOIN {Batch._meta.db_table} b ON b.id = p.batch_id
                JOIN {reservations} w ON w.id = p.reservation_id
                WHERE b.point_id = %s AND w.won_draw_id = %s))
            """,
            [
                point.pk,
                S.COLLECTED.value,
                ParcelState.COLLECTED.value,
                ParcelState.AT_POINT.value,
                draw_id,
                point.district_id,
                S.ORDERED.value,
                S.COLLECTED.value,
                point.pk,
                draw_id,
            ],
        )


def _draws_ensure() -> None:
    from lottery.models import DRAWN_STATES, Draw

    drawn = Draw.objects.filter(status__in=DRAWN_STATES).count()
    for _ in range(DRAWS - drawn):
        started = time.monotonic()
        draw_id = _draw_once()
        print(f"  draw {draw_id} drawn and settled in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    for draw_id in Draw.objects.filter(status__in=DRAWN_STATES).values_list("pk", flat=True):
        _downstream(draw_id)
    print(f"  wins, SMS and parcels moved on in {time.monotonic() - started:.0f} s", flush=True)


def _official_session() -> str:
    from django.contrib.auth.models import Group

    from city import roles
    from reservations.models import User

    user, _ = User.objects.get_or_create(username=OFFICIAL, defaults={"is_staff": True})
    user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=roles.OFFICIAL)])
    return session_key_for(user)


def setup(env: dict) -> str:
    from django.core.management import call_command

    # Production settings serve static files from the collected, hashed copies.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    call_command("load_fuzhou", stdout=io.StringIO())
    _reservations_ensure(env)
    _draws_ensure()
    _sql(
        "VACUUM ANALYZE reservations_reservation, reservations_reservationhourcount, "
        "reservations_reservationstatecount, notifications_outboxmessage, lottery_draw, "
        "pickup_batch, pickup_parcel, pickup_parcelcount"
    )
    return _official_session()


def variants() -> list[tuple[str, str, str]]:
    """(name, query string, language) of each page measured."""
    from django.utils import timezone

    from city.models import District

    today = timezone.localdate()
    week = f"since={today - datetime.timedelta(days=6)}&until={today}"
    district = District.objects.order_by("sort_order").values_list("pk", flat=True)[2]
    year = f"since={today - datetime.timedelta(days=365)}&until={today}"
    return [
        ("all districts, campaign so far", "", "zh-hans"),
        ("the same in English", "", "en"),
        ("one district", f"district={district}", "zh-hans"),
        ("last week", week, "zh-hans"),
        ("one district, last week", f"district={district}&{week}", "zh-hans"),
        ("the last year", year, "zh-hans"),
        ("bad filters (unfiltered)", "since=yesterday&district=x", "zh-hans"),
    ]


def _get(port: int, path: str, cookie: str, language: str) -> float:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Cookie": cookie, "Accept-Language": language},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        status = response.status
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200 or b'id="dashboard"' not in body:
        raise SystemExit(f"dashboard: {path} answered {status} without the dashboard")
    return elapsed


def run(seconds: float) -> bool:
    env = bench_env()
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    print(f"dashboard: setting up {RESERVATIONS} reservations and {DRAWS} draws", flush=True)
    started = time.monotonic()
    key = setup(env)
    print(f"  set up in {time.monotonic() - started:.0f} s", flush=True)
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    port = free_port()
    server = start_gunicorn(port)
    pages = [
        (name, "/admin/" + (f"?{query}" if query else ""), language)
        for name, query, language in variants()
    ]
    times: dict[str, list[float]] = {name: [] for name, _path, _language in pages}
    try:
        # Warm up every worker (each request goes to either): connections, templates, catalogs.
        for _ in range(WARMUP_ROUNDS):
            for _name, path, language in pages:
                _get(port, path, cookie, language)
        # Then the pages in turn, a request each per round: a burst of the machine's other work
        # falls on every page alike rather than on whichever was being measured.
        started = time.monotonic()
        for _ in range(REQUESTS):
            for name, path, language in pages:
                times[name].append(_get(port, path, cookie, language))
        measured = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = [(name, path, sorted(times[name])) for name, path, _language in pages]
    print(
        f"dashboard: {RESERVATIONS} reservations, {DRAWS} draws; {REQUESTS} requests per page, "
        f"one at a time, the pages in turn, signed in as an official ({measured:.0f} s)"
    )
    passed = True
    for name, path, times in results:
        median = statistics.median(times)
        passed &= median < GATE_MS
        record(
            f"dashboard {name}",
            median,
            "ms (median)",
            target=f"< {GATE_MS:.0f}",
            passed=median < GATE_MS,
            spread=f"{times[0]:.0f}-{times[-1]:.0f}",
        )
        print(
            f"  {name:<32} median {median:6.1f} ms  min {times[0]:6.1f}  "
            f"p90 {times[int(len(times) * 0.9) - 1]:6.1f}  max {times[-1]:6.1f}  ({path})"
        )
    print(f"  gate (each median < {GATE_MS:.0f} ms): {'PASS' if passed else 'FAIL'}")
    return passed

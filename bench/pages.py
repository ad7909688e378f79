"""The residents' pages at the peak, on the synthetic city (seed_demo, BENCH_RESIDENTS residents
with a waiting reservation each): the home page (a first-time visitor), "My reservation"
(signed-in residents with a waiting reservation, ME_RESIDENTS of them taken in turn, each with
their own session) and "did number X win?" (/results/?number=, RESULT_NUMBERS numbers spread
over the city taken in turn), each against a bare page behind the same middleware
(`/bench/baseline`; for "My reservation" the signed-in one, `/bench/baseline-signed-in`, which
loads session and user), through gunicorn with production settings, 20 keep-alive connections.
Gate: each page's throughput >= 0.5 of its bare page's, the median of ROUNDS rounds alternating
bare page and page (the machine's speed drifts); the spread of the rounds' ratios is shown.

Load generator: wrk (bench/page.lua) when there is one, otherwise bench.load (Python), pinned to
the last core.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import (
    CORES,
    LOAD_CORE,
    PYTHON,
    ROOT,
    bench_env,
    city_residents,
    free_port,
    record,
    run_load,
    session_key_for,
    start_gunicorn,
    wrk_command,
    wrk_find,
    wrk_name,
)

CONNECTIONS = 20
GATE = 0.5
ROUNDS = 7
# Rounds of 2 s flipped verdicts on a shared machine (home 0.27-0.97 in one run): at least 4 s.
MIN_ROUND_SECONDS = 4.0


def city_ensure(env: dict) -> None:
    """The synthetic city: seed_demo residents (phones 199...) topped up to BENCH_RESIDENTS,
    each with a waiting reservation (the draw and dashboard benchmarks use the same ones)."""
    from reservations.models import Resident

    have = Resident.objects.filter(user__phone__startswith="199").count()
    missing = city_residents() - have
    if missing > 0:
        print(f"  seeding {missing} residents with reservations ({have} there)", flush=True)
        subprocess.run(
            [PYTHON, "manage.py", "seed_demo", "--residents", str(missing), "--reserve", "--force"],
            cwd=ROOT,
            env=env,
            check=True,
        )


ME_RESIDENTS = 2000
RESULT_NUMBERS = 5000


def signed_in_cookies(count: int) -> tuple[list[str], list[str]]:
    """Session cookies (as login() stores them, in the configured SESSION_ENGINE) for `count`
    seeded residents with a waiting reservation, spread over the city; and the session keys,
    to delete after the run."""
    from django.conf import settings

    from reservations.models import Reservation, ReservationState

    users = [
        reservation.resident.user
        for reservation in Reservation.objects.filter(
            state=ReservationState.WAITING, resident__user__phone__startswith="199"
        )
        .select_related("resident__user")
        .order_by("-pk")[: count * 50 : 50]
    ]
    keys = [session_key_for(user) for user in users]
    return [f"{settings.SESSION_COOKIE_NAME}={key}" for key in keys], keys


def sessions_delete(keys: list[str]) -> None:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def result_paths(count: int) -> list[str]:
    """ "Did number X win?" for `count` numbers of waiting reservations, spread over the city."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reservations_reservation")
        step = max(1, cursor.fetchone()[0] // count)
        cursor.execute(
            "SELECT number FROM reservations_reservation WHERE state = 'waiting' AND id %% %s = 0 "
            "LIMIT %s",
            [step, count],
        )
        return [f"/results/?number={number:08d}" for (number,) in cursor.fetchall()]


def load(wrk: str | None, port: int, path: str, seconds: float, cookies: str, paths: str) -> dict:
    """`cookies` and `paths`: files of Cookie headers and of paths taken in turn, or "-"."""
    if wrk:
        command = wrk_command(
            wrk,
            port=port,
            path=path,
            script="page.lua",
            seconds=seconds,
            connections=CONNECTIONS,
            args=[cookies, "-", paths],
        )
        return run_load(command)
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.load",
            "--port",
            str(port),
            "--path",
            path,
            "--seconds",
            str(seconds),
            "--connections",
            str(CONNECTIONS),
            "--cpu",
            str(LOAD_CORE),
            "--cookies",
            cookies,
            "--paths",
            paths,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout)
    figures["ok"] = figures["requests"]
    return figures


def run(seconds: float) -> bool:
    env = bench_env()
    os.environ.update(env)
    import django

    django.setup()
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [PYTHON, "manage.py", "load_fuzhou"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    city_ensure(env)
    cookies, keys = signed_in_cookies(ME_RESIDENTS)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    (work / "cookies").write_text("\n".join(cookies) + "\n", encoding="utf-8")
    (work / "results").write_text("\n".join(result_paths(RESULT_NUMBERS)) + "\n", encoding="utf-8")
    me_cookies, results = str(work / "cookies"), str(work / "results")
    # (name, page, its bare page, cookies file, paths file)
    pages = [
        ("home", "/", "/bench/baseline", "-", "-"),
        ("me", "/me/", "/bench/baseline-signed-in", me_cookies, "-"),
        ("results", "/results/", "/bench/baseline", "-", results),
    ]
    wrk = wrk_find()
    port = free_port()
    server = start_gunicorn(port)
    per_round = max(MIN_ROUND_SECONDS, seconds / ROUNDS)
    measured = {}
    try:
        for _name, path, bare, who, where in pages:  # warm up connections and caches
            load(wrk, port, bare, 1, who, "-")
            load(wrk, port, path, 1, who, where)
        for name, path, bare, who, where in pages:
            rounds = []
            for _ in range(ROUNDS):
                rounds.append(
                    (
                        load(wrk, port, bare, per_round, who, "-"),
                        load(wrk, port, path, per_round, who, where),
                    )
                )
            measured[name] = rounds
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
        sessions_delete(keys)
        shutil.rmtree(work, ignore_errors=True)
    generator = wrk_name(wrk) if wrk else "bench.load (Python)"
    print(
        f"pages: {city_residents():,} residents; gunicorn {CORES} workers x 4 threads; "
        f"{generator}, {CONNECTIONS} keep-alive connections pinned to core {LOAD_CORE}; "
        f"{ROUNDS} rounds of {per_round:.0f} s alternating bare page and page"
    )
    passed = True
    for name, _path, bare, _who, _where in pages:
        rounds = measured[name]
        ratios = sorted(p["rps"] / b["rps"] if b["rps"] else 0 for b, p in rounds)
        ratio = ratios[len(ratios) // 2]
        page_rps = sorted(p["rps"] for _, p in rounds)[len(rounds) // 2]
        bare_rps = sorted(b["rps"] for b, _ in rounds)[len(rounds) // 2]
        p99 = max(p["p99_ms"] for _, p in rounds)
        errors = sum(p.get("errors", 0) + b.get("errors", 0) for b, p in rounds)
        ok = ratio >= GATE and errors == 0
        passed &= ok
        print(
            f"  {name:<8} {page_rps:7.0f} requests/s (p99 {p99:5.1f} ms) against {bare_rps:7.0f} "
            f"({bare}): {ratio:.2f}, rounds {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"{errors} errors: {'PASS' if ok else 'FAIL'}"
        )
        record(
            name,
            page_rps,
            "requests/s",
            baseline=bare_rps,
            ratio=ratio,
            target=f">= {GATE} x",
            passed=ok,
            spread=f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
        )
    return passed

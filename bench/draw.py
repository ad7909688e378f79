"""Draw: 100,000 winners from a pool of 3,000,000. The project's path (close the pool at once,
fix the public value, reveal, draw: winners recorded, outbox rows queued, files published, all
committed) runs in a subprocess of its own, so that its peak memory can be read when it exits.
Baseline, same run, same data, also a subprocess: plain psycopg2 and Python read the waiting
numbers, rank them with HMAC (lottery.verify.line_ranker), keep the 100,000 smallest and bulk-update
those reservations in one statement, then roll back. Gates: project total <= 10 s, peak memory
< 1 GiB, and at most 2x the baseline. The draw records its wins in their own table
(lottery.Win), which every reader consults; copying them onto the reservations' state afterwards
("settling", what the draw task does next) is timed and printed separately, outside the total.

Set-up, in the bench database: the Fuzhou reference data and a campaign configuration; waiting
reservations topped up to the pool size with `seed_demo --reserve --force` (about 50 s per
million, kept between runs); stock recorded to cover the quota; a draw left with its pool
closed by an earlier, interrupted run is cancelled. After the project's draw its effects are
undone (winners back to waiting, its wins and outbox rows deleted, the draw cancelled; its files
and log entries stay, the log being append-only), then VACUUM ANALYZE (autovacuum is off on the
dev server), so the baseline and the next run find the same pool.

Internal: `python -m bench.draw worker QUOTA` runs the project's path and prints JSON;
`python -m bench.draw baseline QUOTA` runs the baseline and prints JSON.
BENCH_DRAW_POOL and BENCH_DRAW_WINNERS change the sizes.
"""

import io
import json
import os
import subprocess
import sys
import time

from bench.common import CORES, PYTHON, ROOT, bench_env, record

# The city's residents (python -m bench --residents), each with a waiting reservation; 100,000
# winners of 3,000,000, as many per resident in a smaller city.
POOL = int(os.environ.get("BENCH_DRAW_POOL", os.environ.get("BENCH_RESIDENTS", "3000000")))
WINNERS = int(os.environ.get("BENCH_DRAW_WINNERS", str(max(1, POOL // 30))))
GATE_MEMORY_MIB = 1024.0
GATE_RATIO = 3.0  # issue 17: at most 3 x the baseline measured in the same run
BASELINE_KEY_MATERIAL = b"bench-draw-baseline"


# --- set-up in the bench database -------------------------------------------------------------


def _vacuum(*tables: str) -> None:
    from django.db import connection

    # Outside any transaction: Django's connection is in autocommit mode here.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def _waiting() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reservations_reservation WHERE state = 'waiting'")
        return cursor.fetchone()[0]


def setup(env: dict) -> int:
    """Reference data, campaign, pool, stock; returns the number of waiting reservations."""
    from django.core.management import call_command
    from django.db import connection

    from city.models import CampaignConfig
    from lottery.services import supply_cover

    call_command("load_fuzhou", stdout=io.StringIO())
    CampaignConfig.objects.get_or_create(pk=CampaignConfig.SINGLETON_ID)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM lottery_draw WHERE status = 'pool_closed'")
        stuck = [row[0] for row in cursor.fetchall()]
        if stuck:
            cursor.execute(
                "UPDATE lottery_draw SET status = 'cancelled' WHERE id = ANY(%s)", [stuck]
            )
            cursor.execute("DELETE FROM reservations_poolsnapshot WHERE draw_id = ANY(%s)", [stuck])
            print(f"  cancelled draw(s) {stuck} left with their pool closed by an earlier run")

    waiting = _waiting()
    if waiting < POOL:
        missing = POOL - waiting
        print(
            f"  seeding {missing} residents with waiting reservations "
            f"({waiting} waiting; about {missing / 1e6 * 50:.0f} s)",
            flush=True,
        )
        started = time.monotonic()
        subprocess.run(
            [
                PYTHON,
                "manage.py",
                "seed_demo",
                "--residents",
                str(missing),
                "--reserve",
                "--force",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
        waiting = _waiting()

    supply_cover(packs=WINNERS, note="bench draw: arrival recorded to cover the quota")
    _vacuum(
        "reservations_reservation", "notifications_outboxmessage", "lottery_draw", "lottery_win"
    )
    return waiting


def release_winners(draw_id: int, *, cursor) -> None:
    """The draw's winners back to waiting, its wins, outbox rows and pool snapshot gone (inside
    the caller's transaction): the city as it was before the draw, for the next run."""
    cursor.execute(
        "UPDATE reservations_reservation SET state = 'waiting', won_at = NULL, "
        "won_draw_id = NULL WHERE won_draw_id = %s",
        [draw_id],
    )
    cursor.execute("DELETE FROM lottery_win WHERE draw_id = %s", [draw_id])
    cursor.execute("DELETE FROM reservations_poolsnapshot WHERE draw_id = %s", [draw_id])
    cursor.execute(
        "DELETE FROM notifications_outboxmessage WHERE dedupe_key LIKE %s OR dedupe_key LIKE %s",
        [f"win:{draw_id}:%", f"committee-win:{draw_id}:%"],
    )


def undo(draw_id: int) -> None:
    """Winners back to waiting, the draw's outbox rows and pool snapshot gone, the draw
    cancelled."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        release_winners(draw_id, cursor=cursor)
        cursor.execute("UPDATE lottery_draw SET status = 'cancelled' WHERE id = %s", [draw_id])
    _vacuum(
        "reservations_reservation", "notifications_outboxmessage", "lottery_draw", "lottery_win"
    )


# --- the subprocesses -------------------------------------------------------------------------


def _run_child(args: list[str], env: dict) -> tuple[int, str, float]:
    """Run `python -m bench.draw ARGS`; returns (exit status, stdout, peak RSS in MiB)."""
    child = subprocess.Popen(
        [PYTHON, "-m", "bench.draw", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    out = child.stdout.read()
    child.stdout.close()
    # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would include seed_demo's).
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, out, usage.ru_maxrss / 1024  # Linux: ru_maxrss in KiB


def worker(quota: int) -> None:
    """The project's path, in this process: add, commit, then close + fix + reveal + draw."""
    import datetime

    import django

    django.setup()
    from django.utils import timezone

    from lottery import services

    created = timezone.now()
    draw = services.draw_add_extra(
        scheduled_at=created + datetime.timedelta(hours=1),
        pool_cutoff=created + datetime.timedelta(minutes=30),
        actor=None,
    )
    print(f"draw {draw.pk}", flush=True)  # so the parent can undo it whatever happens next
    made = services.draw_commit(draw=draw, notary=None, commitment=None, now=timezone.now())

    started = time.monotonic()
    draw = services.draw_close_pool(
        draw=draw, quota=quota, actor=None, now=timezone.now(), at_once=True
    )
    closed = time.monotonic()
    draw = services.draw_fix_public_value(draw=draw, value="bench", actor=None)
    draw = services.draw_reveal(draw=draw, secret=made.secret, notary=None)
    steps: list[tuple[str, float]] = []
    draw = services.draw_run(
        draw=draw,
        actor=None,
        now=timezone.now(),
        progress=lambda step, percent: steps.append((step, time.monotonic())),
    )
    finished = time.monotonic()
    # Not part of the draw: its wins are recorded and readable once it commits. This copies them
    # onto the reservations, as the draw task does next; timed on its own.
    settled = services.draw_wins_settle(draw_id=draw.pk, now=timezone.now())
    settle_s = time.monotonic() - finished
    marks = [step_started for _, step_started in steps] + [finished]
    result = {
        "draw_id": draw.pk,
        "close_s": closed - started,
        "draw_s": finished - closed,
        "total_s": finished - started,
        "settle_s": settle_s,
        "settled": settled,
        "pool_size": draw.pool_size,
        "winners": draw.winners_count,
        "steps": {name: marks[i + 1] - marks[i] for i, (name, _) in enumerate(steps)},
    }
    print(json.dumps(result), flush=True)


def baseline(quota: int) -> None:
    """Plain psycopg2 and Python: read, rank with HMAC, bulk-update, roll back."""
    import hashlib
    import heapq

    import psycopg2

    from lottery.verify import line_ranker

    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        key = hashlib.sha256(BASELINE_KEY_MATERIAL).digest()
        with connection.cursor() as cursor:
            started = time.monotonic()
            cursor.execute(
                "SELECT number FROM reservations_reservation WHERE state = 'waiting' "
                "ORDER BY number"
            )
            numbers = [row[0] for row in cursor.fetchall()]
            read = time.monotonic()
            rank_line = line_ranker(key)
            smallest = heapq.nsmallest(quota, ((rank_line(b"%08d" % n), n) for n in numbers))
            chosen = sorted(number for _, number in smallest)
            ranked = time.monotonic()
            cursor.execute(
                """
                UPDATE reservations_reservation AS r
                SET state = 'won', won_at = now()
                FROM unnest(%s::integer[]) AS w(number)
                WHERE r.number = w.number AND r.state = 'waiting'
                """,
                [chosen],
            )
            marked = cursor.rowcount
            finished = time.monotonic()
        connection.rollback()
    finally:
        connection.close()
    result = {
        "total_s": finished - started,
        "read_s": read - started,
        "rank_s": ranked - read,
        "update_s": finished - ranked,
        "pool_size": len(numbers),
        "winners": marked,
    }
    print(json.dumps(result), flush=True)


def _last_json(out: str) -> dict | None:
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


# --- the benchmark ----------------------------------------------------------------------------


def run(seconds: float) -> bool:
    env = bench_env()
    os.environ.update(env)
    import django

    django.setup()

    print(f"draw: setting up a pool of {POOL} in the bench database", flush=True)
    setup(env)

    status, out, project_mib = _run_child(["worker", str(WINNERS)], env)
    draw_ids = [int(line.split()[1]) for line in out.splitlines() if line.startswith("draw ")]
    project = _last_json(out) if status == 0 else None
    for draw_id in draw_ids:
        undo(draw_id)
    if project is None:
        print(f"draw: the project's draw failed (exit status {status})")
        return False

    status, out, baseline_mib = _run_child(["baseline", str(WINNERS)], env)
    base = _last_json(out) if status == 0 else None
    if base is None:
        print(f"draw: the baseline failed (exit status {status})")
        return False

    total, ratio = project["total_s"], project["total_s"] / base["total_s"]
    print(f"draw: pool of {project['pool_size']}, {project['winners']} winners ({CORES} cores)")
    print(
        f"  project: close {project['close_s']:.1f} s + draw {project['draw_s']:.1f} s "
        f"= {total:.1f} s, peak memory {project_mib:.0f} MiB"
    )
    print("    draw steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in project["steps"].items()))
    print(
        f"    after the draw had committed (not in the total): {project['settled']} "
        f"reservations marked won in {project['settle_s']:.1f} s"
    )
    print(
        f"  baseline (read, rank with HMAC, bulk-update, plain SQL and Python): "
        f"{base['total_s']:.1f} s (read {base['read_s']:.1f} s, rank {base['rank_s']:.1f} s, "
        f"update {base['update_s']:.1f} s; pool {base['pool_size']}, "
        f"{base['winners']} updated), peak memory {baseline_mib:.0f} MiB"
    )
    print(f"  ratio T/B: {ratio:.2f}")
    gates = [
        ("memory < 1 GiB", project_mib < GATE_MEMORY_MIB),
        (f"ratio <= {GATE_RATIO:.1f}", ratio <= GATE_RATIO),
    ]
    print("  gates: " + "; ".join(f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in gates))
    sys.stdout.flush()
    record(
        "draw",
        total,
        "s",
        baseline=base["total_s"],
        ratio=ratio,
        target=f"<= {GATE_RATIO:.1f} x",
        passed=ratio <= GATE_RATIO,
    )
    record(
        "draw memory",
        project_mib,
        "MiB",
        target=f"< {GATE_MEMORY_MIB:.0f}",
        passed=project_mib < GATE_MEMORY_MIB,
    )
    return all(ok for _, ok in gates)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("worker", "baseline"):
        # Run from the parent with bench_env() already in the environment.
        {"worker": worker, "baseline": baseline}[sys.argv[1]](int(sys.argv[2]))
    else:
        sys.exit("usage: python -m bench.draw worker|baseline QUOTA (or: python -m bench draw)")

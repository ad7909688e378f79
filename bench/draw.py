"""Draw: 100,000 winners from a pool of 3,000,000. The project's path (close the pool at once,
fix the public value, reveal, draw: winners recorded, outbox rows queued, files and the pool's
tree published, all committed) runs in a subprocess of its own, so that its peak memory can be
read when it exits.

Baseline (issue 17), same run, same data, also a subprocess: the irreducible work of a draw,
reading the pool file that project draw stored and computing the HMAC rank of each of its
3,000,000 lines on both cores (`lottery.ranking.line_ranker`, the draw's own primitive, under
that draw's key; a forked process ranks half), nothing else. Rounds alternate, a project draw
then the baseline on its pool file, BENCH_DRAW_ROUNDS of them (3); the figure is the median
ratio and the rounds' spread is shown. Gates: at most 3.0 x the baseline, peak memory < 1 GiB.

The draw records its wins in their own table (lottery.Win), which every reader consults;
copying them onto the reservations' state afterwards ("settling", what the draw task does
next) is timed and printed separately, outside the total, after the first round's draw.

Set-up, in the bench database: the Fuzhou reference data and a campaign configuration; waiting
reservations topped up to the pool size with `seed_demo --reserve --force` (about 50 s per
million, kept between runs); stock recorded to cover the quota; a draw left with its pool
closed by an earlier, interrupted run is cancelled. After each project draw its effects are
undone (winners back to waiting, its wins and outbox rows deleted, the draw cancelled; its files
and log entries stay, the log being append-only, and the baseline reads its pool file), then
VACUUM ANALYZE (autovacuum is off on the dev server), so the next round finds the same pool.

Internal: `python -m bench.draw worker QUOTA [settle]` runs the project's path and prints JSON;
`python -m bench.draw baseline DRAW_ID` runs the baseline on that draw's pool file and prints
JSON. BENCH_DRAW_POOL and BENCH_DRAW_WINNERS change the sizes.
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
# Alternating rounds (a project draw, then the baseline on that draw's pool file); the median
# ratio is the figure and the spread is shown.
ROUNDS = int(os.environ.get("BENCH_DRAW_ROUNDS", "3"))


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


def worker(quota: int, *, settle: bool) -> None:
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
    # onto the reservations, as the draw task does next; timed on its own (first round only).
    settled = services.draw_wins_settle(draw_id=draw.pk, now=timezone.now()) if settle else 0
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


def baseline(draw_id: int) -> None:
    """The irreducible work, on both cores: read the pool file that draw `draw_id` stored and
    compute the HMAC rank of each of its lines, nothing else. Same driver and query shape as
    the draw's read (one row of lottery_drawfile), same ranking primitive as the draw
    (`lottery.ranking.line_ranker`, under the draw's own key); a forked process ranks the second
    half while this one ranks the first, each keeping only its smallest rank (so that every
    rank is computed and none is stored)."""
    import psycopg2

    from lottery import ranking, verify

    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT secret, pool_digest, public_value FROM lottery_draw WHERE id = %s",
                [draw_id],
            )
            secret, digest, public_value = cursor.fetchone()
            rank_of = ranking.line_ranker(
                verify.draw_key(bytes.fromhex(secret), digest, public_value)
            )
            started = time.monotonic()
            cursor.execute(
                "SELECT content FROM lottery_drawfile WHERE draw_id = %s AND name = 'pool'",
                [draw_id],
            )
            content = bytes(cursor.fetchone()[0])
            lines = content.split(b"\n")
            lines.pop()  # after the last line break
            read = time.monotonic()
            half = len(lines) // 2
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the other core: the second half
                status = 1
                try:
                    os.close(read_end)
                    with os.fdopen(write_end, "wb") as out:
                        out.write(min(map(rank_of, lines[half:]), default=b""))
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            smallest = min(map(rank_of, lines[:half]), default=b"")
            with os.fdopen(read_end, "rb") as pipe:
                theirs = pipe.read()
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0 or len(theirs) != 32:
                raise RuntimeError("the baseline's ranking helper failed")
            smallest = min(smallest, theirs)
            finished = time.monotonic()
        connection.rollback()
    finally:
        connection.close()
    result = {
        "total_s": finished - started,
        "read_s": read - started,
        "rank_s": finished - read,
        "pool_size": len(lines),
        "smallest_rank": smallest.hex(),
    }
    print(json.dumps(result), flush=True)


def _last_json(out: str) -> dict | None:
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


# --- the benchmark ----------------------------------------------------------------------------


def _project_round(env: dict, *, settle: bool) -> tuple[dict | None, float]:
    """One project draw in its own process, then undone; (its figures or None, peak MiB)."""
    args = ["worker", str(WINNERS)] + (["settle"] if settle else [])
    status, out, mib = _run_child(args, env)
    draw_ids = [int(line.split()[1]) for line in out.splitlines() if line.startswith("draw ")]
    for draw_id in draw_ids:
        undo(draw_id)
    return (_last_json(out) if status == 0 else None), mib


def run(seconds: float) -> bool:
    env = bench_env()
    os.environ.update(env)
    import django

    django.setup()

    print(f"draw: setting up a pool of {POOL} in the bench database", flush=True)
    setup(env)

    projects, baselines, ratios, memory = [], [], [], []
    for round_number in range(ROUNDS):
        # The first draw also settles its wins (printed, not in the total); the others need not.
        project, mib = _project_round(env, settle=round_number == 0)
        if project is None:
            print(f"draw: the project's draw failed (round {round_number + 1})")
            return False
        # The baseline reads the pool file this very draw stored: the same data.
        status, out, _ = _run_child(["baseline", str(project["draw_id"])], env)
        base = _last_json(out) if status == 0 else None
        if base is None or base["pool_size"] != project["pool_size"]:
            print(f"draw: the baseline failed (exit status {status}, round {round_number + 1})")
            return False
        projects.append(project)
        baselines.append(base)
        ratios.append(project["total_s"] / base["total_s"])
        memory.append(mib)
        steps = ", ".join(f"{k} {v:.2f}" for k, v in project["steps"].items())
        print(
            f"  round {round_number + 1}: project {project['total_s']:.2f} s "
            f"(close {project['close_s']:.2f}; {steps}), {mib:.0f} MiB; "
            f"baseline {base['total_s']:.2f} s (read {base['read_s']:.2f}, "
            f"rank {base['rank_s']:.2f}); ratio {ratios[-1]:.2f}",
            flush=True,
        )

    middle = sorted(range(ROUNDS), key=lambda i: ratios[i])[ROUNDS // 2]
    project, base, ratio = projects[middle], baselines[middle], ratios[middle]
    project_mib = max(memory)
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(
        f"draw: pool of {project['pool_size']}, {project['winners']} winners ({CORES} cores), "
        f"median of {ROUNDS} rounds (round {middle + 1})"
    )
    print(
        f"  project: close {project['close_s']:.2f} s + draw {project['draw_s']:.2f} s "
        f"= {project['total_s']:.2f} s, peak memory {project_mib:.0f} MiB (highest of the rounds)"
    )
    print("    draw steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in project["steps"].items()))
    settled = projects[0]
    print(
        f"    after round 1's draw had committed (not in the total): {settled['settled']} "
        f"reservations marked won in {settled['settle_s']:.1f} s"
    )
    print(
        f"  baseline (read the stored pool file, HMAC-rank its lines on {CORES} cores): "
        f"{base['total_s']:.2f} s (read {base['read_s']:.2f} s, rank {base['rank_s']:.2f} s; "
        f"{base['pool_size']} lines)"
    )
    print(f"  ratio T/B: {ratio:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    gates = [
        ("memory < 1 GiB", project_mib < GATE_MEMORY_MIB),
        (f"ratio <= {GATE_RATIO:.1f}", ratio <= GATE_RATIO),
    ]
    print("  gates: " + "; ".join(f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in gates))
    sys.stdout.flush()
    record(
        "draw",
        project["total_s"],
        "s",
        baseline=base["total_s"],
        ratio=ratio,
        target=f"<= {GATE_RATIO:.1f} x",
        passed=ratio <= GATE_RATIO,
        spread=spread,
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
    # Run from the parent with bench_env() already in the environment.
    if len(sys.argv) in (3, 4) and sys.argv[1] == "worker":
        worker(int(sys.argv[2]), settle=sys.argv[3:] == ["settle"])
    elif len(sys.argv) == 3 and sys.argv[1] == "baseline":
        baseline(int(sys.argv[2]))
    else:
        sys.exit(
            "usage: python -m bench.draw worker QUOTA [settle] | baseline DRAW_ID "
            "(or: python -m bench draw)"
        )

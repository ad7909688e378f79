"""Proof: GET /draws/<id>/proof?number=NNNNNNNN through the real stack (gunicorn, production
settings and middleware) against a signed-off draw of 3,000,000 numbers; 20 concurrent
connections, nine requests in ten for a random number of the pool, one in ten for a number not
in it. Baseline, same run and server: a view behind the same middleware that reads the same
number and does one indexed SELECT. Gate: proof throughput >= 0.5 of the baseline's, as the
median of five rounds alternating baseline and proof (the machine's speed drifts).

Set-up, in the bench database: the pool the draw benchmark uses (bench.draw.setup: waiting
reservations topped up to 3,000,000 with seed_demo), then, unless a previous run left one, a
draw made by the real services (added, committed, pool closed, public value fixed, revealed,
drawn with 100,000 winners, signed off by a bench notary) and kept between runs. Its winners
are then put back to waiting (their wins and messages deleted), so that the draw benchmark
finds its pool unchanged; the draw itself, its files and its stored tree stay.

Also printed: what building the tree costs at this size (on the real pool's lines), the bytes
stored for it, and the selector's own time per proof in this process.

Load generator: Debian's wrk, one thread pinned to the last core, bench/proof.lua cycling
through the paths. BENCH_PROOF_POOL changes the pool size (default 3,000,000).
"""

import io
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import (
    CORES,
    LOAD_CORE,
    bench_env,
    combine,
    free_port,
    median_ratio,
    record,
    report,
    run_load,
    start_gunicorn,
    wrk_command,
    wrk_find,
    wrk_name,
)

CONNECTIONS = 20
GATE = 0.5
ROUNDS = 5
# Rounds of 2 s gave 0.38 to 0.63 from one run to the next on the same code; rounds of 8 s gave
# 0.63 and 0.66 (round spread 0.53-1.43): the verdict needs the longer rounds.
MIN_ROUND_SECONDS = 8.0
POOL = int(os.environ.get("BENCH_PROOF_POOL", "3000000"))
WINNERS = 100_000
REASON = "bench proof"
NOTARY = "bench-notary"
PATHS = 20_000
BASELINE = "/bench/baseline-proof"


# --- set-up in the bench database -------------------------------------------------------------


def _notary():
    from django.contrib.auth.models import Group

    from city import roles
    from reservations.models import User

    user, _ = User.objects.get_or_create(username=NOTARY, defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.NOTARY))
    return user


def _release_winners(draw_id: int) -> None:
    """The draw's winners back to waiting, its wins, messages and pool snapshot gone (as
    bench.draw.undo), the draw kept as it is: signed off, with its files and tree."""
    from django.db import connection, transaction

    from bench.draw import release_winners

    with transaction.atomic(), connection.cursor() as cursor:
        release_winners(draw_id, cursor=cursor)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE reservations_reservation, notifications_outboxmessage, lottery_win"
        )


def sealed_draw(env: dict):
    """The signed-off bench draw of POOL numbers; made now if no earlier run left one. Returns
    (draw, seconds its draw_run took, or None when it was kept from an earlier run)."""
    import datetime

    from django.utils import timezone

    from bench import draw as draw_bench
    from lottery import services
    from lottery.models import Draw, DrawStatus

    kept = (
        Draw.objects.filter(
            reason=REASON,
            status=DrawStatus.SIGNED_OFF,
            pool_size__gte=POOL,
            pool_tree__isnull=False,
        )
        .order_by("-pk")
        .first()
    )
    if kept is not None:
        return kept, None
    print(f"proof: making a signed-off draw of {POOL} (kept for later runs)", flush=True)
    draw_bench.setup(env)
    created = timezone.now()
    draw = services.draw_add_extra(
        scheduled_at=created + datetime.timedelta(hours=1),
        pool_cutoff=created + datetime.timedelta(minutes=30),
        actor=None,
    )
    Draw.objects.filter(pk=draw.pk).update(reason=REASON)
    made = services.draw_commit(draw=draw, notary=None, commitment=None, now=timezone.now())
    draw = services.draw_close_pool(
        draw=draw, quota=WINNERS, actor=None, now=timezone.now(), at_once=True
    )
    try:
        draw = services.draw_fix_public_value(draw=draw, value="bench proof", actor=None)
        draw = services.draw_reveal(draw=draw, secret=made.secret, notary=None)
        started = time.monotonic()
        draw = services.draw_run(draw=draw, actor=None, now=timezone.now())
        draw_seconds = time.monotonic() - started
        draw = services.draw_sign_off(
            draw=draw,
            notary=_notary(),
            now=timezone.now(),
            statement="Bench draw: signed off for the proof benchmark.",
            certificate_number="BENCH-PROOF",
        )
    finally:
        _release_winners(draw.pk)
    if draw.status != DrawStatus.SIGNED_OFF:
        raise SystemExit(f"proof: the bench draw is {draw.status}, not signed off")
    return draw, draw_seconds


def pool_lines(draw) -> list[bytes]:
    from lottery.models import DrawFile

    content = bytes(DrawFile.objects.get(draw=draw, name=DrawFile.Name.POOL).content)
    return content.split(b"\n")[:-1]


def tree_cost(lines: list[bytes]) -> tuple[float, float]:
    """What building the tree costs at this size (seconds): on one core as such, and to a
    caller that waits for its forked helper (`ranking.ChunkRoots`) at once, with no database
    work to overlap it, as the draw has."""
    from lottery import merkle, ranking

    started = time.perf_counter()
    merkle.chunk_roots(lines)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    ranking.ChunkRoots(lines).result()
    return alone, time.perf_counter() - started


def selector_times(draw, numbers: list[int]) -> tuple[float, list[float]]:
    """The selector's time for the first proof in a process (it reads the draw and its tree)
    and for the next ones (milliseconds), its one query included."""
    from lottery import selectors

    selectors._drawn.cache_clear()
    times = []
    for number in numbers:
        started = time.perf_counter()
        selectors.number_proof_of(draw_id=draw.pk, number=number)
        times.append((time.perf_counter() - started) * 1000)
    return times[0], sorted(times[1:])


def write_paths(draw, lines: list[bytes], directory: Path) -> tuple[Path, Path, list[int]]:
    """The same numbers for both: nine in ten from the pool, one in ten not in it."""
    generator = random.Random(16)
    members = [int(line) for line in generator.sample(lines, PATHS * 9 // 10)]
    pool = set(lines)
    outside = []
    while len(outside) < PATHS - len(members):
        number = generator.randrange(10_000_000, 100_000_000)
        if b"%08d" % number not in pool:
            outside.append(number)
    numbers = members + outside
    generator.shuffle(numbers)
    proofs, baseline = directory / "proof.txt", directory / "baseline.txt"
    proofs.write_text("".join(f"/draws/{draw.pk}/proof?number={n:08d}\n" for n in numbers))
    baseline.write_text("".join(f"{BASELINE}?number={n:08d}\n" for n in numbers))
    return proofs, baseline, numbers


# --- load -------------------------------------------------------------------------------------


def load(wrk: str, port: int, paths: Path, expect: str, seconds: float) -> dict:
    first = paths.read_text().split("\n", 1)[0]
    return run_load(
        wrk_command(
            wrk,
            port=port,
            path=first,
            script="proof.lua",
            seconds=seconds,
            connections=CONNECTIONS,
            args=[paths, expect],
        )
    )


# --- the benchmark ----------------------------------------------------------------------------


def run(seconds: float) -> bool:
    env = bench_env()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from lottery.models import PoolTree

    wrk = wrk_find()
    if not wrk:
        print("proof: wrk is needed (apt-get install wrk)")
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_fuzhou", stdout=io.StringIO())
    started = time.monotonic()
    draw, draw_seconds = sealed_draw(env)
    setup_seconds = time.monotonic() - started
    lines = pool_lines(draw)
    alone, waited = tree_cost(lines)
    tree = PoolTree.objects.get(draw=draw)
    stored = len(tree.upper_levels) + len(tree.chunk_firsts)
    tmp = Path(tempfile.mkdtemp(prefix="bench-proof-"))
    proofs, baselines, numbers = write_paths(draw, lines, tmp)
    first_ms, next_ms = selector_times(draw, numbers[:1000])
    del lines
    port = free_port()
    server = start_gunicorn(port)
    try:
        load(wrk, port, baselines, '"found"', 1)  # warm up both paths (and each tree cache)
        load(wrk, port, proofs, '"in_pool"', 2)
        per_round = max(seconds / ROUNDS, MIN_ROUND_SECONDS)
        rounds = []
        for _ in range(ROUNDS):
            base = load(wrk, port, baselines, '"found"', per_round)
            proved = load(wrk, port, proofs, '"in_pool"', per_round)
            rounds.append((base, proved))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    baseline = combine([b for b, _ in rounds])
    proof = combine([p for _, p in rounds])
    print(f"proof: gunicorn {CORES} workers x 4 threads, production settings")
    made = (
        f"made now in {setup_seconds:.0f} s (its draw_run {draw_seconds:.1f} s)"
        if draw_seconds is not None
        else "kept from an earlier run"
    )
    print(f"  draw #{draw.pk}: signed off, pool of {draw.pool_size}, {made}")
    print(
        f"  the pool's Merkle tree (level 8) at this size: {alone:.2f} s on one core "
        f"({waited:.2f} s from the forked helper; the draw overlaps it with its transaction)"
    )
    print(
        f"  stored tree: {stored} bytes ({len(tree.upper_levels)} of levels 8 and up, "
        f"{len(tree.chunk_firsts)} of chunks' first lines)"
    )
    print(
        f"  selector in-process: first proof {first_ms:.1f} ms (reads the tree), then median "
        f"{next_ms[len(next_ms) // 2]:.2f} ms, p99 {next_ms[len(next_ms) * 99 // 100]:.2f} ms"
    )
    print(
        f"  load generator: {wrk_name(wrk)}, 1 thread, {CONNECTIONS} keep-alive connections, "
        f"pinned to core {LOAD_CORE}; {PATHS} numbers, 10 % not in the pool"
    )
    report("baseline", baseline)
    print("    (the same number read, then one indexed SELECT)")
    report("proof", proof)
    ratios, ratio = median_ratio(rounds)
    print(
        f"  rounds (baseline, proof alternating, {per_round:.1f} s each): "
        + ", ".join(f"{value:.2f}" for value in ratios)
    )
    print(f"  proof / baseline throughput, median of the rounds: {ratio:.2f}")
    passed = ratio >= GATE
    print(f"  gate (>= {GATE} of baseline): {'PASS' if passed else 'FAIL'}")
    clean = proof["errors"] == 0 and baseline["errors"] == 0 and proof["ok"] > 0
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    record(
        "proof",
        proof["rps"],
        "requests/s",
        baseline=baseline["rps"],
        ratio=ratio,
        target=f">= {GATE} x",
        passed=passed and clean,
        spread=spread,
    )
    record("proof p99", proof["p99_ms"], "ms", baseline=baseline["p99_ms"], spread=spread)
    return passed and clean

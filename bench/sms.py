"""100,000 queued messages delivered to a loopback gateway that answers at once, by the
project's own Celery workers (one process per core), against a baseline that POSTs the same
messages the way the project's HTTP backend does, from as many processes, with no database.

Alternating rounds, each baseline round followed by a project round of the same size
(BENCH_SMS_ROUNDS, default 4, of BENCH_SMS_MESSAGES / rounds messages, default 25,000): the
project's figure is the sum of its rounds, which together send 100,000 messages out of one
outbox that grows to 100,000 rows (nothing is deleted or vacuumed between rounds, as in one
drain of 100,000). Gate: the median of the rounds' time ratios at most 1.3 (issue 17); every
message sent, each exactly once (the gateway's count).

Celery's broker is REDIS_URL's own Redis database, with every key of this run's under a prefix
of its own (kombu's `global_keyprefix`, CELERY_BROKER_KEY_PREFIX in config/settings/bench.py):
the bench starts from an empty queue without flushing a database, and deletes only its own
keys at the end. The test suite's database (TEST_REDIS_URL, else 15) is never touched.
"""

import os
import resource
import statistics
import subprocess
import sys
import time
import uuid

from bench.common import BIN, CORES, PYTHON, ROOT, bench_env, record, wait_for_port

MESSAGES = int(os.environ.get("BENCH_SMS_MESSAGES", "100000"))
ROUNDS = int(os.environ.get("BENCH_SMS_ROUNDS", "4"))
GATE_RATIO = 1.3  # issue 17: at most 1.3 x the no-database baseline of the same run
GIVE_UP_SECONDS = 300.0
TOKEN = "bench-token"
NUMBER = "NUMBER"  # where the baseline sender puts each message's number in the text


def start_gateway() -> tuple[subprocess.Popen, int]:
    gateway = subprocess.Popen(
        [PYTHON, "-m", "tests.fakes.sms_gateway", "--port", "0", "--token", TOKEN],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = gateway.stdout.readline().split()
    if line[:1] != ["listening"]:
        raise SystemExit(f"gateway did not start: {line}")
    port = int(line[1])
    wait_for_port(port, gateway, "gateway")
    return gateway, port


def win(i: int):
    from notifications.models import Kind
    from notifications.services import NewMessage

    return NewMessage(
        recipient=f"+86138{i:08d}",
        kind=Kind.WIN,
        dedupe_key=f"bench:{i}",
        context={"number": f"{10000000 + i}", "opens": "02-19 14:00", "closes": "02-20 14:00"},
    )


def outbox_empty() -> None:
    from django.db import connection

    from notifications.models import OutboxCount, OutboxMessage

    # TRUNCATE rather than DELETE, of the outbox and of the counts its triggers keep: a run
    # starts from the same tables as the last one. (The bench's server may not vacuum: the
    # dead rows of earlier runs would stay in the indexes, and the 16 rows of counts, updated
    # by every claim and mark, had grown to 10 MB after a few runs, slowing every trigger.)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {OutboxMessage._meta.db_table}, {OutboxCount._meta.db_table}")


def queue_messages(first: int, count: int) -> None:
    from django.db import transaction

    from notifications.services import messages_enqueue

    with transaction.atomic():
        messages_enqueue(messages=(win(i) for i in range(first, first + count)))


def sent_count() -> int:
    """From the counts the outbox's triggers keep: a poll that reads a few rows, not 100,000."""
    from django.db.models import Sum

    from notifications.models import OutboxCount, State

    return OutboxCount.objects.filter(state=State.SENT).aggregate(n=Sum("count"))["n"] or 0


def last_sent_at(first: int, count: int) -> float:
    from django.db.models import Max

    from notifications.models import OutboxMessage

    keys = [f"bench:{i}" for i in (first, first + count - 1)]
    ids = OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("id", flat=True)
    return (
        OutboxMessage.objects.filter(id__range=(min(ids), max(ids)))
        .aggregate(at=Max("sent_at"))["at"]
        .timestamp()
    )


def cpu_seconds(pids) -> float:
    """User + system CPU time the live processes `pids` have used (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker_pids(worker: subprocess.Popen) -> list[int]:
    """The Celery worker's pool processes, and the database backends of this database's
    other sessions (the workers'): what the outbox costs beside the gateway."""
    from django.db import connection

    pool = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == worker.pid:
                        pool.append(int(entry))
            except OSError:
                continue
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return [worker.pid, *pool, *backends]


def baseline_round(url: str, text: str, first: int, count: int) -> float:
    """One sender per core, each with its share, started and set up before the clock starts."""
    shares = [count // CORES + (1 if k < count % CORES else 0) for k in range(CORES)]
    senders, start = [], first
    for share in shares:
        senders.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "bench.sms_baseline",
                    *("--url", url, "--token", TOKEN, "--count", str(share)),
                    *("--first", str(start), "--text", text),
                ],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
        start += share
    for sender in senders:
        if sender.stdout.readline().strip() != "ready":
            raise SystemExit("baseline sender did not start")
    started = time.time()
    for sender in senders:
        sender.stdin.write("go\n")
        sender.stdin.flush()
    ends = []
    for sender in senders:
        line = sender.stdout.readline().split()
        if sender.wait() != 0 or line[:1] != ["done"]:
            raise SystemExit("baseline sender failed")
        ends.append(float(line[1]))
    return max(ends) - started


def project_round(
    first: int, count: int, expected: int, limit: float, watched
) -> tuple[float, int, float]:
    """Queue `count` messages (not timed), wake the workers as a commit does (one task per
    worker process), and time until the last of them is marked sent; also the CPU time the
    processes `watched()` names used meanwhile (read at each poll: a database backend may be
    opened during the round)."""
    from notifications.tasks import drain_outbox

    queue_messages(first, count)
    seen: dict[int, list[float]] = {}

    def sample() -> None:
        for pid in watched():
            used = cpu_seconds([pid])
            seen.setdefault(pid, [used, used])[1] = used

    sample()
    started = time.time()
    for _ in range(CORES):
        drain_outbox.delay()
    done = 0
    while done < expected and time.time() - started < limit:
        time.sleep(0.2)
        sample()
        done = sent_count()
    sample()
    cpu = sum(last - first_seen for first_seen, last in seen.values())
    if done < expected:
        return time.time() - started, done, cpu
    return last_sent_at(first, count) - started, done, cpu


def broker_keys_delete(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def run(seconds: float) -> bool:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"bench-sms:{uuid.uuid4().hex[:8]}:"
    gateway, port = start_gateway()
    url = f"http://127.0.0.1:{port}/send"
    env = bench_env(
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=url,
        SMS_GATEWAY_TOKEN=TOKEN,
        SMS_DRAIN_ON_COMMIT="false",
        CELERY_BROKER_URL=redis_url,
        CELERY_BROKER_KEY_PREFIX=prefix,
    )
    os.environ.update(env)
    import django

    django.setup()
    from notifications.services import sms_render

    text = sms_render(
        kind=win(0).kind, context={**win(0).context, "number": NUMBER}, language="zh-hans"
    )
    per_round = MESSAGES // ROUNDS
    worker = None
    rounds: list[tuple[float, float]] = []
    done = 0
    cpu_baseline = cpu_project = 0.0
    try:
        outbox_empty()
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--concurrency",
                str(CORES),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        time.sleep(3)  # the worker's processes start before the clock does
        for r in range(ROUNDS):
            first = r * per_round
            cpu = children_cpu_seconds() + cpu_seconds([gateway.pid])
            baseline = baseline_round(url, text, first, per_round)
            cpu_baseline += children_cpu_seconds() + cpu_seconds([gateway.pid]) - cpu
            limit = max(GIVE_UP_SECONDS / ROUNDS, baseline * 5)
            took, done, cpu = project_round(
                first,
                per_round,
                first + per_round,
                limit,
                lambda: [gateway.pid, *worker_pids(worker)],
            )
            cpu_project += cpu
            rounds.append((baseline, took))
            print(
                f"  round {r + 1}: baseline {baseline:6.2f} s, outbox {took:6.2f} s, "
                f"ratio {took / baseline:.2f}",
                flush=True,
            )
            if done < first + per_round:
                break
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        gateway.terminate()
        out, _ = gateway.communicate(timeout=30)
        broker_keys_delete(redis_url, prefix)
    received = int(out.split()[-1]) if out.split()[-2:-1] == ["received"] else -1

    total = per_round * ROUNDS
    baseline_s = sum(b for b, _ in rounds)
    elapsed = sum(p for _, p in rounds)
    ratios = sorted(p / b for b, p in rounds)
    ratio = statistics.median(ratios)
    print(
        f"sms: {total} messages in {ROUNDS} alternating rounds of {per_round}, "
        f"Celery worker with {CORES} processes, loopback gateway"
    )
    for name, took in [
        (f"baseline, {CORES} processes POSTing, no database", baseline_s),
        ("outbox -> Celery workers -> gateway", elapsed),
    ]:
        print(f"  {name:<44} {took:6.1f} s  {total / took:8.0f} messages/s")
    print(
        f"  outbox / baseline time: median of the rounds {ratio:.2f} "
        f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; totals {elapsed / baseline_s:.2f}); "
        f"sent {done} of {total}; the gateway accepted {received} "
        f"(expected {2 * total}: each once from the baseline and once from the outbox)"
    )
    ok = done == total and received == 2 * total and ratio <= GATE_RATIO
    # Informational, and steadier than the times on a shared machine: the CPU each side used.
    # (The outbox's also counts the rate limit's and the broker's Redis calls on the client's
    # side, not Redis's own work.)
    print(
        f"  CPU per message: baseline {1e6 * cpu_baseline / total:.0f} us (senders + gateway), "
        f"outbox {1e6 * cpu_project / total:.0f} us (workers + gateway + PostgreSQL), "
        f"ratio {cpu_project / cpu_baseline:.2f}"
    )
    verdict = "PASS" if ok else "FAIL"
    print(f"  gate: all sent, each once, within {GATE_RATIO} x the baseline: {verdict}")
    record(
        "sms",
        elapsed,
        f"s for {total:,}",
        baseline=baseline_s,
        ratio=ratio,
        target=f"<= {GATE_RATIO} x",
        passed=ok,
        spread=f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
    )
    sys.stdout.flush()
    return ok

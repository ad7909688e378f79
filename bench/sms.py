"""100,000 queued messages delivered to a loopback gateway that answers at once, by the
project's own Celery workers (2 processes), against a baseline that POSTs the same number from
2 processes with no database, measured first in the same run. Gate: at most 1.3 x its time."""

import os
import subprocess
import sys
import time

import redis

from bench.common import BIN, CORES, PYTHON, ROOT, bench_env, record, wait_for_port

MESSAGES = int(os.environ.get("BENCH_SMS_MESSAGES", "100000"))
GATE_RATIO = 1.3  # issue 17: at most 1.3 x the no-database baseline of the same run
GIVE_UP_SECONDS = 300.0
TOKEN = "bench-token"


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


def queue_messages(count: int) -> None:
    from django.db import transaction

    from notifications.models import Kind, OutboxMessage
    from notifications.services import NewMessage, messages_enqueue

    OutboxMessage.objects.all().delete()
    with transaction.atomic():
        messages_enqueue(
            messages=(
                NewMessage(
                    recipient=f"+86138{i:08d}",
                    kind=Kind.WIN,
                    dedupe_key=f"bench:{i}",
                    context={
                        "number": f"{10000000 + i}",
                        "opens": "02-19 14:00",
                        "closes": "02-20 14:00",
                    },
                )
                for i in range(count)
            )
        )


def sent_count() -> int:
    from notifications.models import OutboxMessage, State

    return OutboxMessage.objects.filter(state=State.SENT).count()


def run(seconds: float) -> bool:
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"
    gateway, port = start_gateway()
    url = f"http://127.0.0.1:{port}/send"
    env = bench_env(
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=url,
        SMS_GATEWAY_TOKEN=TOKEN,
        SMS_DRAIN_ON_COMMIT="false",
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=broker,
    )
    os.environ.update(env)
    import django

    django.setup()
    worker = None
    try:
        # Baseline: the same number of POSTs from 2 processes, no database.
        started = time.monotonic()
        half = MESSAGES // 2
        senders = [
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "bench.sms_baseline",
                    "--url",
                    url,
                    "--token",
                    TOKEN,
                    "--count",
                    str(half),
                    "--first-id",
                    str(i * half),
                ],
                cwd=ROOT,
            )
            for i in range(2)
        ]
        if any(sender.wait() != 0 for sender in senders):
            raise SystemExit("baseline sender failed")
        baseline = time.monotonic() - started

        queue_messages(MESSAGES)
        redis.Redis.from_url(broker).flushdb()
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
        from notifications.tasks import drain_outbox

        started = time.monotonic()
        for _ in range(CORES):
            drain_outbox.delay()
        done = 0
        while done < MESSAGES and time.monotonic() - started < max(GIVE_UP_SECONDS, baseline * 5):
            time.sleep(1)
            done = sent_count()
        elapsed = time.monotonic() - started
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        gateway.terminate()
        gateway.wait(timeout=30)

    print(f"sms: {MESSAGES} messages, Celery worker with {CORES} processes, loopback gateway")
    rates = [("baseline, 2 processes POSTing, no database", baseline, MESSAGES)]
    rates.append(("outbox -> Celery workers -> gateway", elapsed, done))
    for name, took, count in rates:
        print(f"  {name:<44} {took:6.1f} s  {count / took:8.0f} messages/s")
    print(f"  outbox / baseline time: {elapsed / baseline:.2f}; sent {done} of {MESSAGES}")
    ratio = elapsed / baseline
    ok = done == MESSAGES and ratio <= GATE_RATIO
    print(f"  gate: all sent within {GATE_RATIO} x the baseline: {'PASS' if ok else 'FAIL'}")
    record(
        "sms",
        elapsed,
        f"s for {MESSAGES:,}",
        baseline=baseline,
        ratio=ratio,
        target=f"<= {GATE_RATIO} x",
        passed=ok,
    )
    sys.stdout.flush()
    return ok

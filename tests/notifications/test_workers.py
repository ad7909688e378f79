"""Real separate workers (processes with their own database connections) draining at once."""

import collections
import os
import signal
import subprocess
import sys
import time

import pytest

from notifications.models import OutboxMessage, State
from tests.helpers import subprocess_env
from tests.notifications.conftest import TOKEN, queue_wins

pytestmark = pytest.mark.django_db(transaction=True)


def start_worker(gateway, **extra: str) -> subprocess.Popen:
    env = subprocess_env(
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=gateway.url,
        SMS_GATEWAY_TOKEN=TOKEN,
        SMS_GATEWAY_TIMEOUT="1",
        SMS_RATE_LIMIT="100000",
        **extra,
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_notifications", "--batch-size", "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_draining_1000_messages_post_each_exactly_once(gateway):
    queue_wins(1000)
    gateway.delay = 0.001  # long enough that both workers are at it together

    workers = [start_worker(gateway), start_worker(gateway)]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    counts = collections.Counter(gateway.ids())
    assert len(counts) == 1000
    assert max(counts.values()) == 1
    sent = [int(out.split(",")[0].removeprefix("sent ")) for out, _ in outputs]
    assert sum(sent) == 1000
    assert all(n > 0 for n in sent), f"one worker did all the work: {sent}"
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 1000


def test_after_a_worker_is_killed_every_message_arrives_and_repeats_keep_their_id(gateway):
    queue_wins(300)
    gateway.delay = 0.01
    victim = start_worker(gateway, SMS_LEASE_SECONDS="5")
    deadline = time.monotonic() + 60
    while gateway.count() < 30:
        assert time.monotonic() < deadline and victim.poll() is None
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    leased = set(OutboxMessage.objects.filter(state=State.SENDING).values_list("id", flat=True))
    assert leased, "the worker died holding a lease"

    # Its rows stay leased until the lease runs out; a second worker leaves them alone...
    gateway.delay = 0
    survivor = start_worker(gateway, SMS_LEASE_SECONDS="5")
    survivor.communicate(timeout=60)
    assert OutboxMessage.objects.filter(id__in=leased, state=State.SENDING).count() == len(leased)
    # ...and takes them once it has.
    time.sleep(5.2)
    survivor = start_worker(gateway, SMS_LEASE_SECONDS="5")
    _, err = survivor.communicate(timeout=60)
    assert survivor.returncode == 0, err

    all_ids = {str(pk) for pk in OutboxMessage.objects.values_list("id", flat=True)}
    assert set(gateway.ids()) == all_ids
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 300
    # A repeat is a message the dead worker sent but had not marked yet, with the same id
    # (and so the same recipient and text).
    by_id = collections.defaultdict(list)
    for request in gateway.received:
        by_id[request["id"]].append((request["to"], request["text"]))
    repeats = {pk for pk, requests in by_id.items() if len(requests) > 1}
    assert repeats <= {str(pk) for pk in leased}
    assert all(len(set(by_id[pk])) == 1 for pk in repeats)

import time

import pytest
from django.db import transaction

from notifications.backends import backend_get
from notifications.models import Kind, OutboxMessage, Priority, State
from notifications.sealing import unseal
from notifications.services import (
    message_enqueue,
    outbox_claim,
    outbox_drain,
    outbox_mark_sent,
    outbox_release,
)
from tests.notifications.conftest import queue_wins

pytestmark = pytest.mark.django_db


def drain(**kwargs):
    backend = backend_get()
    try:
        return outbox_drain(backend=backend, worker="test", **kwargs)
    finally:
        backend.close()


def drain_until_empty(seconds: float = 15) -> None:
    """Drain repeatedly (retries come due after their backoff) until nothing waits."""
    deadline = time.monotonic() + seconds
    while OutboxMessage.objects.exclude(state__in=[State.SENT, State.FAILED]).exists():
        assert time.monotonic() < deadline, "messages still waiting"
        drain()
        time.sleep(0.05)


def all_ids() -> list[str]:
    return sorted(str(pk) for pk in OutboxMessage.objects.values_list("id", flat=True))


def test_a_message_is_queued_in_the_residents_language_with_its_kinds_priority():
    message_enqueue(
        recipient="+8613800000001",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:1",
        context={"code": "123456", "minutes": 10},
        language="en",
    )
    message = OutboxMessage.objects.get()
    assert message.state == State.QUEUED
    assert message.priority == Priority.URGENT
    assert "123456" in unseal(message.text) and "sign-in code" in unseal(message.text)


def test_the_same_dedupe_key_is_queued_once():
    for _ in range(3):
        queue_wins(1)
    assert OutboxMessage.objects.count() == 1


def test_it_sends_through_the_gateway_with_the_outbox_id(http_sms):
    queue_wins(5)
    result = drain()
    assert result.sent == 5
    assert sorted(http_sms.ids()) == all_ids()
    first = http_sms.received[0]
    message = OutboxMessage.objects.get(pk=int(first["id"]))
    assert (first["to"], first["text"]) == (message.recipient, message.text)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_gateway_that_answers_500_for_a_while_loses_nothing(http_sms):
    queue_wins(20)
    http_sms.answer(500)
    result = drain()
    assert result.sent == 0 and result.stopped_early
    assert not OutboxMessage.objects.filter(state__in=[State.SENT, State.FAILED]).exists()

    http_sms.answer(200)
    drain_until_empty()
    assert sorted(http_sms.ids()) == all_ids()
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 20


def test_a_gateway_that_refuses_connections_for_a_while_loses_nothing(http_sms):
    queue_wins(10)
    http_sms.refuse(True)
    assert drain().sent == 0
    assert OutboxMessage.objects.filter(state=State.QUEUED).count() == 10
    assert "connection failed" in OutboxMessage.objects.exclude(last_error="").first().last_error

    http_sms.refuse(False)
    drain_until_empty()
    assert sorted(http_sms.ids()) == all_ids()


def test_a_hanging_gateway_times_out_and_is_tried_again(http_sms):
    queue_wins(4)
    http_sms.hang(True)
    assert drain().sent == 0
    assert OutboxMessage.objects.filter(last_error="timeout").exists()

    http_sms.hang(False)
    drain_until_empty()
    assert sorted(http_sms.ids()) == all_ids()


def test_429_is_retried(http_sms):
    queue_wins(3)
    http_sms.answer_next(429)
    drain_until_empty()
    assert sorted(http_sms.ids()) == all_ids()
    assert [r["status"] for r in http_sms.received].count(429) == 1


def test_400_fails_at_once_and_is_not_retried(http_sms):
    queue_wins(3)
    http_sms.answer(400)
    result = drain()
    assert (result.sent, result.failed) == (0, 3)
    time.sleep(0.3)
    drain()
    assert len(http_sms.received) == 3
    for message in OutboxMessage.objects.all():
        assert message.state == State.FAILED and message.attempts == 1
        assert message.last_error.startswith("HTTP 400")


def test_a_message_fails_after_its_last_attempt(http_sms, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    queue_wins(1)
    http_sms.answer(500)
    drain_until_empty()
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (State.FAILED, 2)
    assert len(http_sms.received) == 2


def test_a_sign_in_code_goes_out_before_10000_bulk_messages(http_sms):
    queue_wins(10_000)
    message_enqueue(
        recipient="+8613900000000",
        kind=Kind.SIGN_IN_CODE,
        dedupe_key="code:urgent",
        context={"code": "654321", "minutes": 10},
    )
    code = OutboxMessage.objects.get(kind=Kind.SIGN_IN_CODE)
    assert code.id > OutboxMessage.objects.filter(kind=Kind.WIN).latest("id").id

    drain()

    assert http_sms.received[0]["id"] == str(code.id)
    assert http_sms.count() == 10_001


def test_a_worker_whose_lease_was_taken_over_cannot_mark_the_row():
    queue_wins(1)
    first = outbox_claim(token="worker-a", limit=10, lease_seconds=0.05)
    assert len(first) == 1
    time.sleep(0.1)  # worker A is presumed dead
    second = outbox_claim(token="worker-b", limit=10, lease_seconds=60)
    assert [m.id for m in second] == [first[0].id]
    assert second[0].attempts == 2

    assert outbox_mark_sent(ids=[first[0].id], token="worker-a") == 0
    assert outbox_mark_sent(ids=[first[0].id], token="worker-b") == 1


def test_a_live_lease_is_not_claimed_twice():
    queue_wins(3)
    assert len(outbox_claim(token="a", limit=10, lease_seconds=60)) == 3
    assert outbox_claim(token="b", limit=10, lease_seconds=60) == []


def test_released_rows_are_not_charged_an_attempt():
    queue_wins(2)
    claimed = outbox_claim(token="a", limit=10, lease_seconds=60)
    assert outbox_release(ids=[m.id for m in claimed], token="a") == 2
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(State.QUEUED, 0)}


@pytest.mark.django_db(transaction=True)
def test_a_message_written_in_a_transaction_that_rolls_back_is_never_sent(http_sms):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_wins(1)
        raise RuntimeError("the event failed")
    queue_wins(1, start=1)  # a committed event beside it

    drain()

    assert OutboxMessage.objects.count() == 1
    assert [r["to"] for r in http_sms.received] == ["+8613800000001"]


def test_the_send_rate_holds_across_workers_sharing_redis():
    import threading
    import uuid

    from notifications.ratelimit import RateLimiter

    key = f"test:rate:{uuid.uuid4().hex}"
    windows: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        limiter = RateLimiter(per_second=100, key=key, chunk=3)  # 10 per 100 ms window
        for _ in range(15):
            limiter.acquire()
            with lock:
                windows.append(limiter.window)  # the window its permit belongs to

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    per_window: dict[int, int] = {}
    for window in windows:
        per_window[window] = per_window.get(window, 0) + 1
    assert len(windows) == 45
    assert max(per_window.values()) <= 10
    assert len(per_window) >= 5  # 45 sends at 10 per window take at least five windows


@pytest.mark.django_db(transaction=True)
def test_a_large_batch_goes_in_by_copy_with_its_texts_intact_and_dedupe_kept():
    from notifications.services import COPY_FROM, NewMessage, messages_enqueue

    def batch(start: int, count: int, committee: str = "庆城社区") -> list[NewMessage]:
        return [
            NewMessage(
                recipient=f"+86199{i:08d}",
                kind=Kind.COMMITTEE_WIN,
                dedupe_key=f"copy:{i}",
                context={"committee": committee, "numbers": f"{10000000 + i}", "closes": "x"},
            )
            for i in range(start, start + count)
        ]

    tricky = "庆城\t社区\\居委会\n二楼\r"
    messages_enqueue(messages=batch(0, 1))  # already queued: skipped below, not duplicated
    with transaction.atomic():
        messages_enqueue(messages=batch(0, COPY_FROM, tricky))
        messages_enqueue(messages=batch(COPY_FROM, COPY_FROM, tricky))  # same transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        messages_enqueue(messages=batch(5 * COPY_FROM, COPY_FROM, tricky))
        raise RuntimeError  # rolled back: nothing of it stays

    assert OutboxMessage.objects.count() == 2 * COPY_FROM
    assert OutboxMessage.objects.filter(dedupe_key="copy:0").count() == 1
    last = OutboxMessage.objects.get(dedupe_key=f"copy:{2 * COPY_FROM - 1}")
    assert tricky in last.text and last.state == State.QUEUED
    assert last.priority == OutboxMessage.objects.get(dedupe_key="copy:0").priority


@pytest.mark.django_db(transaction=True)
def test_new_messages_stream_into_the_outbox_intact_and_a_key_that_is_not_new_fails_them_all():
    from django.db import IntegrityError

    from notifications.services import NewMessage, messages_enqueue, messages_enqueue_new

    tricky = "庆城\t社区\\居委会\n二楼\r"

    def batch(start: int, count: int) -> list[NewMessage]:
        return [
            NewMessage(
                recipient=f"+86199{i:08d}",
                kind=Kind.COMMITTEE_WIN if i % 2 else Kind.WIN,
                dedupe_key=f"new:{i}",
                context=(
                    {"committee": tricky, "numbers": f"{10000000 + i}", "closes": "x"}
                    if i % 2
                    else {"number": f"{10000000 + i}", "opens": "a", "closes": "b"}
                ),
                language="en" if (i - start) % 3 == 0 else "zh-hans",
            )
            for i in range(start, start + count)
        ]

    # More than one chunk of COPY data, made as PostgreSQL reads it.
    with transaction.atomic():
        assert messages_enqueue_new(messages=iter(batch(0, 3000))) == 3000
    streamed = {m.dedupe_key: m for m in OutboxMessage.objects.all()}
    assert len(streamed) == 3000
    # The same rows as the ordinary path would have queued.
    with transaction.atomic():
        messages_enqueue(messages=batch(10_000, 3000))
    for i in (0, 1, 2, 2999):
        new = streamed[f"new:{i}"]
        usual = OutboxMessage.objects.get(dedupe_key=f"new:{10_000 + i}")
        assert (new.text, new.kind, new.language, new.priority, new.state, new.attempts) == (
            usual.text.replace(str(10_010_000 + i), str(10_000_000 + i)),
            usual.kind,
            usual.language,
            usual.priority,
            State.QUEUED,
            0,
        )
    assert tricky in streamed["new:1"].text

    with pytest.raises(IntegrityError), transaction.atomic():
        messages_enqueue_new(messages=batch(2999, 2))  # new:2999 is queued already
    assert not OutboxMessage.objects.filter(dedupe_key="new:3000").exists()

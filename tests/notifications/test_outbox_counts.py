"""The outbox's counts per day, kind and state, kept by the database for the dashboard, follow
every write: a message queued, claimed, sent, failed, deleted."""

import pytest
from django.db.models import Case, Count, Sum, Value, When
from django.utils import timezone

from notifications.models import Kind, OutboxCount, OutboxMessage, State
from tests.helpers import shanghai

pytestmark = pytest.mark.django_db


def counted() -> dict:
    rows = OutboxCount.objects.values("day", "kind", "state").annotate(n=Sum("count"))
    return {(r["day"], r["kind"], r["state"]): r["n"] for r in rows if r["n"]}


def recounted() -> dict:
    rows = OutboxMessage.objects.values("created_at", "kind", "state")
    found: dict = {}
    for row in rows:
        key = (timezone.localtime(row["created_at"]).date(), row["kind"], row["state"])
        found[key] = found.get(key, 0) + 1
    return found


def test_the_counts_follow_messages_from_queued_to_sent_or_failed():
    late = shanghai(2020, 2, 19, 23, 30)  # 15:30 UTC: a Shanghai day, not a UTC one
    for i in range(4):
        OutboxMessage.objects.create(
            recipient="13800000001", text="…", kind=Kind.WIN, dedupe_key=f"t:{i}", created_at=late
        )
    assert counted() == {(late.date(), Kind.WIN.value, State.QUEUED.value): 4}
    OutboxMessage.objects.filter(dedupe_key__in=["t:0", "t:1"]).update(
        state=State.SENT, sent_at=timezone.now()
    )
    OutboxMessage.objects.filter(dedupe_key="t:2").update(state=State.FAILED)
    OutboxMessage.objects.filter(dedupe_key="t:3").delete()
    assert counted() == recounted()
    assert counted()[(late.date(), Kind.WIN.value, State.SENT.value)] == 2
    assert OutboxMessage.objects.aggregate(n=Count("pk"))["n"] == 3


def test_one_update_that_moves_messages_both_ways_leaves_the_counts_exact():
    # notifications 0010 makes each statement's change once and applies its gains and losses
    # from it: one statement here does both, on keys that gain and keys that lose.
    day = shanghai(2020, 2, 20, 9)
    for i in range(6):
        OutboxMessage.objects.create(
            recipient="13800000001",
            text="…",
            kind=Kind.WIN if i % 2 else Kind.PICKUP_NOTICE,
            dedupe_key=f"b:{i}",
            created_at=day,
            state=State.FAILED if i < 3 else State.QUEUED,
        )
    assert counted() == recounted()
    OutboxMessage.objects.update(
        state=Case(
            When(state=State.FAILED, then=Value(State.QUEUED.value)),
            default=Value(State.FAILED.value),
        )
    )
    assert counted() == recounted()
    assert counted()[(day.date(), Kind.WIN.value, State.QUEUED.value)] == 1
    # A statement that changes no counted key changes no count.
    OutboxMessage.objects.update(text="")
    assert counted() == recounted()

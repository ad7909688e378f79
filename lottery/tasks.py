import logging

from celery import shared_task
from django.utils import timezone

from lottery import services
from lottery.models import Draw
from notifications.redis_client import redis_client
from reservations.models import User

logger = logging.getLogger(__name__)


def progress_key(draw_id: int) -> str:
    return f"draw:{draw_id}:progress"


def progress_get(draw_id: int) -> dict:
    """What the ceremony page shows while the task runs: the draw commits at once at the end,
    so its progress cannot be read from the database."""
    return redis_client(decode_responses=True).hgetall(progress_key(draw_id)) or {}


@shared_task(ignore_result=True)
def run_draw_task(draw_id: int, actor_id: int | None) -> None:
    """Run a draw. Safe twice or from two workers at once: the service draws once."""
    client = redis_client(decode_responses=True)
    key = progress_key(draw_id)

    def report(step: str, percent: int) -> None:
        client.hset(key, mapping={"step": step, "percent": percent})
        client.expire(key, 24 * 3600)

    try:
        draw = Draw.objects.get(pk=draw_id)
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        services.draw_run(draw=draw, actor=actor, now=timezone.now(), progress=report)
        report("done", 100)
    except Exception as error:
        client.hset(key, mapping={"step": "failed", "error": type(error).__name__})
        raise
    # After the draw has committed and the page says done. A failure here does not undo or
    # fail the draw: beat settles the wins and makes the missing figures later.
    try:
        services.draw_wins_settle(draw_id=draw_id, now=timezone.now())
    except Exception:
        logger.exception("draw %s: wins not settled yet", draw_id)
    try:
        services.draw_fairness_compute(draw=draw)
    except Exception:
        logger.exception("draw %s: fairness figures not made", draw_id)


@shared_task(ignore_result=True)
def keep_schedule() -> None:
    """Beat: the next regular draws exist (rule 5), unless the schedule is paused."""
    services.schedule_keep(now=timezone.now())


@shared_task(ignore_result=True)
def close_due_pools() -> None:
    """Beat: pools close at their cut-off. Safe to run twice: a closed pool is not closed again."""
    services.draws_at_once_orphaned_cancel()  # not closed with the whole stock, but cancelled
    services.pools_close_due(now=timezone.now())


@shared_task(ignore_result=True)
def settle_wins() -> None:
    """Beat: a drawn draw's wins are on their reservations, even if its worker died first."""
    services.wins_settle_pending(now=timezone.now())


@shared_task(ignore_result=True)
def make_missing_fairness() -> None:
    """Beat: fairness figures a draw's worker did not make (it died, or they failed)."""
    services.fairness_compute_missing()

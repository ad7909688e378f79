import logging

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# The stages the progress names (draw_run's reports, and the task's own), in the reader's
# language on the ceremony page.
QUEUED, DONE, FAILED = "queued", "done", "failed"
PROGRESS_STAGES = {
    QUEUED: _("waiting for a worker to take the draw"),
    "reading the pool": _("reading the pool"),
    "ranking the pool": _("ranking the pool"),
    "marking the winners": _("marking the winners"),
    "queuing the messages": _("queuing the winners' messages"),
    "publishing": _("publishing the winners file"),
    DONE: _("done"),
    FAILED: _("stopped with an error"),
}


def progress_stage(progress: dict) -> str:
    """The stage of a draw's progress as a phrase in the reader's language."""
    step = progress.get("step", "")
    return str(PROGRESS_STAGES.get(step, step))


def _progress_set(client, draw_id: int, step: str, percent: int) -> None:
    key = progress_key(draw_id)
    client.hset(key, mapping={"step": step, "percent": percent})
    client.expire(key, 24 * 3600)


def run_draw_queue(draw_id: int, actor_id: int | None, *, early: bool) -> None:
    """After the start commits: the page says the draw waits for a worker from now on (not
    "waiting for staff to start"), then the task is published. A broker that refuses it leaves
    no such word behind, and the official gets the outage page."""
    client = redis_client(decode_responses=True)
    _progress_set(client, draw_id, QUEUED, 0)
    try:
        run_draw_task.delay(draw_id, actor_id, early)
    except Exception:
        client.delete(progress_key(draw_id))
        raise


@shared_task(ignore_result=True)
def run_draw_task(draw_id: int, actor_id: int | None, early: bool = False) -> None:
    """Run a draw. Safe twice or from two workers at once: the service draws once."""
    client = redis_client(decode_responses=True)
    key = progress_key(draw_id)

    def report(step: str, percent: int) -> None:
        _progress_set(client, draw_id, step, percent)

    try:
        draw = Draw.objects.get(pk=draw_id)
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        services.draw_started(draw=draw, actor=actor, early=early)
        services.draw_run(draw=draw, actor=actor, now=timezone.now(), progress=report)
        report(DONE, 100)
    except Exception as error:
        client.hset(key, mapping={"step": FAILED, "error": type(error).__name__})
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

import datetime
import os
import socket

from celery import shared_task
from django.conf import settings

from notifications.backends import backend_get
from notifications.services import outbox_drain, outbox_forget_sign_in_codes


@shared_task(ignore_result=True)
def drain_outbox() -> None:
    """Send what is due. Safe to run any number of times at once: rows are leased."""
    backend = backend_get()
    try:
        result = outbox_drain(
            backend=backend,
            worker=f"celery:{socket.gethostname()}:{os.getpid()}",
            max_seconds=settings.SMS_DRAIN_MAX_SECONDS,
        )
    finally:
        backend.close()
    if result.stopped_early and result.sent:
        # Out of time with work left: hand over to a fresh task. (A gateway that is down
        # sends nothing; beat tries again later rather than spinning.)
        drain_outbox.delay()


@shared_task(ignore_result=True)
def forget_sign_in_codes() -> None:
    """Expired sign-in codes leave the outbox (10 minutes of validity, plus a margin)."""
    outbox_forget_sign_in_codes(older_than=datetime.timedelta(minutes=15))

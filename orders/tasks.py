from celery import shared_task
from django.utils import timezone

from orders.services import lapse_reminders_send, wins_lapse


@shared_task(ignore_result=True)
def lapse_wins() -> None:
    """Beat, every minute: wins whose purchase window closed unordered lapse. Safe twice."""
    wins_lapse(now=timezone.now())


@shared_task(ignore_result=True)
def send_lapse_reminders() -> None:
    """Beat, every minute: remind winners who have not ordered. Once per win (dedupe key)."""
    lapse_reminders_send(now=timezone.now())

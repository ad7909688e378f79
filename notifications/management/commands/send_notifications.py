import os
import socket

from django.core.management.base import BaseCommand

from notifications.backends import backend_get
from notifications.services import outbox_counts, outbox_drain


class Command(BaseCommand):
    help = (
        "Send every SMS due now, synchronously, through the same code as the workers, and print "
        "'sent N, failed N, waiting N' (waiting: queued for a later retry or leased by a worker)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size: int | None = None, **options) -> None:
        backend = backend_get()
        try:
            result = outbox_drain(
                backend=backend,
                worker=f"command:{socket.gethostname()}:{os.getpid()}",
                batch_size=batch_size,
            )
        finally:
            backend.close()
        waiting = outbox_counts().waiting
        self.stdout.write(f"sent {result.sent}, failed {result.failed}, waiting {waiting}")

"""The pool close reads the waiting numbers in order from an index that holds what it filters on
(the cut-off, and the id for pending wins): an index-only scan instead of the whole table and a
sort. It replaces `reservation_waiting` (created_at only), which nothing else used. Built
concurrently, so that reservations are not held up while it builds on a large table."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reservations", "0019_staff_accounts_are_never_deleted"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="reservation",
            index=models.Index(
                fields=["number"],
                include=["created_at", "id"],
                name="reservation_waiting_by_number",
                condition=Q(state="waiting"),
            ),
        ),
        RemoveIndexConcurrently(model_name="reservation", name="reservation_waiting"),
    ]

"""Migration 0010 rewrites the document masks stored under the old rule (first 4 and last 4)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reservations.validators import mask_document

BEFORE = [("reservations", "0009_reservation_language")]
AFTER = [("reservations", "0010_shorter_document_masks")]


def old_mask(value: str) -> str:
    """The mask as the code made it before issue 11."""
    if len(value) <= 8:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # what the previous call applied or unapplied
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_it_rewrites_old_masks_so_that_they_hide_at_least_60_percent():
    numbers = [
        "E21535642",  # the passport: E215*5642
        "350102199003071234",
        "USA350085071500",
        "H1234567801",
        "12345678",
        "E12345",
    ]
    odd = "35**************00"  # hand-made, not of the old shape: cut down, never grown
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        User = apps.get_model("reservations", "User")
        Resident = apps.get_model("reservations", "Resident")
        masks = [old_mask(number) for number in numbers] + [odd, ""]
        for i, mask in enumerate(masks):
            user = User.objects.create(username=f"u{i}", phone=f"1380000{i:04d}")
            Resident.objects.create(user=user, document_type="passport", document_masked=mask)
        assert Resident.objects.get(user__username="u0").document_masked == "E215*5642"

        apps = migrate(AFTER).loader.project_state(AFTER).apps
        Resident = apps.get_model("reservations", "Resident")
        stored = {
            resident.user.username: resident.document_masked
            for resident in Resident.objects.select_related("user")
        }
    finally:
        migrate(leaf)
    # An old mask always showed where the new rule shows: each comes out as if made anew.
    for i, number in enumerate(numbers):
        assert stored[f"u{i}"] == mask_document(number)
    assert stored["u0"] == "E******42"
    assert stored[f"u{len(numbers)}"] == "35**************00"  # 4 of 18 already: as it was
    assert stored[f"u{len(numbers) + 1}"] == ""  # not verified yet: nothing to mask
    for mask in stored.values():
        assert 5 * mask.count("*") >= 3 * len(mask)


@pytest.mark.django_db(transaction=True)
def test_an_old_mask_of_another_shape_keeps_only_what_the_rule_allows_and_its_length():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    masks = ["ABCDEFGHI", "A*CDEFG*I", "ABCDEFGHIJKLMNOPQR", "ABC", "A"]
    try:
        apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        User = apps.get_model("reservations", "User")
        Resident = apps.get_model("reservations", "Resident")
        for i, mask in enumerate(masks):
            user = User.objects.create(username=f"u{i}", phone=f"1380000{i:04d}")
            Resident.objects.create(user=user, document_type="passport", document_masked=mask)
        apps = migrate(AFTER).loader.project_state(AFTER).apps
        Resident = apps.get_model("reservations", "Resident")
        stored = [
            Resident.objects.get(user__username=f"u{i}").document_masked for i in range(len(masks))
        ]
    finally:
        migrate(leaf)
    # A clear old mask: the new positions show; a star in the old mask stays a star.
    assert stored == ["A******HI", "A*******I", "ABC***********OPQR", "**C", "*"]

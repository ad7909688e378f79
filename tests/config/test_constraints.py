"""Every named constraint of every model exists in the migrated database. (Altering a field's
index once dropped a partial unique index on the same column; this catches that kind of loss.)"""

import pytest
from django.apps import apps
from django.db import connection


@pytest.mark.django_db
def test_every_declared_constraint_exists_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint UNION SELECT indexname FROM pg_indexes "
            "WHERE schemaname = 'public'"
        )
        present = {row[0] for row in cursor.fetchall()}
    declared = {
        constraint.name for model in apps.get_models() for constraint in model._meta.constraints
    }
    assert declared, "no constraints declared"
    assert sorted(declared - present) == []

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


def test_every_form_of_one_phone_is_masked_the_same():
    """One mask for staff pages, lists and exports, whatever form the number was kept in."""
    from city.phones import mask_phone

    forms = ["13800138000", "+8613800138000", "0086 138 0013 8000", "138-0013-8000"]
    assert {mask_phone(form) for form in forms} == {"138****8000"}
    assert {mask_phone(form) for form in ["0591-87010100", "+86 591 8701 0100"]} == {"059*****0100"}

"""city.prepared: a statement is planned once per connection, still there after a rolled-back
transaction, and sent as a plain query when DB_PREPARED_STATEMENTS is off."""

import pytest
from django.db import connection, transaction

from city import prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::integer + 1, 'a %%s b'"


def prepared_here(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0] == 1


def run(name: str, value: int):
    with connection.cursor() as cursor:
        prepared.execute(cursor, name=name, sql=SQL, params=[value])
        return cursor.fetchone()


def test_a_statement_is_prepared_once_and_answers_like_the_plain_query(settings):
    settings.DB_PREPARED_STATEMENTS = True
    assert run("test_plus_one", 1) == (2, "a %s b")
    assert prepared_here("test_plus_one")
    assert run("test_plus_one", 41) == (42, "a %s b")  # EXECUTEd: no second PREPARE error
    with connection.cursor() as cursor:
        cursor.execute(SQL, [1])
        assert cursor.fetchone() == (2, "a %s b")


def test_a_prepared_statement_outlives_a_rolled_back_transaction(settings):
    settings.DB_PREPARED_STATEMENTS = True
    with pytest.raises(RuntimeError), transaction.atomic():
        assert run("test_after_rollback", 1) == (2, "a %s b")
        raise RuntimeError("roll back")
    assert run("test_after_rollback", 2) == (3, "a %s b")


def test_with_prepared_statements_off_the_query_is_sent_as_it_is(settings):
    settings.DB_PREPARED_STATEMENTS = False
    assert run("test_never_prepared", 1) == (2, "a %s b")
    assert not prepared_here("test_never_prepared")

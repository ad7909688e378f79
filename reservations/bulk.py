"""Accounts, residents and their reservations in bulk, by PostgreSQL COPY (demo and load-test
data: portal/seeding.py builds the rows, this module alone writes them).

A run is one transaction that locks the user, resident and reservation tables IN SHARE ROW
EXCLUSIVE MODE: reads go on, but no sign-up, reservation or second run can insert until it
commits (under a minute per million residents), so nobody else can take an id, phone or number
the caller has planned from what it read here. That lock was chosen over reserving id ranges
with an advisory lock: the phone, document and number checks need a stable view of the tables
too. Every constraint of the database is checked as usual (unique phone, username, document
hash and number, one live reservation, eight-digit numbers, foreign keys), so a violation
aborts the whole run and leaves nothing; the foreign keys are checked per COPY rather than at
commit, so the queue of deferred checks stays small.

Rows are COPY text (tab-separated, one per line, `\\N` for NULL, escaped with `COPY_ESCAPES`),
with the columns of `USER_COLUMNS`, `RESIDENT_COLUMNS` (or `COMMITTEE_RESIDENT_COLUMNS`) and
`RESERVATION_COLUMNS` in that order.
"""

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

from reservations.models import Reservation, Resident, User

USER_COLUMNS = (
    "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
    "date_joined, phone"
)
RESIDENT_COLUMNS = (
    "id, name, document_type, document_hash, document_masked, level, method, verified_at, "
    "street_address, category, language, created_at, community_id, district_id, town_id, user_id"
)
# A resident a committee registered: no account, the committee's staff member who did instead.
COMMITTEE_RESIDENT_COLUMNS = RESIDENT_COLUMNS.replace("user_id", "registered_by_id")
RESERVATION_COLUMNS = (
    "id, number, state, phone, address, by_committee, created_at, community_id, district_id, "
    "town_id, resident_id"
)
# COPY's text format: these characters would end a field or a row.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# Reservation numbers have eight digits (the table's check constraint).
NUMBER_FIRST = 10_000_000
NUMBER_COUNT = 90_000_000  # 10000000-99999999

_TABLES = (User, Resident, Reservation)
_COLUMNS = (USER_COLUMNS, RESIDENT_COLUMNS, RESERVATION_COLUMNS)
_DOCUMENT_CONSTRAINT = "one_resident_per_document"


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class ResidentsCopy:
    """The three tables, locked for one run (`residents_copy`): what the caller plans from,
    and the COPY of its rows."""

    def __init__(self, cursor: CursorWrapper) -> None:
        self._cursor = cursor
        self._first_ids = (0, 0, 0)

    def highest_phone(self, *, prefix: str) -> int | None:
        """The highest 11-digit number starting with `prefix` that an account has, as its
        phone or as its username."""
        self._cursor.execute(
            f"""
            SELECT MAX(value::bigint) FROM (
                SELECT phone AS value FROM {_table(User)} WHERE phone LIKE %s
                UNION ALL
                SELECT username FROM {_table(User)} WHERE username LIKE %s
            ) AS taken
            WHERE value ~ '^[0-9]{{11}}$'
            """,
            [prefix + "%", prefix + "%"],
        )
        return self._cursor.fetchone()[0]

    def used_numbers(self) -> bytearray:
        """One bit per 8-digit number (11 MB), set for those any reservation ever had: bit
        n is the number NUMBER_FIRST + n."""
        used = bytearray(NUMBER_COUNT // 8 + 1)
        out = io.BytesIO()
        self._cursor.copy_expert(f"COPY (SELECT number FROM {_table(Reservation)}) TO STDOUT", out)
        for line in out.getvalue().split():
            n = int(line) - NUMBER_FIRST
            used[n >> 3] |= 1 << (n & 7)
        return used

    def first_ids(self, *, reservations: bool, users: bool = True) -> tuple[int, int, int]:
        """The first free id of users (if `users`, else 0), residents and (if `reservations`,
        else 0) reservations; the caller's rows take the ones that follow, and `ids_taken` moves
        the sequences on."""
        self._first_ids = (
            self._first_id(User) if users else 0,
            self._first_id(Resident),
            self._first_id(Reservation) if reservations else 0,
        )
        return self._first_ids

    def committee_registered_count(self) -> int:
        """How many residents committees have registered (no account of their own)."""
        self._cursor.execute(f"SELECT count(*) FROM {_table(Resident)} WHERE user_id IS NULL")
        return self._cursor.fetchone()[0]

    def committee_registrars(self, *, community_ids: Sequence[int]) -> dict[int, int]:
        """Per community, the id of a committee staff account that registers its residents: its
        first one, or else a demo account made now (`committee-demo-<id>`, which cannot sign in
        until an official gives it a password). Call it before `first_ids`: the accounts made
        here take user ids."""
        from django.contrib.auth.models import Group

        from city.roles import COMMITTEE_STAFF

        group = Group.objects.get(name=COMMITTEE_STAFF)
        found: dict[int, int] = {}
        for user_id, community_id in (
            User.objects.filter(groups=group, community_id__in=community_ids)
            .order_by("id")
            .values_list("id", "community_id")
        ):
            found.setdefault(community_id, user_id)
        for community_id in community_ids:
            if community_id in found:
                continue
            user, created = User.objects.get_or_create(
                username=f"committee-demo-{community_id}",
                defaults={"is_staff": True, "community_id": community_id},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(group)
            found[community_id] = user.pk
        return found

    def _first_id(self, model: type) -> int:
        self._cursor.execute(
            f"SELECT GREATEST(nextval(pg_get_serial_sequence(%s, 'id')), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {_table(model)}))",
            [model._meta.db_table],
        )
        return self._cursor.fetchone()[0]

    def copy(
        self,
        *,
        payloads: tuple[bytes, bytes, bytes],
        document_hashes: Sequence[str],
        committee: bool = False,
    ) -> set[str]:
        """COPY users, residents and reservations (an empty payload copies nothing); with
        `committee`, residents a committee registers (`COMMITTEE_RESIDENT_COLUMNS`, no users).
        When a resident already holds one of `document_hashes`, nothing is copied and those
        hashes are returned, for the caller to copy again without their rows."""
        columns = (
            (USER_COLUMNS, COMMITTEE_RESIDENT_COLUMNS, RESERVATION_COLUMNS)
            if committee
            else _COLUMNS
        )
        try:
            with transaction.atomic():
                self._copy(payloads, columns)
        except IntegrityError as error:
            if _DOCUMENT_CONSTRAINT not in str(error):
                raise
            self._cursor.execute(
                f"SELECT document_hash FROM {_table(Resident)} WHERE document_hash = ANY(%s)",
                [list(document_hashes)],
            )
            return {hashed for (hashed,) in self._cursor.fetchall()}
        return set()

    def _copy(self, payloads: tuple[bytes, bytes, bytes], column_lists: Sequence[str]) -> None:
        for model, columns, payload in zip(_TABLES, column_lists, payloads, strict=True):
            if payload:
                # One read of the whole payload: the caller's thread that builds the next rows
                # holds the GIL between reads.
                with connection.wrap_database_errors:
                    self._cursor.copy_expert(
                        f"COPY {_table(model)} ({columns}) FROM STDIN",
                        io.BytesIO(payload),
                        len(payload),
                    )

    def ids_taken(self, *, count: int) -> None:
        """Move each sequence past the `count` ids the rows took from `first_ids` on."""
        for model, first_id in zip(_TABLES, self._first_ids, strict=True):
            if first_id:
                self._cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [model._meta.db_table, first_id + count - 1],
                )


@contextmanager
def residents_copy() -> Iterator[ResidentsCopy]:
    """One transaction holding the three tables for a bulk run; an exception undoes it all."""
    tables = ", ".join(_table(model) for model in _TABLES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        foreign_keys = ", ".join(_deferred_foreign_keys(cursor))
        cursor.execute(f"SET CONSTRAINTS {foreign_keys} IMMEDIATE")
        yield ResidentsCopy(cursor)
        cursor.execute(f"SET CONSTRAINTS {foreign_keys} DEFERRED")


def _deferred_foreign_keys(cursor: CursorWrapper) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred "
        "AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
        [[model._meta.db_table for model in _TABLES]],
    )
    return [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]

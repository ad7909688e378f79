"""Data kept (issue 12): a database made by main before the move migrates forward with
`manage.py migrate` and keeps every row and every value.

The old database is made by main's own code at OLD_MAIN, unpacked from git and run with this
interpreter, in a throwaway database of its own (not the test database): `migrate`, then
`load_fuzhou`, then residents, reservations in every state, draws in every state (the drawn
ones real, so that they verify), wins settled and pending, orders, staff, outbox rows and the
rest, inserted as raw SQL into the old schema. Rewinding today's migrations to the old leaves
would not give that database: the old migrations call today's roles table, and `migrate` would
create content types and permissions of today's models.

Then today's `manage.py migrate` runs on it, and every table is compared with what it held.
The first tests hold on any code that keeps the data; the others describe the new structure.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import os
import random
import secrets
import subprocess
import sys
import tarfile
from decimal import Decimal
from pathlib import Path

import psycopg2
import psycopg2.extras
import pytest
from django.conf import settings

from lottery import verify
from tests.helpers import shanghai

ROOT = Path(__file__).resolve().parents[2]
# Main as it was before the move (issue 12 was filed against it).
OLD_MAIN = "24ef3bef07cb06fa3deda1a50d58665149e4cb8b"
OUR_APPS = ["reservations", "lottery", "orders", "pickup", "notifications"]

# Models that change app and keep their tables; their content types are renamed.
MOVED_MODELS = {
    **{
        ("reservations", model): ("city", model)
        for model in [
            "district",
            "town",
            "community",
            "reservationwindow",
            "campaignconfig",
            "otherarea",
            "suggestion",
        ]
    },
    ("lottery", "win"): ("reservations", "win"),
}
# Columns the move removes on purpose: a pickup staff member's point leaves the user table for
# a pickup-owned one-to-one (no foreign key points up a layer); its values are checked in
# test_pickup_staff_keep_their_point.
REMOVED_COLUMNS = {"reservations_user": {"pickup_point_id"}}
# Tables the move drops on purpose: none, moved models keep their tables.
REMOVED_TABLES: set[str] = set()
# Tables that gain rows: the new migrations, and the new models' content types and permissions.
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

# What the data was at: a draw drawn this morning, an extra draw's pool closed this evening.
NOW = shanghai(2020, 2, 23, 22, 0)


# --- the databases --------------------------------------------------------------------------


def _server_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT")
    return f"postgres://{user}{password}@{host}:{port or 5432}/{name}"


@contextlib.contextmanager
def connected(url: str, *, autocommit: bool = False):
    connection = psycopg2.connect(url)
    connection.autocommit = autocommit
    try:
        yield connection
    finally:
        connection.close()


def manage(tree: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def check(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 0, f"{run.args} failed:\n{run.stdout}\n{run.stderr}"
    return run.stdout


def old_tree(folder: Path) -> Path:
    """Main's files at OLD_MAIN (tracked files only: no .env, no .venv)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", OLD_MAIN], capture_output=True
    )
    assert archive.returncode == 0, f"main at {OLD_MAIN} is not in git: {archive.stderr!r}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@dataclasses.dataclass(frozen=True)
class Table:
    columns: list[str]
    key: list[str]
    rows: dict[tuple, dict]  # by primary key


def snapshot(url: str) -> dict[str, Table]:
    """Every table's content, as Python values, by primary key."""
    tables = {}
    with connected(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                [name],
            )
            columns = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                """
                SELECT a.attname FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = %s::regclass AND i.indisprimary
                ORDER BY array_position(i.indkey, a.attnum)
                """,
                [f'public."{name}"'],
            )
            key = [row[0] for row in cursor.fetchall()] or columns
            order = ", ".join(f'"{column}"' for column in key)
            cursor.execute(f'SELECT * FROM "{name}" ORDER BY {order}')
            names = [description[0] for description in cursor.description]
            rows = {}
            for values in cursor.fetchall():
                row = {
                    column: bytes(value) if isinstance(value, memoryview) else value
                    for column, value in zip(names, values, strict=True)
                }
                rows[tuple(row[column] for column in key)] = row
            tables[name] = Table(columns=columns, key=key, rows=rows)
    return tables


def sequences_behind(url: str, tables: dict[str, Table]) -> list[str]:
    """Tables whose id sequence would hand out an id already used (a table copied by hand)."""
    behind = []
    with connected(url) as connection, connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute("SELECT to_regclass(%s)", [f'public."{name}"'])
            if table.key != ["id"] or not table.rows or cursor.fetchone()[0] is None:
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'public."{name}"'])
            (sequence,) = cursor.fetchone()
            if sequence is None:
                continue  # a primary key the application chooses (the campaign's one row)
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last, called = cursor.fetchone()
            highest = max(key[0] for key in table.rows)
            if (last if called else last - 1) < highest:
                behind.append(f"{name}: sequence at {last}, highest id {highest}")
    return behind


# --- the old data ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RealDraw:
    """A draw's published inputs and results, made by the verifier's own functions."""

    pool: list[int]
    quota: int
    secret: str
    commitment: str
    public_value: str
    pool_file: bytes
    pool_digest: str
    winners: list[int]
    winners_file: bytes
    winners_digest: str

    @classmethod
    def make(cls, *, pool: list[int], quota: int, seed: str, public_value: str) -> "RealDraw":
        pool = sorted(pool)
        secret = hashlib.sha256(seed.encode()).digest()
        pool_digest = verify.file_digest(verify.number_lines(pool))
        key = verify.draw_key(secret, pool_digest, public_value)
        winners = verify.winners(key, pool, quota)
        return cls(
            pool=pool,
            quota=quota,
            secret=secret.hex(),
            commitment=verify.commitment(secret),
            public_value=verify.normalise_public_value(public_value),
            pool_file=b"".join(verify.number_lines(pool)),
            pool_digest=pool_digest,
            winners=winners,
            winners_file=b"".join(verify.number_lines(winners)),
            winners_digest=verify.file_digest(verify.number_lines(winners)),
        )


@dataclasses.dataclass
class Booking:
    """A reservation being made up, before it is inserted."""

    resident: dict
    number: int
    created_at: datetime.datetime
    state: str = "waiting"
    won_at: datetime.datetime | None = None
    won_draw_id: int | None = None
    cancelled_at: datetime.datetime | None = None
    id: int | None = None


class OldData:
    """Rows of every kind, inserted into the old schema with plain SQL."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.random = random.Random(12)
        self.numbers: set[int] = set()
        self.draws: dict[str, int] = {}
        self.real: dict[str, RealDraw] = {}

    def insert(self, table: str, returning: str | None = "id", **values):
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})"
        if returning:
            sql += f" RETURNING {returning}"
        self.cursor.execute(sql, [self._adapt(value) for value in values.values()])
        return self.cursor.fetchone()[0] if returning else None

    @staticmethod
    def _adapt(value):
        if isinstance(value, dict | list):
            return psycopg2.extras.Json(value)
        if isinstance(value, bytes):
            return psycopg2.Binary(value)
        return value

    def one(self, sql: str, *params):
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()

    def all(self, sql: str, *params) -> list[tuple]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    # people

    def user(self, username: str, *, groups=(), staff=False, joined, **extra) -> int:
        password = (
            f"pbkdf2_sha256$870000${secrets.token_hex(11)}${secrets.token_hex(22)}="
            if staff
            else "!" + secrets.token_hex(20)  # residents sign in by code: no usable password
        )
        user_id = self.insert(
            "reservations_user",
            password=password,
            last_login=joined + datetime.timedelta(hours=1),
            is_superuser=extra.pop("is_superuser", False),
            username=username,
            first_name=extra.pop("first_name", ""),
            last_name=extra.pop("last_name", ""),
            email=extra.pop("email", ""),
            is_staff=staff,
            is_active=extra.pop("is_active", True),
            date_joined=joined,
            phone=extra.pop("phone", None),
            pickup_point_id=extra.pop("pickup_point_id", None),
            community_id=extra.pop("community_id", None),
        )
        assert not extra, extra
        for group in groups:
            self.insert(
                "reservations_user_groups",
                user_id=user_id,
                group_id=self.one("SELECT id FROM auth_group WHERE name = %s", group)[0],
            )
        return user_id

    def staff(self) -> None:
        joined = shanghai(2020, 2, 10, 9, 0)
        points = [row[0] for row in self.all("SELECT id FROM pickup_pickuppoint ORDER BY id")]
        self.committee_place = self.one(
            "SELECT c.id, c.phone, c.town_id, t.district_id FROM reservations_community c "
            "JOIN reservations_town t ON t.id = c.town_id WHERE c.name = '庆城社区'"
        )
        self.admin = self.user("admin", staff=True, is_superuser=True, joined=joined)
        self.official = self.user(
            "official", staff=True, groups=["official"], joined=joined, first_name="林"
        )
        self.notary = self.user(
            "notary", staff=True, groups=["notary"], joined=joined, email="notary@example.cn"
        )
        self.committee = self.user(
            "committee",
            staff=True,
            groups=["committee_staff"],
            joined=joined,
            community_id=self.committee_place[0],
        )
        # Two on one point, one on another.
        self.pickup_staff = [
            self.user(
                f"pickup{i}",
                staff=True,
                groups=["pickup_staff"],
                joined=joined,
                pickup_point_id=point,
            )
            for i, point in enumerate([points[0], points[0], points[1]])
        ]
        self.former = self.user(
            "former-official", staff=True, groups=["official"], joined=joined, is_active=False
        )
        # A permission given to one person rather than through a group.
        self.insert(
            "reservations_user_user_permissions",
            user_id=self.notary,
            permission_id=self.one(
                "SELECT p.id FROM auth_permission p "
                "JOIN django_content_type ct ON ct.id = p.content_type_id "
                "WHERE ct.app_label = 'reservations' AND p.codename = 'view_suggestion'"
            )[0],
        )

    def residents(self) -> list[dict]:
        places = self.all(
            "SELECT c.id, c.phone, c.town_id, t.district_id, t.in_delivery_range "
            "FROM reservations_community c JOIN reservations_town t ON t.id = c.town_id "
            "ORDER BY c.id"
        )
        # About half outside the delivery range, so that some orders go through a pickup point.
        outside = [place for place in places if not place[4]]
        inside = [place for place in places if place[4]]
        people = []
        for i in range(20):
            community, _, town, district, _ = self.random.choice(outside if i % 2 else inside)
            phone = f"1390591{i:04d}"
            joined = shanghai(2020, 2, 16, 20, i)
            user = self.user(f"resident-{phone}", phone=phone, joined=joined)
            verified = i != 19  # one still to verify (and who has not reserved)
            document = f"35010219{1950 + i:04d}0307{i:03d}X"
            resident = {
                "user_id": user,
                "name": f"居民{i}" if verified else "",
                "document_type": ("id_card" if i % 5 else "passport") if verified else "",
                "document_hash": hashlib.sha256(document.encode()).hexdigest()
                if verified
                else None,
                "document_masked": document[:1] + "*" * 15 + document[-2:] if verified else "",
                "level": ("L3" if i % 3 else "L2") if verified else "",
                "method": ("face" if i % 3 else "bank_card") if verified else "",
                "verified_at": joined + datetime.timedelta(minutes=3) if verified else None,
                "district_id": district if verified else None,
                "town_id": town if verified else None,
                "community_id": community if verified else None,
                "street_address": f"{i + 1}号楼{i + 2}单元" if verified else "",
                "category": "",
                "registered_by_id": None,
                "language": "en" if i % 7 == 3 else "zh-hans",
                "created_at": joined,
            }
            resident["id"] = self.insert("reservations_resident", **resident)
            resident["phone"] = phone
            people.append(resident)
        community, phone, town, district = self.committee_place
        categories = ["elderly_alone", "hardship", "foreigner", "hmt_overseas", "elderly_alone"]
        for i, category in enumerate(categories):
            resident = {
                "user_id": None,
                "name": f"登记居民{i}",
                "document_type": "id_card",
                "document_hash": hashlib.sha256(f"committee-{i}".encode()).hexdigest(),
                "document_masked": f"3**************{i}2",
                "level": "L2",
                "method": "committee",
                "verified_at": shanghai(2020, 2, 17, 10, i),
                "district_id": district,
                "town_id": town,
                "community_id": community,
                "street_address": f"庆城路{i + 10}号",
                "category": category,
                "registered_by_id": self.committee,
                "language": "zh-hans",
                "created_at": shanghai(2020, 2, 17, 10, i),
            }
            resident["id"] = self.insert("reservations_resident", **resident)
            resident["phone"] = phone  # the committee's landline stands in
            people.append(resident)
        return people

    # reservations and draws

    def number(self) -> int:
        while True:
            number = self.random.randint(10_000_000, 99_999_999)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def book(self, resident: dict, created_at: datetime.datetime) -> Booking:
        return Booking(resident=resident, number=self.number(), created_at=created_at)

    def draw(self, letter: str, **values) -> int:
        values.setdefault("kind", "regular")
        values.setdefault("algorithm", 1)
        values.setdefault("commitment", "")
        values.setdefault("secret", "")
        values.setdefault("public_value", "")
        values.setdefault("public_value_fixed", False)
        values.setdefault("pool_digest", "")
        values.setdefault("winners_digest", "")
        values.setdefault("reason", "")
        values.setdefault("created_at", shanghai(2020, 2, 17, 0, 5))
        self.draws[letter] = self.insert("lottery_draw", **values)
        return self.draws[letter]

    def log(self, letter: str, at: datetime.datetime, action: str, actor=None, **details):
        self.insert(
            "lottery_drawlog",
            draw_id=self.draws[letter],
            at=at,
            actor_id=actor,
            action=action,
            details=details,
        )

    def drawn(
        self, letter: str, pool: list[Booking], *, quota: int, day: int, public_value: str
    ) -> list[Booking]:
        """A regular draw on 2020-02-<day> 10:00, drawn from `pool`: returns its winners."""
        real = RealDraw.make(
            pool=[booking.number for booking in pool],
            quota=quota,
            seed=f"the notary's secret of draw {letter}",
            public_value=public_value,
        )
        self.real[letter] = real
        at = shanghai(2020, 2, day, 10, 0)
        cutoff = shanghai(2020, 2, day - 1, 21, 0)
        drawn_at = at + datetime.timedelta(seconds=7)
        self.draw(
            letter,
            status="drawn",
            scheduled_at=at,
            slot=at,
            pool_cutoff=cutoff,
            commitment=real.commitment,
            secret=real.secret,
            public_value=real.public_value,
            public_value_fixed=True,
            planned_quota=quota,
            quota=quota,
            pool_size=len(real.pool),
            pool_digest=real.pool_digest,
            winners_count=len(real.winners),
            winners_digest=real.winners_digest,
            purchase_opens_at=shanghai(2020, 2, day, 14, 0),
            purchase_closes_at=shanghai(2020, 2, day + 1, 14, 0),
            closed_at=cutoff,
            drawn_at=drawn_at,
        )
        draw = self.draws[letter]
        for name, content in [("pool", real.pool_file), ("winners", real.winners_file)]:
            self.insert(
                "lottery_drawfile",
                draw_id=draw,
                name=name,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                lines=content.count(b"\n"),
            )
        self.log(letter, cutoff - datetime.timedelta(hours=30), "committed", self.notary)
        self.log(
            letter,
            cutoff,
            "pool_closed",
            None,
            pool_size=len(real.pool),
            pool_digest=real.pool_digest,
            quota=quota,
            pool_cutoff=cutoff.isoformat(),
        )
        self.log(letter, at, "public_value_fixed", self.official, public_value=real.public_value)
        self.log(letter, at, "secret_revealed", self.notary, secret=real.secret)
        self.log(
            letter,
            drawn_at,
            "drawn",
            self.official,
            winners_count=len(real.winners),
            winners_digest=real.winners_digest,
        )
        chosen = set(real.winners)
        return [booking for booking in pool if booking.number in chosen]

    def closed(self, letter: str, pool: list[Booking], *, quota: int, **values) -> None:
        """A draw whose pool closed and which was not drawn."""
        real = RealDraw.make(
            pool=[booking.number for booking in pool],
            quota=quota,
            seed=f"the notary's secret of draw {letter}",
            public_value="",
        )
        self.draw(
            letter,
            commitment=real.commitment,
            quota=quota,
            planned_quota=quota,
            pool_size=len(real.pool),
            pool_digest=real.pool_digest,
            **values,
        )
        self.insert(
            "lottery_drawfile",
            draw_id=self.draws[letter],
            name="pool",
            content=real.pool_file,
            sha256=real.pool_digest,
            lines=len(real.pool),
        )
        self.log(
            letter,
            values["closed_at"],
            "pool_closed",
            self.official,
            pool_size=len(real.pool),
            pool_digest=real.pool_digest,
            quota=quota,
            pool_cutoff=values["pool_cutoff"].isoformat(),
        )

    def fill(self) -> None:
        self.staff()
        people = self.residents()
        live = [person for person in people if person["level"]]
        rng = self.random
        waiting: list[Booking] = []
        bookings: list[Booking] = []

        def reserve(count: int, day: int, hour: int = 19, minute: int | None = None) -> None:
            for _ in range(count):
                at = shanghai(2020, 2, day, hour, rng.randint(0, 59) if minute is None else minute)
                booking = self.book(live.pop(0), at)
                waiting.append(booking)
                bookings.append(booking)

        # Two cancelled: one before the first pool closed, a committee's later.
        for person, day in [(live.pop(3), 17), (live.pop(-1), 21)]:
            booking = self.book(person, shanghai(2020, 2, day, 19, 30))
            booking.state, booking.cancelled_at = "cancelled", shanghai(2020, 2, day, 20, 15)
            bookings.append(booking)
        live.insert(0, live.pop(-1))  # committee residents in the first pools as well
        live.insert(3, live.pop(-1))

        # Draw A, 19 Feb: signed off, settled, its purchase window closed and lapsed.
        reserve(10, 17)
        reserve(2, 18, 20)
        winners = self.drawn(
            "A", list(waiting), quota=5, day=19, public_value="福彩3D 2020037期 开奖号码 3 8 1"
        )
        a = self.draws["A"]
        for booking, state in zip(
            winners, ["collected", "collected", "ordered", "lapsed", "lapsed"], strict=True
        ):
            booking.state = state
            booking.won_at, booking.won_draw_id = shanghai(2020, 2, 19, 10, 0, 7), a
            waiting.remove(booking)
        self.winners_a = winners
        self.cursor.execute(
            "UPDATE lottery_draw SET status = 'signed_off', signed_off_at = %s, "
            "signed_off_by_id = %s, wins_settled_at = %s, wins_lapsed_at = %s, fairness = %s "
            "WHERE id = %s",
            [
                shanghai(2020, 2, 19, 11, 30),
                self.notary,
                shanghai(2020, 2, 19, 10, 0, 9),
                shanghai(2020, 2, 20, 14, 1),
                psycopg2.extras.Json(
                    {
                        "version": 1,
                        "by_district": {"gulou": {"pool": 6, "winners": 2}},
                        "p_value": 0.71,
                    }
                ),
                a,
            ],
        )
        self.log("A", shanghai(2020, 2, 19, 10, 0, 9), "wins_settled", None, settled_now=5)
        self.log(
            "A",
            shanghai(2020, 2, 19, 11, 30),
            "signed_off",
            self.notary,
            pool_digest=self.real["A"].pool_digest,
            winners_digest=self.real["A"].winners_digest,
            commitment=self.real["A"].commitment,
        )

        # Draw B, 21 Feb: cancelled after its pool closed (the ceremony could not be held).
        reserve(3, 19)
        self.closed(
            "B",
            list(waiting),
            quota=4,
            status="cancelled",
            scheduled_at=shanghai(2020, 2, 21, 10, 0),
            slot=shanghai(2020, 2, 21, 10, 0),
            pool_cutoff=shanghai(2020, 2, 20, 21, 0),
            closed_at=shanghai(2020, 2, 20, 21, 0),
            reason="公证员无法到场",
        )
        self.log(
            "B", shanghai(2020, 2, 21, 9, 40), "cancelled", self.official, reason="公证员无法到场"
        )

        # Draw C, 23 Feb: drawn this morning; half its wins settled, half still pending.
        reserve(3, 21)
        winners = self.drawn(
            "C", list(waiting), quota=6, day=23, public_value="福彩3D 2020039期 开奖号码 9 0 4"
        )
        c = self.draws["C"]
        for booking in winners[:3]:
            booking.state = "won"
            booking.won_at, booking.won_draw_id = shanghai(2020, 2, 23, 10, 0, 7), c
        winners[2].state = "ordered"
        for booking in winners:
            waiting.remove(booking)
        self.winners_c = winners

        # Draw D: an extra draw run at once this evening, stopped after its pool closed.
        reserve(2, 23, 20)
        self.closed(
            "D",
            list(waiting),
            quota=3,
            kind="extra",
            status="pool_closed",
            scheduled_at=shanghai(2020, 2, 23, 21, 30, 1),
            pool_cutoff=shanghai(2020, 2, 23, 21, 30),
            closed_at=shanghai(2020, 2, 23, 21, 30),
            created_at=shanghai(2020, 2, 23, 21, 29),
        )
        self.log("D", shanghai(2020, 2, 23, 21, 29), "run_at_once", self.official, quota=3)
        reserve(1, 23, 21, 45)  # after D's cut-off: joins the next pool

        # Draws to come: committed, postponed to another, scheduled, cancelled before closing.
        self.draw(
            "E",
            status="committed",
            scheduled_at=shanghai(2020, 2, 25, 10, 0),
            slot=shanghai(2020, 2, 25, 10, 0),
            pool_cutoff=shanghai(2020, 2, 24, 21, 0),
            commitment=hashlib.sha256(b"E").hexdigest(),
            planned_quota=4,
        )
        self.log("E", shanghai(2020, 2, 23, 15, 0), "committed", self.notary)
        self.draw(
            "G",
            status="scheduled",
            scheduled_at=shanghai(2020, 2, 28, 10, 0),
            slot=shanghai(2020, 2, 27, 10, 0),
            pool_cutoff=shanghai(2020, 2, 27, 21, 0),
        )
        self.draw(
            "F",
            status="postponed",
            scheduled_at=shanghai(2020, 2, 27, 10, 0),
            slot=shanghai(2020, 2, 27, 10, 0),
            pool_cutoff=shanghai(2020, 2, 26, 21, 0),
            postponed_to_id=self.draws["G"],
            reason="口罩未到货",
        )
        self.log("F", shanghai(2020, 2, 23, 16, 0), "postponed", self.official, reason="口罩未到货")
        self.draw(
            "H",
            status="cancelled",
            scheduled_at=shanghai(2020, 2, 29, 10, 0),
            slot=shanghai(2020, 2, 29, 10, 0),
            pool_cutoff=shanghai(2020, 2, 28, 21, 0),
            reason="暂停抽签",
        )
        self.log("H", shanghai(2020, 2, 23, 20, 5), "cancelled", self.official, reason="暂停抽签")

        for booking in sorted(bookings, key=lambda booking: booking.created_at):
            person = booking.resident
            booking.id = self.insert(
                "reservations_reservation",
                number=booking.number,
                resident_id=person["id"],
                state=booking.state,
                phone=person["phone"],
                district_id=person["district_id"],
                town_id=person["town_id"],
                community_id=person["community_id"],
                address=person["street_address"],
                by_committee=person["user_id"] is None,
                language=person["language"],
                created_at=booking.created_at,
                won_at=booking.won_at,
                won_draw_id=booking.won_draw_id,
                cancelled_at=booking.cancelled_at,
            )
        for booking in [*self.winners_a, *self.winners_c]:
            letter = "A" if booking in self.winners_a else "C"
            self.insert("lottery_win", None, reservation_id=booking.id, draw_id=self.draws[letter])
        self.bookings = bookings
        self.orders()
        self.the_rest()

    def orders(self) -> None:
        self.partner = self.insert(
            "orders_partner",
            name="朴朴超市",
            token_hash=hashlib.sha256(b"partner token").hexdigest(),
            created_at=shanghai(2020, 2, 16, 12, 0),
        )
        self.insert(
            "orders_partner",
            name="永辉超市",
            token_hash=hashlib.sha256(b"revoked token").hexdigest(),
            created_at=shanghai(2020, 2, 16, 12, 5),
            revoked_at=shanghai(2020, 2, 18, 9, 0),
        )
        points = dict(self.all("SELECT district_id, id FROM pickup_pickuppoint"))
        ranges = dict(self.all("SELECT id, in_delivery_range FROM reservations_town"))
        sequence = iter(range(1, 100))

        def order(booking: Booking, status: str, at: datetime.datetime, **times) -> None:
            person = booking.resident
            pickup = not ranges[person["town_id"]]
            self.insert(
                "orders_order",
                partner_id=self.partner,
                partner_order_id=f"PP2020{next(sequence):06d}",
                reservation_id=booking.id,
                status=status,
                fulfilment="pickup" if pickup else "delivery",
                pickup_point_id=points[person["district_id"]] if pickup else None,
                delivery_date=(at + datetime.timedelta(days=1)).date(),
                request_fingerprint=hashlib.sha256(f"order {booking.id}".encode()).hexdigest(),
                created_at=at,
                updated_at=max([at, *times.values()]),
                **times,
            )

        day19 = shanghai(2020, 2, 19, 15, 0)
        collected, collected2, ordered, lapsed, lapsed2 = self.winners_a
        order(
            collected,
            "delivered",
            day19,
            dispatched_at=shanghai(2020, 2, 20, 9, 0),
            delivered_at=shanghai(2020, 2, 20, 16, 0),
        )
        order(
            collected2,
            "delivered",
            day19 + datetime.timedelta(minutes=20),
            dispatched_at=shanghai(2020, 2, 20, 9, 0),
            delivered_at=shanghai(2020, 2, 20, 15, 30),
        )
        order(ordered, "dispatched", day19, dispatched_at=shanghai(2020, 2, 20, 9, 5))
        # Cancelled after the purchase window closed: the win lapsed.
        order(lapsed2, "cancelled", day19, cancelled_at=shanghai(2020, 2, 20, 15, 0))
        _, won_again, ordered_c = self.winners_c[:3]
        day23 = shanghai(2020, 2, 23, 15, 0)
        # Cancelled inside the window: the win is back.
        order(won_again, "cancelled", day23, cancelled_at=shanghai(2020, 2, 23, 16, 0))
        order(ordered_c, "placed", day23 + datetime.timedelta(minutes=5))
        fulfilments = {row[0] for row in self.all("SELECT fulfilment FROM orders_order")}
        assert fulfilments == {"delivery", "pickup"}, "the data wants orders of both kinds"
        self.lapsed = lapsed

    def the_rest(self) -> None:
        # The outbox: win messages sent, a reminder, order notices, codes sealed or blanked.
        message = 0

        def outbox(kind: str, recipient: str, text: str, state: str, **extra) -> None:
            nonlocal message
            message += 1
            priority = {"sign_in_code": 0, "win": 9, "lapse_reminder": 9}.get(kind, 5)
            created = extra.pop("created_at", shanghai(2020, 2, 19, 10, 0, 8))
            self.insert(
                "notifications_outboxmessage",
                recipient=recipient,
                text=text,
                kind=kind,
                language=extra.pop("language", "zh-hans"),
                priority=priority,
                dedupe_key=extra.pop("dedupe_key", f"{kind}:{message}"),
                state=state,
                attempts=extra.pop("attempts", 1 if state != "queued" else 0),
                next_attempt_at=created,
                lease_until=extra.pop("lease_until", None),
                leased_by=extra.pop("leased_by", ""),
                last_error=extra.pop("last_error", ""),
                created_at=created,
                sent_at=created + datetime.timedelta(seconds=30) if state == "sent" else None,
                updated_at=created + datetime.timedelta(seconds=30),
            )
            assert not extra, extra

        def win(booking: Booking, letter: str, state: str, **extra) -> None:
            person = booking.resident
            if person["user_id"] is None:  # the committee hears of its residents' wins
                kind, recipient = "committee_win", person["phone"]
            else:
                kind, recipient = "win", "+86" + person["phone"]
            outbox(
                kind,
                recipient,
                f"【福州普惠】预约号 {booking.number:08d} 已中签，请在购买时段内购买。",
                state,
                language=person["language"],
                dedupe_key=f"{kind}:{self.draws[letter]}:{booking.id}",
                **extra,
            )

        for booking in self.winners_a:
            win(booking, "A", "sent")
        for i, booking in enumerate(self.winners_c):
            state = ["sent", "sent", "sending", "queued", "queued", "failed"][i]
            win(
                booking,
                "C",
                state,
                created_at=shanghai(2020, 2, 23, 10, 0, 8),
                lease_until=NOW if state == "sending" else None,
                leased_by=secrets.token_hex(8) if state == "sending" else "",
                last_error="gateway answered 500" if state == "failed" else "",
                attempts={"failed": 5, "queued": 0}.get(state, 1),
            )
        outbox(
            "lapse_reminder",
            "+86" + self.lapsed.resident["phone"],
            "【福州普惠】您的中签将于 4 小时后失效。",
            "sent",
            created_at=shanghai(2020, 2, 20, 10, 0),
        )
        outbox("order_placed", "+8613905910000", "【福州普惠】您的订单已提交。", "queued")
        outbox("pickup_notice", "+8613905910001", "【福州普惠】请到代收点取货。", "sent")
        outbox("sign_in_code", "+8613905910002", "", "sent")  # blanked once sent
        outbox(
            "sign_in_code",
            "+8613905910003",
            "sealed:v1:gAAAAABeUhmX" + secrets.token_urlsafe(60),
            "queued",
            created_at=NOW,
        )
        for i, (used, tries) in enumerate([(True, 0), (False, 5), (False, 1)]):
            created = NOW - datetime.timedelta(minutes=10 * i)
            self.insert(
                "reservations_signincode",
                phone=f"1390591{i:04d}",
                code_hash=hashlib.sha256(f"code {i}".encode()).hexdigest(),
                created_at=created,
                expires_at=created + datetime.timedelta(minutes=5),
                wrong_tries=tries,
                used_at=created + datetime.timedelta(minutes=1) if used else None,
            )
        for day, masks, note in [(18, 50, "第一批"), (22, 60, "第二批")]:
            self.insert(
                "lottery_supplyarrival",
                arrived_on=datetime.date(2020, 2, day),
                masks=masks,
                note=note,
                recorded_by_id=self.official,
                created_at=shanghai(2020, 2, day, 8, 0),
            )
        self.insert(
            "lottery_schedulepause",
            reason="口罩未到货",
            started_at=shanghai(2020, 2, 21, 9, 0),
            started_by_id=self.official,
            ended_at=shanghai(2020, 2, 21, 18, 0),
            ended_by_id=self.official,
            in_force=False,
        )
        self.insert(
            "lottery_schedulepause",
            reason="等待下一批口罩",
            started_at=shanghai(2020, 2, 23, 20, 0),
            started_by_id=self.official,
            in_force=True,
        )
        self.insert(
            "reservations_suggestion",
            text="希望增加代收点。",
            contact="13905910005",
            language="zh-hans",
            created_at=shanghai(2020, 2, 20, 12, 0),
            read_at=shanghai(2020, 2, 21, 9, 0),
            read_by_id=self.official,
        )
        self.insert(
            "reservations_suggestion",
            text="Please add an English help line.",
            contact="",
            language="en",
            created_at=shanghai(2020, 2, 22, 8, 0),
        )
        self.cursor.execute(
            "UPDATE reservations_campaignconfig SET pack_size = 5, unit_price = %s, "
            "updated_at = %s",
            [Decimal("2.50"), shanghai(2020, 2, 16, 18, 0)],
        )
        # What officials did in the admin, linked to the models' content types.
        for model, object_id, text in [
            ("district", "1", "鼓楼区"),
            ("campaignconfig", "1", "活动配置"),
            ("reservation", str(self.bookings[0].id), f"{self.bookings[0].number:08d}"),
        ]:
            self.insert(
                "django_admin_log",
                action_time=shanghai(2020, 2, 16, 18, 0),
                object_id=object_id,
                object_repr=text,
                action_flag=2,
                change_message='[{"changed": {"fields": ["name"]}}]',
                content_type_id=self.one(
                    "SELECT id FROM django_content_type "
                    "WHERE app_label = 'reservations' AND model = %s",
                    model,
                )[0],
                user_id=self.official,
            )
        self.insert(
            "django_session",
            None,
            session_key=secrets.token_hex(16),
            session_data="e30:1jF4nQ:" + secrets.token_urlsafe(20),
            expire_date=NOW + datetime.timedelta(days=14),
        )


# --- fixtures -------------------------------------------------------------------------------


@dataclasses.dataclass
class Forward:
    url: str
    tree: Path
    data: OldData
    before: dict[str, Table]
    after: dict[str, Table] | None = None

    def __repr__(self) -> str:  # what a failure prints: not every row of every table
        return f"Forward({self.url})"

    def rows(self, table: str, *, after: bool = True) -> list[dict]:
        tables = self.after if after else self.before
        assert tables is not None
        return list(tables[table].rows.values())

    def query(self, sql: str, *params) -> list[tuple]:
        with connected(self.url) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@pytest.fixture(scope="module")
def old_database(tmp_path_factory):
    """A database as main at OLD_MAIN made and filled it; dropped afterwards."""
    name = f"puhui_forward_{secrets.token_hex(4)}"
    server = _server_url("postgres")
    url = _server_url(name)
    with connected(server, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        tree = old_tree(tmp_path_factory.mktemp("old-main"))
        check(manage(tree, url, "migrate", "--noinput"))
        check(manage(tree, url, "load_fuzhou"))
        with connected(url) as connection:
            with connection.cursor() as cursor:
                data = OldData(cursor)
                data.fill()
            connection.commit()
        yield Forward(url=url, tree=tree, data=data, before=snapshot(url))
    finally:
        with connected(server, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def forward(old_database):
    """The old database after today's `manage.py migrate`."""
    if old_database.after is None:
        check(manage(ROOT, old_database.url, "migrate", "--noinput"))
        old_database.after = snapshot(old_database.url)
    return old_database


# --- the data is kept -----------------------------------------------------------------------


def test_the_old_database_is_main_s_own_with_rows_of_every_kind(old_database):
    """The starting point: exactly main's migrations applied, every table holding rows (so that
    the comparison covers each), and reservations and draws in every state."""
    before = old_database.before
    applied = {
        (row["app"], row["name"])
        for row in before["django_migrations"].rows.values()
        if row["app"] in OUR_APPS
    }
    files = {
        (app, path.stem)
        for app in OUR_APPS
        for path in (old_database.tree / app / "migrations").glob("0*.py")
    }
    assert applied == files
    assert ("reservations", "0010_shorter_document_masks") in applied
    assert ("lottery", "0008_wins_ledger") in applied
    assert [table for table, content in before.items() if not content.rows] == []

    reservations = before["reservations_reservation"].rows.values()
    assert {row["state"] for row in reservations} == {
        "waiting",
        "won",
        "ordered",
        "collected",
        "lapsed",
        "cancelled",
    }
    assert {row["status"] for row in before["lottery_draw"].rows.values()} == {
        "signed_off",
        "drawn",
        "pool_closed",
        "committed",
        "scheduled",
        "postponed",
        "cancelled",
    }
    waiting = {row["id"] for row in reservations if row["state"] == "waiting"}
    wins = [row["reservation_id"] for row in before["lottery_win"].rows.values()]
    assert len(wins) == 11 and len(waiting.intersection(wins)) == 3  # 3 wins pending
    staff_points = [
        row for row in before["reservations_user"].rows.values() if row["pickup_point_id"]
    ]
    assert len(staff_points) == 3


def home_deliveries(tables: dict[str, Table]) -> set[tuple]:
    """The keys of reservations whose order was delivered home: stored `collected` before
    issue 13, `delivered` after it (reservations 0014), on purpose."""
    return {
        (row["reservation_id"],)
        for row in tables["orders_order"].rows.values()
        if row["fulfilment"] == "delivery" and row["status"] == "delivered"
    }


def granted_on_new_models(before: dict[str, Table], after: dict[str, Table]) -> set[tuple]:
    """The keys of group permissions granted on models the old database did not have (issue
    13's batches and parcels, city/roles.py), or of permissions it did not have (issue 14's
    lottery.run_ceremony and lottery.notarise): new rows on purpose, of new permissions only."""
    old_types = {row["id"] for row in before["django_content_type"].rows.values()}
    old_permissions = {
        (row["content_type_id"], row["codename"]) for row in before["auth_permission"].rows.values()
    }
    new_permissions = {
        row["id"]
        for row in after["auth_permission"].rows.values()
        if row["content_type_id"] not in old_types
        or (row["content_type_id"], row["codename"]) not in old_permissions
    }
    return {
        key
        for key, row in after["auth_group_permissions"].rows.items()
        if row["permission_id"] in new_permissions
    }


def _changed_on_purpose(table: str, key: tuple, column: str, old, new, moved: set) -> bool:
    return (
        table == "reservations_reservation"
        and column == "state"
        and key in moved
        and (old, new) == ("collected", "delivered")
    )


def _differences(
    old: Table, new: Table, table: str, moved: set = frozenset(), granted: set = frozenset()
) -> list[str]:
    removed = REMOVED_COLUMNS.get(table, set())
    missing_columns = set(old.columns) - set(new.columns) - removed
    if missing_columns:
        return [f"{table}: columns gone: {sorted(missing_columns)}"]
    kept = [column for column in old.columns if column in new.columns]
    if old.key != new.key:
        return [f"{table}: primary key {old.key} became {new.key}"]
    problems = []
    for key, row in old.rows.items():
        after = new.rows.get(key)
        if after is None:
            problems.append(f"{table} {key}: row gone ({row})")
            continue
        for column in kept:
            expected = row[column]
            if table == "django_content_type" and column == "app_label":
                moved = MOVED_MODELS.get((row["app_label"], row["model"]))
                if moved and after[column] == moved[0]:
                    continue  # renamed on purpose (test_moved_models_content_types_...)
            if _changed_on_purpose(table, key, column, expected, after[column], moved):
                continue  # test_home_deliveries_become_delivered
            if after[column] != expected:
                problems.append(f"{table} {key}: {column} {expected!r} became {after[column]!r}")
    if table not in GROWING_TABLES:
        added = new.rows.keys() - old.rows.keys() - granted
        problems += [f"{table} {key}: new row" for key in added]
    return problems


def test_every_row_and_every_value_of_every_old_table_is_kept(forward):
    gone = set(forward.before) - set(forward.after) - REMOVED_TABLES
    problems = [f"{table}: table gone" for table in sorted(gone)]
    moved = home_deliveries(forward.before)
    granted = granted_on_new_models(forward.before, forward.after)
    for table, old in forward.before.items():
        if table in forward.after:
            problems += _differences(old, forward.after[table], table, moved, granted)
    problems += sequences_behind(forward.url, forward.before)
    assert not problems, "\n".join(problems[:40])


def test_home_deliveries_become_delivered(forward):
    """Issue 13: a reservation whose order was delivered home ends `delivered`; every other
    reservation keeps its state (a pickup order's `collected` is the resident's collection)."""
    moved = home_deliveries(forward.before)
    assert moved, "the data wants a home delivery that was delivered"
    before = forward.before["reservations_reservation"].rows
    after = forward.after["reservations_reservation"].rows
    for key, row in before.items():
        expected = "delivered" if key in moved and row["state"] == "collected" else row["state"]
        assert after[key]["state"] == expected, key


def test_published_draws_still_verify_with_the_files_the_site_serves(forward, tmp_path):
    """The certificate, the pool and the winners, downloaded from the migrated site, and the
    verifier (`python -m lottery.verify`, and the copy the site hands out) accepts them."""
    drawn = [forward.data.draws["A"], forward.data.draws["C"]]  # signed off, and drawn
    script = f"""
import pathlib
from django.test import Client
client = Client(HTTP_HOST="localhost")
folder = pathlib.Path({str(tmp_path)!r})
def get(path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
(folder / "verify.py").write_bytes(get("/draws/verify.py"))
for draw in {drawn!r}:
    (folder / str(draw)).mkdir()
    for name in ["certificate.json", "pool.txt", "winners.txt"]:
        (folder / str(draw) / name).write_bytes(get(f"/draws/{{draw}}/{{name}}"))
"""
    check(manage(ROOT, forward.url, "shell", "-c", script))
    for draw in drawn:
        files = [
            str(tmp_path / str(draw) / name)
            for name in ["certificate.json", "pool.txt", "winners.txt"]
        ]
        certificate = json.loads(Path(files[0]).read_text())
        assert certificate["id"] == draw
        for run in [
            [sys.executable, "-m", "lottery.verify", *files],
            [sys.executable, "-I", str(tmp_path / "verify.py"), *files],
        ]:
            verified = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
            assert verified.returncode == 0, verified.stdout + verified.stderr
            assert f"draw {draw}: OK" in verified.stdout
    signed_off = json.loads((tmp_path / str(drawn[0]) / "certificate.json").read_text())
    real = forward.data.real["A"]
    assert signed_off["status"] == "signed_off"
    assert (signed_off["secret"], signed_off["pool_digest"], signed_off["winners_count"]) == (
        real.secret,
        real.pool_digest,
        len(real.winners),
    )


# --- the new structure ----------------------------------------------------------------------


def _content_types(tables: dict[str, Table]) -> dict[tuple[str, str], int]:
    return {
        (row["app_label"], row["model"]): row["id"]
        for row in tables["django_content_type"].rows.values()
    }


def test_moved_models_content_types_are_renamed_not_recreated(forward):
    before, after = _content_types(forward.before), _content_types(forward.after)
    expected = {new: before[old] for old, new in MOVED_MODELS.items()}
    assert {new: after.get(new) for new in expected} == expected
    assert not [old for old in MOVED_MODELS if old in after], "old content types left behind"
    for _, model in MOVED_MODELS.values():
        assert sum(1 for (_, name) in after if name == model) == 1, f"{model} twice"


def test_every_group_keeps_its_permissions_now_on_the_moved_models(forward):
    def held(tables):
        return {
            (row["group_id"], row["permission_id"])
            for row in tables["auth_group_permissions"].rows.values()
        }

    # Every permission a group held it still holds; the ones added are on new models only.
    granted = {
        (row["group_id"], row["permission_id"])
        for key, row in forward.after["auth_group_permissions"].rows.items()
        if key in granted_on_new_models(forward.before, forward.after)
    }
    assert held(forward.after) - granted == held(forward.before)
    types = {row["id"]: row for row in forward.after["django_content_type"].rows.values()}
    permissions = forward.after["auth_permission"].rows
    new_grants = {
        (
            types[permissions[(p,)]["content_type_id"]]["app_label"],
            types[permissions[(p,)]["content_type_id"]]["model"],
            permissions[(p,)]["codename"].split("_")[0],
        )
        for _, p in granted
    }
    new_models = {(app, model) for app, model, _ in new_grants}
    assert new_models == {
        ("pickup", "batch"),
        ("pickup", "parcel"),
        ("pickup", "collectatpoint"),
        ("lottery", "draw"),  # issue 14: the ceremony's own permissions, none of Django's
        ("portal", "dashboard"),  # issue 14: officials and notaries see the dashboard
        ("city", "auditentry"),  # issue 14: officials and notaries read the audit trail
        ("lottery", "sealedcertificate"),  # issue 16: officials and notaries read the ledger
    }
    assert {act for app, model, act in new_grants if model == "draw"} == {"run", "notarise"}
    assert {act for _, model, act in new_grants if model == "sealedcertificate"} == {"view"}
    rows = forward.query(
        """
        SELECT g.name, ct.app_label, ct.model, p.codename
        FROM auth_group_permissions gp
        JOIN auth_group g ON g.id = gp.group_id
        JOIN auth_permission p ON p.id = gp.permission_id
        JOIN django_content_type ct ON ct.id = p.content_type_id
        """
    )
    moved = {model for _, model in MOVED_MODELS}
    on_moved = {row for row in rows if row[2] in moved}
    assert {
        ("official", "city", "district", "view_district"),
        ("official", "city", "campaignconfig", "change_campaignconfig"),
        ("notary", "city", "campaignconfig", "view_campaignconfig"),
        ("committee_staff", "city", "community", "view_community"),
        ("pickup_staff", "city", "town", "view_town"),
    } <= on_moved
    assert not {row for row in on_moved if (row[1], row[2]) in MOVED_MODELS}
    # A permission given to one person directly follows its model too.
    direct = forward.query(
        "SELECT ct.app_label, p.codename FROM reservations_user_user_permissions up "
        "JOIN auth_permission p ON p.id = up.permission_id "
        "JOIN django_content_type ct ON ct.id = p.content_type_id"
    )
    assert direct == [("city", "view_suggestion")]


def _table(forward: Forward, table: str) -> None:
    if table not in forward.after:
        pytest.fail(f"no table {table} after the migration")


def _columns(forward: Forward, table: str) -> set[str]:
    return {
        row[0]
        for row in forward.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s",
            table,
        )
    }


def _foreign_keys(forward: Forward, table: str) -> set[tuple[str, str]]:
    """(column, referenced table) of each foreign-key constraint of `table`."""
    return set(
        forward.query(
            """
            SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
            WHERE c.contype = 'f' AND c.conrelid = %s::regclass
            """,
            table,
        )
    )


def test_pickup_staff_keep_their_point(forward):
    had = {
        row["id"]: row["pickup_point_id"]
        for row in forward.rows("reservations_user", after=False)
        if row["pickup_point_id"] is not None
    }
    _table(forward, "pickup_pickupstaff")
    assert {"user_id", "point_id"} <= _columns(forward, "pickup_pickupstaff")
    assert {row["user_id"]: row["point_id"] for row in forward.rows("pickup_pickupstaff")} == had
    assert len(forward.rows("pickup_pickupstaff")) == len(had)
    assert ("user_id", "reservations_user") in _foreign_keys(forward, "pickup_pickupstaff")
    assert ("point_id", "pickup_pickuppoint") in _foreign_keys(forward, "pickup_pickupstaff")
    # One-to-one: a unique index on the user alone.
    unique = forward.query(
        """
        SELECT 1 FROM pg_index i JOIN pg_attribute a
          ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = 'pickup_pickupstaff'::regclass AND i.indisunique
          AND i.indnatts = 1 AND a.attname = 'user_id'
        """
    )
    assert unique
    assert "pickup_point_id" not in _columns(forward, "reservations_user")


def test_the_draw_a_reservation_or_a_win_belongs_to_is_a_plain_number_with_its_value(forward):
    def won_draws(after: bool):
        return {
            row["id"]: row["won_draw_id"]
            for row in forward.rows("reservations_reservation", after=after)
        }

    assert won_draws(True) == won_draws(False)
    assert {draw for draw in won_draws(True).values() if draw} == {
        forward.data.draws["A"],
        forward.data.draws["C"],
    }
    assert not [
        fk for fk in _foreign_keys(forward, "reservations_reservation") if fk[1] == "lottery_draw"
    ], "reservations_reservation still has a foreign key to lottery_draw"

    def wins(after: bool):
        return {
            row["reservation_id"]: row["draw_id"]
            for row in forward.rows("lottery_win", after=after)
        }

    assert wins(True) == wins(False)
    assert len(wins(True)) == 11
    assert not [fk for fk in _foreign_keys(forward, "lottery_win") if fk[1] == "lottery_draw"], (
        "lottery_win still has a foreign key to lottery_draw"
    )


def test_every_pool_that_closed_has_its_snapshot(forward):
    def kind(draw: dict) -> str:
        if draw["status"] in ("drawn", "signed_off"):
            # A drawn pool whose wins are all settled onto their reservations is `settled`.
            return "settled" if draw["wins_settled_at"] else "drawn"
        return {"pool_closed": "frozen", "cancelled": "voided"}[draw["status"]]

    expected = {
        row["id"]: (row["pool_cutoff"], kind(row))
        for row in forward.rows("lottery_draw", after=False)
        if row["closed_at"] is not None
    }
    draws = forward.data.draws
    assert {draw: state for draw, (_, state) in expected.items()} == {
        draws["A"]: "settled",
        draws["B"]: "voided",
        draws["C"]: "drawn",
        draws["D"]: "frozen",
    }
    _table(forward, "reservations_poolsnapshot")
    assert {"draw_id", "cutoff", "state"} <= _columns(forward, "reservations_poolsnapshot")
    snapshots = forward.rows("reservations_poolsnapshot")
    assert {row["draw_id"]: (row["cutoff"], row["state"]) for row in snapshots} == expected
    assert len(snapshots) == len(expected)

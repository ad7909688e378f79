"""Demo data in bulk: verified residents, and optionally their reservations; and residents
registered by their committees (no phone, the committee's address, each with a reservation the
committee made), copied the same way after them (`_committee_seed`).

For demos and load tests. Each row is what sign-up, verification to L2 and reserving would have
left, skipping only the reservation windows (rule 2). This module makes the rows; the
reservations app writes them (`reservations.bulk.residents_copy`, by PostgreSQL COPY, every
constraint of the database checked as usual), so a violation aborts the whole run and leaves
nothing.

Uniqueness by construction, not by retrying:

- Phones are 199 followed by 8 digits, continuing after the highest 199 number any account has
  as phone or username; the username is the phone.
- Documents are valid resident IDs, one per phone of the range the run takes (`demo_documents`),
  so no two demo residents share one. A real resident who happens to hold one keeps it: the
  chunk that collides is rolled back to its savepoint and copied again without that row.
- Reservation numbers are drawn at random, avoiding those in a bitmap of the numbers in use.
- Ids are taken from the tables' own sequences, which are moved past them at the end.

All this holds because `residents_copy` locks the user, resident and reservation tables for the
run's whole transaction, so nobody else can take an id, phone or number it has planned.

Speed (3 million residents with reservations in under three minutes on 2 cores): rows are
built as COPY text in a second thread while the previous chunk is copied, and the indexes are
filled in an order that keeps their pages in memory: ids, phones and reservation times grow
together, and the documents of a run are handed out in the order of their hashes (random keys
otherwise: each insert a page read and, after a checkpoint, a full-page image in the WAL).
Sorting the reservations of a chunk by their random numbers was measured to be slower: it
scatters the five indexes that follow the ids.
"""

import datetime
import functools
import os
import random
from array import array
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TextIO

from django.utils import timezone

from city.models import Community, District, Town
from city.selectors import campaign_get, delivery_address
from reservations.bulk import (
    COPY_ESCAPES,
    NUMBER_COUNT,
    NUMBER_FIRST,
    ResidentsCopy,
    residents_copy,
)
from reservations.models import Category, Level, Method, ReservationState
from reservations.services import document_hash
from reservations.validators import CHECK_CHARS, CHECK_WEIGHTS, DocumentType, mask_document

CSV_HEADER = "phone,reservation_number,district,town,address"

PHONE_FIRST = 19_900_000_000
PHONE_LAST = 19_999_999_999
_MICROSECONDS = 1_000_000
_SIGN_UP_BEFORE_RESERVING = 30 * 60 * _MICROSECONDS  # at most this long before reserving

# Resident ID (GB 11643-1999): area code, birth date, 3-digit sequence, ISO 7064 MOD 11-2 check.
# The area codes are Fuzhou's five urban districts; birth dates run 20,000 days from 1940, so
# 5 areas x 20,000 days x 1,000 sequences give every one of the 10^8 phones its own number.
_AREA_CODES = ("350102", "350103", "350104", "350105", "350111")
# Residents registered by committees take the documents of Fuzhou's counties instead, counted
# after the committee-registered residents already there: never one a demo phone comes with.
_COMMITTEE_AREA_CODES = ("350121", "350122", "350123", "350124", "350125")
_COMMITTEE_NAMES = "陈林黄张李王吴刘蔡郑"
_FIRST_BIRTH_DATE = datetime.date(1940, 1, 1)
_BIRTH_DATES = 20_000


class CannotSeed(Exception):
    pass


@dataclass(frozen=True)
class SeedResult:
    residents: int
    reservations: int
    committee: int = 0  # of them, registered by committees (no phone; always with a reservation)


def _weighted(digits: str, first_weight: int) -> int:
    return sum(int(d) * w for d, w in zip(digits, CHECK_WEIGHTS[first_weight:], strict=False))


@functools.cache
def _document_parts(
    area_codes: tuple[str, ...] = _AREA_CODES,
) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    """Each part of the first 17 characters with its share of the check sum, computed once."""
    areas = [(code, _weighted(code, 0)) for code in area_codes]
    days = []
    for offset in range(_BIRTH_DATES):
        text = (_FIRST_BIRTH_DATE + datetime.timedelta(days=offset)).strftime("%Y%m%d")
        days.append((text, _weighted(text, 6)))
    sequences = [(f"{n:03d}", _weighted(f"{n:03d}", 14)) for n in range(1000)]
    return areas, days, sequences


def _document_for_counter(counter: int, area_codes: tuple[str, ...] = _AREA_CODES) -> str:
    areas, days, sequences = _document_parts(area_codes)
    rest, sequence = divmod(counter, 1000)
    area, day = divmod(rest, _BIRTH_DATES)
    area_text, area_sum = areas[area]
    day_text, day_sum = days[day]
    sequence_text, sequence_sum = sequences[sequence]
    return (
        area_text + day_text + sequence_text + CHECK_CHARS[(area_sum + day_sum + sequence_sum) % 11]
    )


def _hash(number: str) -> str:
    return document_hash(document_type=DocumentType.RESIDENT_ID, number=number)


def demo_documents(phones: Iterable[str]) -> dict[str, str]:
    """Document hash -> resident ID, for the documents that come with these demo phones.

    A run hands out the documents of its range of phones in the order of their hashes, so a
    demo resident holds one of the documents of the run's phones, not necessarily their own."""
    return {_hash(number): number for number in map(_document_for_phone, phones)}


def _document_for_phone(phone: str) -> str:
    return _document_for_counter(int(phone) - PHONE_FIRST)


@dataclass(frozen=True)
class _Place:
    """Where a resident lives, with the parts of their rows that depend only on that."""

    district: District
    town: Town
    community: Community
    ids: str  # community_id, district_id, town_id in COPY text
    csv_names: str  # district and town names in CSV
    quote: bool  # the address needs quoting in the CSV
    escape: bool  # the address needs escaping for COPY


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _places() -> list[list[_Place]]:
    """Per town (every town that has a community), one place per community."""
    communities: dict[int, list[Community]] = {}
    for community in Community.objects.order_by("town_id", "id"):
        communities.setdefault(community.town_id, []).append(community)
    towns = []
    for town in Town.objects.select_related("district").order_by("district__sort_order", "id"):
        prefix = delivery_address(district=town.district, town=town, street_address="")
        towns.append(
            [
                _Place(
                    district=town.district,
                    town=town,
                    community=community,
                    ids=f"{community.id}\t{town.district_id}\t{town.id}",
                    csv_names=f"{_csv_field(town.district.name)},{_csv_field(town.name)}",
                    quote=_csv_field(prefix) != prefix,
                    escape=prefix.translate(COPY_ESCAPES) != prefix,
                )
                for community in communities.get(town.id, [])
            ]
        )
    return [places for places in towns if places]


@functools.cache
def _clock_seconds() -> list[str]:
    """The text of every second of a day, "HH:MM:SS." (microseconds follow)."""
    return [f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]


def free_reservation_number(used: bytearray, randrange) -> int:
    """A random eight-digit number no reservation holds, marked as taken in `used` (one bit per
    number): the seeders' own draw, far faster than asking the database each time."""
    while True:
        n = randrange(NUMBER_COUNT)
        byte, bit = n >> 3, 1 << (n & 7)
        if not used[byte] & bit:
            used[byte] |= bit
            return NUMBER_FIRST + n


class _Clock:
    """timestamptz text (UTC) for microseconds since the epoch, without datetime objects."""

    _EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._seconds = _clock_seconds()

    def text(self, microseconds: int) -> str:
        seconds, micro = divmod(microseconds, _MICROSECONDS)
        day, second = divmod(seconds, 86_400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = datetime.date.fromordinal(self._EPOCH_ORDINAL + day).isoformat() + " "
            self._days[day] = prefix
        return f"{prefix}{self._seconds[second]}{micro:06d}+00"


@dataclass
class _Chunk:
    """Rows in COPY's text format (with the columns `reservations.bulk` names) and in the CSV:
    parallel lists, one entry per resident (`reservations` is empty without reservations)."""

    users: list[str]
    residents: list[str]
    hashes: list[str]
    reservations: list[str]
    csv: list[str]

    def __len__(self) -> int:
        return len(self.users)

    @functools.cached_property
    def payloads(self) -> tuple[bytes, bytes, bytes]:
        """What COPY reads, one payload per table."""
        return tuple(  # type: ignore[return-value]
            "".join(rows).encode() for rows in (self.users, self.residents, self.reservations)
        )

    def without(self, hashes: set[str]) -> "_Chunk":
        keep = [i for i, hashed in enumerate(self.hashes) if hashed not in hashes]
        return _Chunk(
            users=[self.users[i] for i in keep],
            residents=[self.residents[i] for i in keep],
            hashes=[self.hashes[i] for i in keep],
            reservations=[self.reservations[i] for i in keep] if self.reservations else [],
            csv=[self.csv[i] for i in keep],
        )


class _RowBuilder:
    """The rows of successive demo residents, from the phone counter `first_counter` on.

    Touches no database, so it can run in a thread of its own while the previous chunk is
    copied; one chunk at a time. The i-th resident built gets the next ids, the phone
    PHONE_FIRST + first_counter + i, the i-th reservation time, and, among the first `count`,
    the document of the run's phones with the i-th smallest hash (past `count`, when
    residents left out are made up for, its own phone's document).
    """

    def __init__(
        self,
        *,
        count: int,
        places: Sequence[Sequence[_Place]],
        first_counter: int,
        first_ids: tuple[int, int, int],
        start_us: int,
        now_us: int,
        used_numbers: bytearray | None,
    ) -> None:
        self.count = count
        self.places = places
        self.first_counter = first_counter
        self.built = 0  # residents built so far, kept or not
        self.first_ids = first_ids
        self.start_us = start_us
        self.span_us = now_us - start_us
        self.used_numbers = used_numbers  # None: no reservations
        self.clock = _Clock()
        self.random = random.Random()

    @functools.cached_property
    def _documents_by_hash(self) -> array:
        """Offsets 0..count-1 of the run's phones, in the order of their documents' hashes."""
        first, shift = self.first_counter, max(self.count.bit_length(), 1)
        keys = [
            int(_hash(_document_for_counter(first + offset))[:15], 16) << shift | offset
            for offset in range(self.count)
        ]
        keys.sort()
        mask = (1 << shift) - 1
        return array("q", [key & mask for key in keys])

    def _reservation_number(self) -> int:
        assert self.used_numbers is not None
        return free_reservation_number(self.used_numbers, self.random.randrange)

    def build(self, size: int) -> _Chunk:
        places, town_count = self.places, len(self.places)
        user_id0, resident_id0, reservation_id0 = self.first_ids
        reserve = self.used_numbers is not None
        clock, randrange = self.clock.text, self.random.randrange
        count, start_us, span_us = self.count, self.start_us, self.span_us
        first_counter, documents = self.first_counter, self._documents_by_hash
        resident_id_type = DocumentType.RESIDENT_ID.value
        verified = f"{Level.L2.value}\t{Method.FACE.value}"
        waiting = ReservationState.WAITING.value
        if PHONE_FIRST + first_counter + self.built + size - 1 > PHONE_LAST:
            raise CannotSeed("Not enough free demo phone numbers (199 + 8 digits) left.")
        # Django's unusable password: "!" and 40 random characters.
        markers = os.urandom(20 * size).hex()
        chunk = _Chunk(users=[], residents=[], hashes=[], reservations=[], csv=[])
        for k in range(size):
            i = self.built + k
            counter = first_counter + i
            phone = str(PHONE_FIRST + counter)
            user_id, resident_id = user_id0 + i, resident_id0 + i
            town_places = places[i % town_count]
            place = town_places[i // town_count % len(town_places)]
            street = f"演示路{1 + i % 997}号{1 + i // 997 % 20}座{101 + i % 31}室"
            number = _document_for_counter(first_counter + (documents[i] if i < count else i))
            hashed = _hash(number)
            # A random moment in the i-th of `count` equal slices of the span: reservations
            # come in the order of their ids, as real ones do, evenly spread.
            slot = min(i, count - 1)
            reserved_us = start_us + (span_us * slot + randrange(span_us + 1)) // count
            signed_up = clock(reserved_us - randrange(_SIGN_UP_BEFORE_RESERVING))
            chunk.users.append(
                f"{user_id}\t!{markers[40 * k : 40 * k + 40]}\tf\t{phone}\t\t\t\tf\tt\t"
                f"{signed_up}\t{phone}\n"
            )
            chunk.residents.append(
                f"{resident_id}\t居民{counter % 1_000_000:06d}\t{resident_id_type}\t{hashed}\t"
                f"{mask_document(number)}\t{verified}\t{signed_up}\t{street}\t\tzh-hans\t"
                f"{signed_up}\t{place.ids}\t{user_id}\n"
            )
            chunk.hashes.append(hashed)
            address = delivery_address(
                district=place.district, town=place.town, street_address=street
            )
            reservation_number = ""
            if reserve:
                reservation_number = str(self._reservation_number())
                copy_address = address.translate(COPY_ESCAPES) if place.escape else address
                chunk.reservations.append(
                    f"{reservation_id0 + i}\t{reservation_number}\t{waiting}\t{phone}\t"
                    f"{copy_address}\tf\t{clock(reserved_us)}\t{place.ids}\t{resident_id}\n"
                )
            csv_address = _csv_field(address) if place.quote else address
            chunk.csv.append(f"{phone},{reservation_number},{place.csv_names},{csv_address}\n")
        self.built += size
        return chunk

    def build_encoded(self, size: int) -> _Chunk:
        chunk = self.build(size)
        chunk.payloads  # noqa: B018 - encoded here, in the builder's thread
        return chunk


def _first_free_counter(bulk: ResidentsCopy) -> int:
    """After the highest 199 phone any account has, as phone or as username."""
    highest = bulk.highest_phone(prefix="199")
    return 0 if highest is None else highest + 1 - PHONE_FIRST


def _store(bulk: ResidentsCopy, chunk: _Chunk, csv_out: TextIO | None) -> int:
    """Copy a chunk; residents whose document a real resident already has are left out."""
    while taken := bulk.copy(payloads=chunk.payloads, document_hashes=chunk.hashes):
        chunk = chunk.without(taken)
    if csv_out is not None:
        csv_out.write("".join(chunk.csv))
    return len(chunk)


def demo_residents_seed(
    *,
    count: int,
    reserve: bool,
    now: datetime.datetime,
    csv_out: TextIO | None = None,
    chunk_size: int = 100_000,
    committee: int = 0,
) -> SeedResult:
    """Add `count` verified demo residents, spread over every town and its communities, each
    with a waiting reservation if `reserve`, made between the campaign's first day (00:00 in
    the city) and `now`. Writes one CSV row per resident to `csv_out` (after the header).

    And `committee` residents registered by their communities' committees, as
    `committee_resident_register` and `committee_reservation_create` leave them: no account or
    phone of their own, the committee's address, each with a waiting reservation under the
    committee's phone (`by_committee`), made by the committee's registration deadline. They
    are not in the CSV: nobody signs in as them."""
    if count < 0 or committee < 0 or count + committee < 1:
        raise CannotSeed("Give a number of residents of at least 1.")
    with residents_copy() as bulk:
        places = _places()
        if not places:
            raise CannotSeed("There are no towns with communities: run load_fuzhou first.")
        # Before any id is planned: a community without committee staff gets a demo account.
        registrars = (
            bulk.committee_registrars(
                community_ids=[place.community.id for town in places for place in town]
            )
            if committee
            else {}
        )
        first_counter = _first_free_counter(bulk)
        # Some phones may be skipped (documents already taken): keep a margin.
        if PHONE_FIRST + first_counter + count + count // 100 > PHONE_LAST:
            raise CannotSeed("Not enough free demo phone numbers (199 + 8 digits) left.")
        used_numbers = bulk.used_numbers() if reserve or committee else None
        reserved = (count if reserve else 0) + committee
        # Numbers are drawn until a free one comes up: keep at least half of them free.
        if used_numbers is not None and (
            int.from_bytes(used_numbers).bit_count() + reserved > NUMBER_COUNT // 2
        ):
            raise CannotSeed("Too few free reservation numbers left.")
        config = campaign_get()
        tz = timezone.get_default_timezone()
        start = datetime.datetime.combine(config.start_date, datetime.time(0), tzinfo=tz)
        now_us = _epoch_microseconds(now)
        start_us = min(_epoch_microseconds(start), now_us)

        added = 0
        if count:
            added = _self_registered_seed(
                bulk,
                count=count,
                places=places,
                first_counter=first_counter,
                start_us=start_us,
                now_us=now_us,
                used_numbers=used_numbers if reserve else None,
                csv_out=csv_out,
                chunk_size=chunk_size,
            )
        elif csv_out is not None:
            csv_out.write(CSV_HEADER + "\n")
        by_committee = 0
        if committee:
            # Rule 10: committees reserve up to their registration deadline (its whole day).
            deadline = datetime.datetime.combine(
                config.committee_registration_deadline + datetime.timedelta(days=1),
                datetime.time(0),
                tzinfo=tz,
            )
            end_us = min(now_us, _epoch_microseconds(deadline) - 1)
            by_committee = _committee_seed(
                bulk,
                count=committee,
                places=places,
                registrars=registrars,
                start_us=start_us,
                end_us=end_us if end_us > start_us else now_us,
                used_numbers=used_numbers,
                chunk_size=chunk_size,
            )
    return SeedResult(
        residents=added + by_committee,
        reservations=(added if reserve else 0) + by_committee,
        committee=by_committee,
    )


def _self_registered_seed(
    bulk: ResidentsCopy,
    *,
    count: int,
    places: list[list[_Place]],
    first_counter: int,
    start_us: int,
    now_us: int,
    used_numbers: bytearray | None,
    csv_out: TextIO | None,
    chunk_size: int,
) -> int:
    """The residents who signed up with a demo phone, and their reservations if
    `used_numbers` is given; returns how many were added."""
    builder = _RowBuilder(
        count=count,
        places=places,
        first_counter=first_counter,
        first_ids=bulk.first_ids(reservations=used_numbers is not None),
        start_us=start_us,
        now_us=now_us,
        used_numbers=used_numbers,
    )
    if csv_out is not None:
        csv_out.write(CSV_HEADER + "\n")
    sizes = [min(chunk_size, count - done) for done in range(0, count, chunk_size)]
    added = 0
    # Double buffering: the next chunk is built while this one is copied (the GIL is
    # released while libpq sends and waits for PostgreSQL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-rows") as pool:
        pending: Future[_Chunk] = pool.submit(builder.build_encoded, sizes[0])
        for position in range(len(sizes)):
            chunk = pending.result()
            if position + 1 < len(sizes):
                pending = pool.submit(builder.build_encoded, sizes[position + 1])
            added += _store(bulk, chunk, csv_out)
    while added < count:  # make up for residents left out
        added += _store(bulk, builder.build(min(chunk_size, count - added)), csv_out)
    bulk.ids_taken(count=builder.built)
    return added


def _committee_seed(
    bulk: ResidentsCopy,
    *,
    count: int,
    places: list[list[_Place]],
    registrars: dict[int, int],
    start_us: int,
    end_us: int,
    used_numbers: bytearray | None,
    chunk_size: int,
) -> int:
    """Residents registered by their committees, each with a waiting reservation the committee
    made for them; returns how many were added. The same COPY as the others, without accounts;
    ids after the rows copied so far."""
    assert used_numbers is not None
    builder = _CommitteeRowBuilder(
        count=count,
        places=places,
        registrars=registrars,
        first_counter=bulk.committee_registered_count(),
        first_ids=bulk.first_ids(reservations=True, users=False),
        start_us=start_us,
        end_us=end_us,
        used_numbers=used_numbers,
    )
    added = 0
    while added < count:  # chunks, and then residents left out made up for
        chunk = builder.build(min(chunk_size, count - added))
        while taken := bulk.copy(
            payloads=chunk.payloads, document_hashes=chunk.hashes, committee=True
        ):
            chunk = chunk.without(taken)
        added += len(chunk)
    bulk.ids_taken(count=builder.built)
    return added


class _CommitteeRowBuilder:
    """The rows of residents committees register, one community after another across the
    towns as `_RowBuilder` spreads residents; the documents of the run handed out in the order
    of their hashes (the unique index's pages stay in memory)."""

    def __init__(
        self,
        *,
        count: int,
        places: Sequence[Sequence[_Place]],
        registrars: dict[int, int],
        first_counter: int,
        first_ids: tuple[int, int, int],
        start_us: int,
        end_us: int,
        used_numbers: bytearray,
    ) -> None:
        self.count = count
        self.places = places
        self.registrars = registrars
        self.first_counter = first_counter
        self.first_ids = first_ids
        self.start_us = start_us
        self.span_us = max(end_us - start_us, 0)
        self.used_numbers = used_numbers
        self.built = 0
        self.clock = _Clock()
        self.random = random.Random()
        documents = [
            _document_for_counter(first_counter + offset, _COMMITTEE_AREA_CODES)
            for offset in range(count)
        ]
        self.documents = sorted((_hash(number), number) for number in documents)

    def _document(self, i: int) -> tuple[str, str]:
        if i < self.count:
            return self.documents[i]
        # Past `count` (residents left out, made up for): the next counters' own documents.
        number = _document_for_counter(self.first_counter + i, _COMMITTEE_AREA_CODES)
        return _hash(number), number

    def _reservation_number(self) -> int:
        return free_reservation_number(self.used_numbers, self.random.randrange)

    def build(self, size: int) -> _Chunk:
        _user, resident_id0, reservation_id0 = self.first_ids
        places, town_count = self.places, len(self.places)
        categories = [category.value for category in Category]
        verified = f"{Level.L2.value}\t{Method.COMMITTEE.value}"
        waiting = ReservationState.WAITING.value
        clock, randrange = self.clock.text, self.random.randrange
        chunk = _Chunk(users=[], residents=[], hashes=[], reservations=[], csv=[])
        for k in range(size):
            i = self.built + k
            counter = self.first_counter + i
            town_places = places[i % town_count]
            place = town_places[i // town_count % len(town_places)]
            community = place.community
            hashed, number = self._document(i)
            slot = min(i, self.count - 1)
            reserved_us = self.start_us + (self.span_us * slot + randrange(self.span_us + 1)) // (
                self.count
            )
            registered = clock(reserved_us - randrange(_SIGN_UP_BEFORE_RESERVING))
            # The committee's phone and address stand in for the resident's (rule 10).
            address = community.address.translate(COPY_ESCAPES)
            phone = community.phone.translate(COPY_ESCAPES)
            name = f"{_COMMITTEE_NAMES[counter % len(_COMMITTEE_NAMES)]}{counter % 1_000_000:06d}"
            chunk.residents.append(
                f"{resident_id0 + i}\t{name}\t{DocumentType.RESIDENT_ID.value}\t{hashed}\t"
                f"{mask_document(number)}\t{verified}\t{registered}\t{address}\t"
                f"{categories[i % len(categories)]}\tzh-hans\t{registered}\t{place.ids}\t"
                f"{self.registrars[community.id]}\n"
            )
            chunk.reservations.append(
                f"{reservation_id0 + i}\t{self._reservation_number()}\t{waiting}\t{phone}\t"
                f"{address}\tt\t{clock(reserved_us)}\t{place.ids}\t{resident_id0 + i}\n"
            )
            chunk.hashes.append(hashed)
            chunk.users.append("")  # no account: keeps the chunk's lists parallel
            chunk.csv.append("")
        self.built += size
        return chunk


def _epoch_microseconds(moment: datetime.datetime) -> int:
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86_400 + delta.seconds) * _MICROSECONDS + delta.microseconds

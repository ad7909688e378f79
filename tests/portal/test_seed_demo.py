import csv
import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from city.models import CampaignConfig, Town
from city.selectors import delivery_address
from portal.seeding import CSV_HEADER, demo_documents, demo_residents_seed
from reservations.models import Level, Method, Reservation, ReservationState, Resident, User
from reservations.services import reservation_cancel
from reservations.validators import DocumentType, mask_document, validate_resident_id
from tests.helpers import shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_it_adds_verified_residents_in_every_town_without_reservations(fuzhou, debug, tmp_path):
    out = tmp_path / "residents.csv"
    summary = seed("--residents", "200", "--out", str(out))

    assert summary.startswith("added 200 residents, 0 reservations in ")
    assert f"wrote {out}" in summary
    residents = list(Resident.objects.select_related("user", "community__town"))
    assert len(residents) == 200
    for resident in residents:
        assert resident.level == Level.L2 and resident.method == Method.FACE
        assert resident.verified_at is not None
        assert resident.user.username == resident.user.phone
        assert resident.user.is_active and not resident.user.is_staff
        assert not resident.user.has_usable_password()
        assert resident.community.town == resident.town
        assert resident.town.district_id == resident.district_id
    assert Town.objects.count() == 46
    assert {r.town_id for r in residents} == set(Town.objects.values_list("id", flat=True))
    assert not Reservation.objects.exists()
    rows = csv_rows(out)
    assert len(rows) == 200
    assert all(row["reservation_number"] == "" for row in rows)


def test_each_resident_gets_one_waiting_reservation_listed_in_the_csv(fuzhou, debug, tmp_path):
    start = timezone.localdate() - datetime.timedelta(days=3)
    CampaignConfig.objects.update(start_date=start)
    out = tmp_path / "reservations.csv"
    summary = seed("--residents", "230", "--reserve", "--out", str(out))
    after = timezone.now()

    assert summary.startswith("added 230 residents, 230 reservations in ")
    reservations = list(
        Reservation.objects.select_related("resident__user", "district", "town", "community")
    )
    assert len(reservations) == 230
    assert len({r.resident_id for r in reservations}) == Resident.objects.count() == 230
    assert {r.state for r in reservations} == {ReservationState.WAITING}
    numbers = [r.number for r in reservations]
    assert len(set(numbers)) == 230
    assert all(10_000_000 <= number <= 99_999_999 for number in numbers)
    first_moment = datetime.datetime.combine(
        start, datetime.time(0), tzinfo=timezone.get_default_timezone()
    )
    assert all(first_moment <= r.created_at <= after for r in reservations)

    assert out.read_text(encoding="utf-8").splitlines()[0] == CSV_HEADER
    assert CSV_HEADER == "phone,reservation_number,district,town,address"
    rows = {row["phone"]: row for row in csv_rows(out)}
    assert len(rows) == 230
    for reservation in reservations:
        resident = reservation.resident
        row = rows[reservation.phone]
        assert reservation.phone == resident.user.phone
        assert row["reservation_number"] == reservation.number_display
        assert row["district"] == reservation.district.name == resident.district.name
        assert row["town"] == reservation.town.name == resident.town.name
        assert reservation.community == resident.community
        assert (
            reservation.address
            == row["address"]
            == delivery_address(
                district=resident.district,
                town=resident.town,
                street_address=resident.street_address,
            )
        )
    out_of_range = set(Town.objects.filter(in_delivery_range=False).values_list("id", flat=True))
    assert out_of_range
    assert out_of_range <= {r.town_id for r in reservations}


def test_reservation_times_are_spread_over_every_day_of_the_campaign(fuzhou):
    CampaignConfig.objects.update(start_date=datetime.date(2026, 3, 1))
    now = shanghai(2026, 3, 10, 12, 0)
    demo_residents_seed(count=200, reserve=True, now=now)

    times = list(Reservation.objects.values_list("created_at", flat=True))
    assert all(shanghai(2026, 3, 1) <= moment <= now for moment in times)
    days = {timezone.localtime(moment).date() for moment in times}
    assert days == {datetime.date(2026, 3, day) for day in range(1, 11)}


def test_reservations_are_made_now_when_the_campaign_has_not_started(fuzhou):
    CampaignConfig.objects.update(start_date=datetime.date(2026, 3, 5))
    now = shanghai(2026, 3, 1, 10, 0)
    demo_residents_seed(count=60, reserve=True, now=now)

    assert set(Reservation.objects.values_list("created_at", flat=True)) == {now}


def test_a_second_run_adds_as_many_again_without_collisions(fuzhou, debug):
    seed("--residents", "200", "--reserve")
    seed("--residents", "200", "--reserve")

    users = User.objects.filter(phone__startswith="199")
    assert users.count() == 400
    assert len(set(users.values_list("phone", flat=True))) == 400
    assert Resident.objects.count() == 400
    assert len(set(Resident.objects.values_list("document_hash", flat=True))) == 400
    assert Reservation.objects.count() == 400
    assert len(set(Reservation.objects.values_list("number", flat=True))) == 400


def test_phones_continue_after_the_highest_demo_range_phone_in_use(fuzhou):
    User.objects.create_user(username="someone", phone="19912345678")
    demo_residents_seed(count=50, reserve=False, now=timezone.now())

    phones = sorted(User.objects.filter(resident__isnull=False).values_list("phone", flat=True))
    assert phones[0] == "19912345679"
    assert phones[-1] == "19912345728"


def test_a_real_resident_keeps_a_document_a_demo_resident_would_have_had(fuzhou):
    [hashed] = demo_documents(["19900000007"])
    real = User.objects.create_user(username="real", phone="13800000009")
    Resident.objects.create(user=real, document_type=DocumentType.RESIDENT_ID, document_hash=hashed)

    # Small chunks: the colliding one is copied again without that row and more are made up.
    result = demo_residents_seed(count=100, reserve=True, now=timezone.now(), chunk_size=30)

    assert result.residents == result.reservations == 100
    assert Resident.objects.get(document_hash=hashed).user == real
    assert Resident.objects.filter(user__phone__startswith="199").count() == 100
    phones = User.objects.filter(phone__startswith="199").order_by("phone")
    assert phones.count() == 100
    assert phones.last().phone == "19900000100"  # one made up for the one left out
    assert Reservation.objects.count() == 100


def test_demo_residents_hold_valid_documents_never_stored_in_clear(fuzhou, debug):
    seed("--residents", "200", "--reserve")

    residents = list(Resident.objects.select_related("user"))
    documents = demo_documents(resident.user.phone for resident in residents)
    for resident in residents:
        number = documents[resident.document_hash]
        assert validate_resident_id(number) == number
        assert resident.document_type == DocumentType.RESIDENT_ID
        assert resident.document_masked == mask_document(number)
    assert len({resident.document_hash for resident in residents}) == 200
    with connection.cursor() as cursor:
        stored = []
        for table in ("reservations_user", "reservations_resident", "reservations_reservation"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} AS t")
            stored.extend(text for (text,) in cursor.fetchall())
    everything = "\n".join(stored)
    # Neither the number nor the ten characters its masked form hides.
    assert not [n for n in documents.values() if n in everything or n[4:14] in everything]


def test_a_seeded_reservation_can_be_cancelled_through_the_service(fuzhou, debug):
    seed("--residents", "200", "--reserve")
    resident = Resident.objects.order_by("id").first()

    cancelled = reservation_cancel(resident=resident, now=timezone.now())

    assert cancelled.state == ReservationState.CANCELLED
    assert Reservation.objects.filter(state=ReservationState.WAITING).count() == 199


def test_accounts_made_after_seeding_get_fresh_ids(fuzhou, debug):
    seed("--residents", "200", "--reserve")

    user = User.objects.create_user(username="later", phone="13800000010")
    resident = Resident.objects.create(user=user)

    assert user.pk > User.objects.exclude(pk=user.pk).latest("pk").pk
    assert resident.pk > Resident.objects.exclude(pk=resident.pk).latest("pk").pk


def test_seed_demo_refuses_when_debug_is_off(fuzhou, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        seed("--residents", "10")
    assert not Resident.objects.exists()


# --- residents registered by committees (issue 13) ----------------------------------------------


def test_committee_registers_residents_without_a_phone_with_reservations(
    fuzhou, debug, committee_staff
):
    from city import roles
    from city.models import Community

    summary = seed("--committee", "120")

    assert summary.startswith(
        "added 120 residents, 120 reservations (120 registered by committees, without a phone) in "
    )
    residents = list(Resident.objects.select_related("community__town", "registered_by"))
    assert len(residents) == 120
    for resident in residents:
        assert resident.user is None and resident.committee_registered
        assert (resident.level, resident.method) == (Level.L2, Method.COMMITTEE)
        assert resident.category and resident.name
        assert resident.street_address == resident.community.address
        assert resident.town == resident.community.town
        registrar = resident.registered_by
        assert registrar.community_id == resident.community_id
        assert registrar.groups.filter(name=roles.COMMITTEE_STAFF).exists()
        assert not registrar.has_usable_password() or registrar == committee_staff
        assert resident.document_masked[:3] == "350"  # a resident ID of a Fuzhou county
    # The community that has committee staff registers through them.
    assert any(r.registered_by == committee_staff for r in residents)
    reservations = list(Reservation.objects.select_related("resident", "community"))
    assert len(reservations) == 120
    assert {r.resident_id for r in reservations} == {r.pk for r in residents}
    for reservation in reservations:
        assert reservation.by_committee and reservation.state == ReservationState.WAITING
        assert reservation.phone == reservation.community.phone
        assert reservation.address == reservation.community.address
    assert len({r.number for r in reservations}) == 120
    # Spread over the city, as the other demo residents are.
    assert len({r.community.town_id for r in reservations}) == Town.objects.count()
    assert Community.objects.filter(residents__isnull=False).distinct().count() > 46


def test_committee_residents_come_with_the_others_and_stay_out_of_the_csv(fuzhou, debug, tmp_path):
    out = tmp_path / "residents.csv"
    summary = seed("--residents", "50", "--reserve", "--committee", "20", "--out", str(out))

    assert summary.startswith("added 70 residents, 70 reservations (20 registered by ")
    assert len(csv_rows(out)) == 50
    assert Resident.objects.filter(user__isnull=True).count() == 20
    assert Reservation.objects.filter(by_committee=True).count() == 20
    assert Reservation.objects.count() == len(set(Reservation.objects.values_list("number"))) == 70


def test_committee_residents_can_be_added_again_with_new_documents(fuzhou, debug):
    seed("--committee", "30")
    seed("--committee", "30")
    hashes = Resident.objects.values_list("document_hash", flat=True)
    assert len(set(hashes)) == 60
    user = User.objects.create_user(username="later", phone="13800000010")
    resident = Resident.objects.create(user=user)
    assert resident.pk > Resident.objects.exclude(pk=resident.pk).latest("pk").pk


def test_committee_reservations_are_made_by_the_registration_deadline(fuzhou, debug):
    CampaignConfig.objects.update(
        start_date=datetime.date(2020, 2, 17),
        committee_registration_deadline=datetime.date(2020, 2, 20),
    )
    seed("--committee", "40")
    last = Reservation.objects.latest("created_at").created_at
    assert last < shanghai(2020, 2, 21, 0, 0)
    assert Reservation.objects.earliest("created_at").created_at >= shanghai(2020, 2, 17, 0, 0)


def test_nothing_to_add_is_refused(fuzhou, debug):
    with pytest.raises(CommandError, match="at least 1"):
        seed("--committee", "0")

import pytest
import time_machine
from django.utils import translation

from city.errors import Refused
from reservations.models import Reservation, ReservationState, Resident
from reservations.services import reservation_cancel, reservation_create
from tests.helpers import at_once
from tests.reservations.conftest import at, make_resident

pytestmark = pytest.mark.django_db


def reserve_at(resident: Resident, *moment: int) -> Reservation:
    return reservation_create(resident=resident, now=at(*moment))


def refusal_at(resident: Resident, *moment: int) -> Refused:
    with pytest.raises(Refused) as caught:
        reserve_at(resident, *moment)
    return caught.value


# --- windows (rule 2) ---------------------------------------------------------------------


def test_taijiang_is_closed_one_second_before_eleven(taijiang_resident):
    refusal = refusal_at(taijiang_resident, 2020, 2, 18, 10, 59, 59)
    assert refusal.code == "window_closed"
    assert "11:00–13:00" in refusal.message and "19:00–21:00" in refusal.message


def test_taijiang_opens_at_eleven_sharp(taijiang_resident):
    reservation = reserve_at(taijiang_resident, 2020, 2, 18, 11, 0, 0)
    assert reservation.state == ReservationState.WAITING


def test_taijiang_closes_at_one_sharp(taijiang_resident):
    assert reserve_at(taijiang_resident, 2020, 2, 18, 12, 59, 59)
    other = make_resident(phone="13800000099", town="苍霞街道", serial=99)
    assert refusal_at(other, 2020, 2, 18, 13, 0, 0).code == "window_closed"


def test_the_evening_window_is_open_to_every_district(taijiang_resident, chengmen_resident):
    assert reserve_at(taijiang_resident, 2020, 2, 18, 19, 0, 0)
    assert reserve_at(chengmen_resident, 2020, 2, 18, 20, 59, 59)


def test_the_evening_window_closes_at_nine(taijiang_resident):
    assert refusal_at(taijiang_resident, 2020, 2, 18, 21, 0, 0).code == "window_closed"


def test_nothing_opens_the_day_before_the_start_date(taijiang_resident):
    refusal = refusal_at(taijiang_resident, 2020, 2, 16, 11, 30)
    assert refusal.code == "not_started"
    assert "2020" in refusal.message


# --- the reservation (rules 3 and 4) --------------------------------------------------------


def test_a_reservation_has_eight_digits_and_keeps_the_phone_and_address_of_that_moment(
    taijiang_resident,
):
    reservation = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    assert 10_000_000 <= reservation.number <= 99_999_999
    assert reservation.phone == "13800000011"
    assert reservation.address == "福州市台江区苍霞街道五四路123号2座501室"
    assert reservation.town.name == "苍霞街道"

    taijiang_resident.street_address = "新地址1号"
    taijiang_resident.save()
    reservation.refresh_from_db()
    assert reservation.address.endswith("五四路123号2座501室")


def test_one_live_reservation_per_person(taijiang_resident):
    first = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    refusal = refusal_at(taijiang_resident, 2020, 2, 18, 11, 31)
    assert refusal.code == "live_reservation"
    assert first.number_display in refusal.message
    assert Reservation.objects.count() == 1


def test_a_cancelled_reservation_frees_the_person_and_the_next_number_is_new(taijiang_resident):
    first = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    reservation_cancel(resident=taijiang_resident, now=at(2020, 2, 18, 11, 40))
    first.refresh_from_db()
    assert first.state == ReservationState.CANCELLED and first.cancelled_at
    second = reserve_at(taijiang_resident, 2020, 2, 18, 11, 50)
    assert second.number != first.number


def test_a_win_cannot_be_cancelled(taijiang_resident):
    reservation = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    Reservation.objects.filter(pk=reservation.pk).update(state="won", won_at=at(2020, 2, 19, 10))
    with pytest.raises(Refused):
        reservation_cancel(resident=taijiang_resident, now=at(2020, 2, 19, 11))


def test_an_unverified_person_is_told_to_verify_first(taijiang_resident):
    taijiang_resident.level = "L1"
    taijiang_resident.save()
    assert refusal_at(taijiang_resident, 2020, 2, 18, 11, 30).code == "not_verified"


def test_a_person_without_an_address_is_told_to_enter_it(taijiang_resident):
    taijiang_resident.community = None
    taijiang_resident.save()
    assert refusal_at(taijiang_resident, 2020, 2, 18, 11, 30).code == "no_address"


# --- cooldown (rule 7) ----------------------------------------------------------------------


@pytest.fixture
def won_on_19_feb(taijiang_resident):
    reservation = reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=ReservationState.LAPSED, won_at=at(2020, 2, 19, 10, 0)
    )
    return taijiang_resident


def test_a_winner_waits_until_the_tenth_day_after_the_draw_day(won_on_19_feb):
    refusal = refusal_at(won_on_19_feb, 2020, 2, 28, 19, 30)
    assert refusal.code == "cooldown"
    assert "2020" in refusal.message and "29" in refusal.message


def test_a_winner_may_reserve_again_from_midnight_of_that_day(won_on_19_feb):
    with pytest.raises(Refused):
        reserve_at(won_on_19_feb, 2020, 2, 28, 23, 59, 59)
    # Windows still apply at midnight: the rule admits them from 00:00, the window from 11:00.
    assert refusal_at(won_on_19_feb, 2020, 2, 29, 0, 0, 0).code == "window_closed"
    assert reserve_at(won_on_19_feb, 2020, 2, 29, 11, 0, 0)


# --- races ----------------------------------------------------------------------------------


def _city_with_a_resident(*, phone: str, serial: int) -> Resident:
    """For transactional tests: the reference data, the 2020 campaign, one Taijiang resident."""
    from django.core.management import call_command

    from city.models import CampaignConfig

    call_command("load_fuzhou", verbosity=0)
    CampaignConfig.objects.filter(pk=1).update(start_date="2020-02-17")
    return make_resident(phone=phone, town="苍霞街道", serial=serial)


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_reservations_by_one_person_give_exactly_one():
    resident = _city_with_a_resident(phone="13800000050", serial=50)

    def attempt() -> str:
        reserve_at(Resident.objects.get(pk=resident.pk), 2020, 2, 18, 11, 30)
        return "reserved"

    outcomes = at_once(50, attempt)

    assert outcomes.count("reserved") == 1
    assert outcomes.count("live_reservation") == 49
    assert Reservation.objects.filter(resident=resident).count() == 1


# --- what a refusal says ---------------------------------------------------------------------


def test_a_closed_window_says_when_the_next_one_opens(taijiang_resident, chengmen_resident):
    with translation.override("en"):
        early = refusal_at(taijiang_resident, 2020, 2, 18, 9, 0).message
        between = refusal_at(taijiang_resident, 2020, 2, 18, 13, 0).message
        late = refusal_at(chengmen_resident, 2020, 2, 18, 21, 0).message
    assert "opens today at 11:00" in early
    assert "opens today at 19:00" in between
    assert "opens tomorrow at 13:00" in late


def test_someone_who_already_holds_a_number_is_told_so_outside_the_window(taijiang_resident):
    reserve_at(taijiang_resident, 2020, 2, 18, 11, 30)
    assert refusal_at(taijiang_resident, 2020, 2, 18, 23, 0).code == "live_reservation"


# --- the one-statement path -------------------------------------------------------------------


def test_the_one_statement_path_stores_what_the_step_by_step_path_does(
    taijiang_resident, chengmen_resident
):
    from city.selectors import delivery_address
    from reservations.services import reservation_create_for_user

    number = reservation_create_for_user(user=taijiang_resident.user, now=at(2020, 2, 18, 11, 0))
    fast = Reservation.objects.get(number=number)
    slow = reserve_at(chengmen_resident, 2020, 2, 18, 19, 0)
    for reservation, resident in ((fast, taijiang_resident), (slow, chengmen_resident)):
        assert reservation.address == delivery_address(
            district=resident.district, town=resident.town, street_address=resident.street_address
        )
        assert reservation.phone == resident.user.phone
        assert (reservation.district, reservation.town, reservation.community) == (
            resident.district,
            resident.town,
            resident.community,
        )
        assert reservation.state == ReservationState.WAITING and not reservation.by_committee
    assert fast.created_at == at(2020, 2, 18, 11, 0)


@pytest.mark.parametrize(
    ("moment", "code"),
    [((2020, 2, 18, 10, 59, 59), "window_closed"), ((2020, 2, 16, 11, 30), "not_started")],
)
def test_the_one_statement_path_refuses_as_the_rules_say(taijiang_resident, moment, code):
    from reservations.services import reservation_create_for_user

    with pytest.raises(Refused) as refused:
        reservation_create_for_user(user=taijiang_resident.user, now=at(*moment))
    assert refused.value.code == code
    assert not Reservation.objects.exists()


def test_the_one_statement_path_respects_the_cooldown(won_on_19_feb):
    from reservations.services import reservation_create_for_user

    with pytest.raises(Refused) as refused:
        reservation_create_for_user(user=won_on_19_feb.user, now=at(2020, 2, 28, 19, 30))
    assert refused.value.code == "cooldown"
    assert reservation_create_for_user(user=won_on_19_feb.user, now=at(2020, 2, 29, 11, 0))


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_posts_by_one_person_through_the_fast_path_give_one():
    from reservations.services import reservation_create_for_user

    resident = _city_with_a_resident(phone="13800000051", serial=51)

    def attempt() -> str:
        reservation_create_for_user(user=resident.user, now=at(2020, 2, 18, 11, 30))
        return "reserved"

    outcomes = at_once(50, attempt)

    assert outcomes.count("reserved") == 1
    assert outcomes.count("live_reservation") == 49
    assert Reservation.objects.filter(resident=resident).count() == 1


def test_the_burst_counter_never_admits_more_than_the_limit_across_processes(db):
    from notifications.ratelimit import RateLimiter

    def process() -> RateLimiter:  # each web process has its own, as burst_allowed makes them
        return RateLimiter(per_second=250, key="burst:test-scope", chunk=2, window_seconds=1.0)

    processes = [process() for _ in range(3)]
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        admitted = sum(counter.try_acquire() for _ in range(200) for counter in processes)
    assert admitted == 250
    with time_machine.travel(at(2020, 2, 18, 11, 30, 1), tick=False):
        assert processes[0].try_acquire()  # a new second, a new allowance


def _numbers_drawn(monkeypatch, numbers: list[int]) -> None:
    """secrets.randbelow, as the reservation services call it, gives these numbers in turn
    (as reservation numbers: 10,000,000 + the value drawn)."""
    import reservations.services as services

    drawn = iter(number - 10_000_000 for number in numbers)
    monkeypatch.setattr(services.secrets, "randbelow", lambda _bound: next(drawn))


def test_a_taken_number_is_passed_over_in_the_one_statement_path(
    taijiang_resident, chengmen_resident, monkeypatch
):
    from reservations import services
    from reservations.services import reservation_create_for_user

    taken = reserve_at(chengmen_resident, 2020, 2, 18, 19, 0).number
    free = 10_000_000 if taken != 10_000_000 else 10_000_001
    _numbers_drawn(monkeypatch, [taken, free, taken])

    def step_by_step(**kwargs):
        raise AssertionError("the step-by-step path ran")

    monkeypatch.setattr(services, "reservation_create", step_by_step)
    number = reservation_create_for_user(user=taijiang_resident.user, now=at(2020, 2, 18, 11, 0))
    assert number == free
    assert Reservation.objects.get(number=free).resident == taijiang_resident


def test_when_every_candidate_number_is_taken_the_step_by_step_path_draws_another(
    taijiang_resident, chengmen_resident, monkeypatch
):
    from reservations.services import reservation_create_for_user

    taken = reserve_at(chengmen_resident, 2020, 2, 18, 19, 0).number
    free = 10_000_000 if taken != 10_000_000 else 10_000_001
    _numbers_drawn(monkeypatch, [taken, taken, taken, taken, free])
    number = reservation_create_for_user(user=taijiang_resident.user, now=at(2020, 2, 18, 11, 0))
    assert number == free
    assert Reservation.objects.filter(resident=taijiang_resident).count() == 1


@pytest.mark.django_db(transaction=True)
def test_reserving_leaves_the_connections_plan_choice_as_it_was():
    from django.db import connection

    from reservations.services import reservation_create_for_user

    resident = _city_with_a_resident(phone="13800000052", serial=52)
    assert reservation_create_for_user(user=resident.user, now=at(2020, 2, 18, 11, 30))
    with connection.cursor() as cursor:  # the prepared statement's setting ended with it
        cursor.execute("SELECT current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("auto",)

"""A reservation's life has one owner: every move of its state is one service of reservations,
made only from the state the transition table says, and of two attempts at once only one moves it.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from reservations import services
from reservations.models import PoolSnapshot, PoolState, Reservation, Win
from reservations.models import ReservationState as S
from reservations.selectors import pending_wins, pending_wins_apply
from reservations.states import TRANSITIONS, Transition
from tests.helpers import at_once, shanghai
from tests.reservations.conftest import make_resident

DRAW = 7
DRAWN_AT = shanghai(2020, 2, 19, 10)


def test_the_table_has_exactly_the_moves_of_a_reservations_life():
    moves = {(move.source.value, move.target.value) for move in TRANSITIONS.values()}
    assert moves == {
        ("waiting", "won"),
        ("won", "ordered"),
        ("ordered", "won"),
        ("won", "lapsed"),
        ("ordered", "lapsed"),
        ("ordered", "collected"),
        ("ordered", "delivered"),
        ("waiting", "cancelled"),
    }
    # Each names the service that makes it, and the service exists.
    for move in TRANSITIONS.values():
        for name in move.service.split(" / "):
            assert callable(getattr(services, name)), name


def _reservation(state: str, *, serial: int = 1) -> Reservation:
    resident = make_resident(phone=f"138000001{serial:02d}", town="苍霞街道", serial=serial)
    reservation = services.reservation_create(resident=resident, now=shanghai(2020, 2, 17, 12))
    Reservation.objects.filter(pk=reservation.pk).update(
        state=state,
        won_at=DRAWN_AT if state not in (S.WAITING, S.CANCELLED) else None,
        won_draw_id=DRAW if state not in (S.WAITING, S.CANCELLED) else None,
        cancelled_at=timezone.now() if state == S.CANCELLED else None,
    )
    return reservation


ORDER_STEPS = [
    (services.reservation_order, Transition.ORDER),
    (services.reservation_order_cancelled, Transition.ORDER_CANCELLED),
    (services.reservation_order_lapsed, Transition.ORDER_LAPSED),
    (services.reservation_collected, Transition.COLLECTED),
    (services.reservation_delivered, Transition.DELIVERED),
]


@pytest.mark.parametrize(("service", "name"), ORDER_STEPS, ids=[n for _, n in ORDER_STEPS])
@pytest.mark.parametrize("state", [state.value for state in S])
def test_an_order_step_moves_a_reservation_only_from_its_source_state(
    campaign, service, name, state
):
    reservation = _reservation(state)
    move = TRANSITIONS[name]
    moved = service(reservation_id=reservation.pk)
    reservation.refresh_from_db()
    if state == move.source:
        assert moved and reservation.state == move.target
    else:
        assert not moved and reservation.state == state


def test_wins_lapse_moves_only_the_draws_wins_still_won(campaign):
    won, ordered = _reservation(S.WON, serial=1), _reservation(S.ORDERED, serial=2)
    other = _reservation(S.WON, serial=3)
    Reservation.objects.filter(pk=other.pk).update(won_draw_id=DRAW + 1)
    assert services.wins_lapse(draw_id=DRAW) == 1
    states = dict(Reservation.objects.values_list("pk", "state"))
    assert states == {won.pk: S.LAPSED, ordered.pk: S.ORDERED, other.pk: S.WON}
    assert Reservation.objects.get(pk=won.pk).won_at == DRAWN_AT  # the cooldown runs from it


def _frozen_pool(*, cutoff: datetime.datetime) -> None:
    with transaction.atomic():
        services.pool_freeze(draw_id=DRAW, cutoff=cutoff, now=cutoff)


def test_each_move_into_a_final_state_records_when_the_reservation_closed(campaign):
    """Retention (`purge_personal_data`) counts from there."""
    collected, lapsed, reordered = (_reservation(S.ORDERED, serial=n) for n in (31, 32, 33))
    cancelled = _reservation(S.WAITING, serial=34)
    now = timezone.now()
    services.reservation_collected(reservation_id=collected.pk)
    services.reservation_order_lapsed(reservation_id=lapsed.pk)
    services.reservation_order_cancelled(reservation_id=reordered.pk)  # back to won
    services.reservation_cancel(resident=cancelled.resident, now=now)
    closed = dict(Reservation.objects.values_list("pk", "closed_at"))
    assert closed[collected.pk] and closed[lapsed.pk] and closed[cancelled.pk] == now
    assert closed[reordered.pk] is None  # won again: not final
    services.wins_lapse(draw_id=DRAW)
    assert Reservation.objects.get(pk=reordered.pk).closed_at is not None


def test_a_draws_wins_are_pending_until_settled_and_then_won(campaign):
    first, second = _reservation(S.WAITING, serial=1), _reservation(S.WAITING, serial=2)
    _frozen_pool(cutoff=shanghai(2020, 2, 18, 21))
    with transaction.atomic():
        recorded = services.wins_record(
            draw_id=DRAW, numbers=[first.number, second.number], drawn_at=DRAWN_AT
        )
    assert sorted(w.number for w in recorded) == sorted([first.number, second.number])
    # Recorded, not settled: the rows still read waiting, every reader sees a win.
    assert set(Reservation.objects.values_list("state", flat=True)) == {S.WAITING}
    assert set(pending_wins(reservation_ids=[first.pk, second.pk])) == {first.pk, second.pk}
    row = Reservation.objects.get(pk=first.pk)
    pending_wins_apply(reservations=[row])
    assert (row.state, row.won_draw_id, row.won_at) == (S.WON, DRAW, DRAWN_AT)

    assert services.wins_settle(draw_id=DRAW, batch=1) == (2, True)
    assert PoolSnapshot.objects.get(draw_id=DRAW).state == PoolState.SETTLED
    assert set(Reservation.objects.values_list("state", "won_draw_id", "won_at")) == {
        (S.WON, DRAW, DRAWN_AT)
    }
    assert pending_wins(reservation_ids=[first.pk, second.pk]) == {}
    assert services.wins_settle(draw_id=DRAW) == (0, True)  # again: nothing more


def test_settling_from_several_connections_at_once_settles_each_win_once(
    transactional_db, campaign
):
    rows = [_reservation(S.WAITING, serial=n) for n in range(1, 6)]
    _frozen_pool(cutoff=shanghai(2020, 2, 18, 21))
    with transaction.atomic():
        services.wins_record(draw_id=DRAW, numbers=[r.number for r in rows], drawn_at=DRAWN_AT)
    outcomes = at_once(4, lambda: services.wins_settle(draw_id=DRAW, batch=2)[0])
    assert sum(map(int, outcomes)) == 5  # each win settled by exactly one of them
    assert Reservation.objects.filter(state=S.WON).count() == 5


def test_of_two_moves_out_of_ordered_at_once_exactly_one_happens(transactional_db, campaign):
    reservation = _reservation(S.ORDERED)
    steps = iter([services.reservation_collected, services.reservation_order_cancelled])

    def attempt() -> bool:
        return next(steps)(reservation_id=reservation.pk)

    assert sorted(at_once(2, attempt)) == ["False", "True"]
    reservation.refresh_from_db()
    assert reservation.state in (S.COLLECTED, S.WON)


def test_a_reservation_in_a_frozen_pool_cannot_be_cancelled_until_its_draw(campaign):
    reservation = _reservation(S.WAITING)
    _frozen_pool(cutoff=shanghai(2020, 2, 18, 21))
    with pytest.raises(services.Refused) as refusal:
        services.reservation_cancel(resident=reservation.resident, now=shanghai(2020, 2, 18, 22))
    assert refusal.value.code == "cannot_cancel_now"
    assert services.pool_void(draw_id=DRAW)  # its draw was cancelled
    cancelled = services.reservation_cancel(
        resident=reservation.resident, now=shanghai(2020, 2, 18, 22)
    )
    assert cancelled.state == S.CANCELLED


def test_a_reservation_with_a_pending_win_cannot_be_cancelled(campaign):
    reservation = _reservation(S.WAITING)
    _frozen_pool(cutoff=shanghai(2020, 2, 18, 21))
    with transaction.atomic():
        services.wins_record(draw_id=DRAW, numbers=[reservation.number], drawn_at=DRAWN_AT)
    with pytest.raises(services.Refused) as refusal:
        services.reservation_cancel(resident=reservation.resident, now=shanghai(2020, 2, 19, 11))
    assert refusal.value.code == "nothing_to_cancel"
    assert Win.objects.get().reservation_id == reservation.pk


def test_a_reservation_made_as_a_pool_froze_is_stamped_after_its_cutoff(campaign):
    """One that raced the freezing joins the next pool instead of being lost between the two."""
    _frozen_pool(cutoff=shanghai(2020, 2, 18, 21))
    resident = make_resident(phone="13800000199", town="苍霞街道", serial=99)
    late = services.reservation_create(resident=resident, now=shanghai(2020, 2, 18, 20, 59))
    assert late.created_at == shanghai(2020, 2, 18, 21)

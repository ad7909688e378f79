"""A reservation's state machine: every move it can make, in one table.

Each transition has one service in `reservations.services` that makes it, as a conditional update
from the state it leaves, so that of two attempts at once only one moves the reservation. Nothing
outside this app writes a reservation's state.
"""

from dataclasses import dataclass
from enum import StrEnum

from reservations.models import ReservationState as S


class Transition(StrEnum):
    WIN = "win"  # a draw's win, settled onto the reservation
    ORDER = "order"  # the partner records the win's order
    ORDER_CANCELLED = "order_cancelled"  # the order is cancelled inside the purchase window
    WIN_LAPSED = "win_lapsed"  # the purchase window closed with no order
    ORDER_LAPSED = "order_lapsed"  # the order is cancelled after the purchase window
    COLLECTED = "collected"  # the resident collected the pack (pickup point or committee)
    DELIVERED = "delivered"  # the partner delivered the pack home
    CANCEL = "cancel"  # the resident (or their committee) cancels a waiting reservation


@dataclass(frozen=True)
class Move:
    source: S
    target: S
    service: str  # the function of reservations.services that makes it


TRANSITIONS: dict[Transition, Move] = {
    Transition.WIN: Move(S.WAITING, S.WON, "wins_settle / win_settle"),
    Transition.ORDER: Move(S.WON, S.ORDERED, "reservation_order"),
    Transition.ORDER_CANCELLED: Move(S.ORDERED, S.WON, "reservation_order_cancelled"),
    Transition.WIN_LAPSED: Move(S.WON, S.LAPSED, "wins_lapse"),
    Transition.ORDER_LAPSED: Move(S.ORDERED, S.LAPSED, "reservation_order_lapsed"),
    Transition.COLLECTED: Move(S.ORDERED, S.COLLECTED, "reservation_collected"),
    Transition.DELIVERED: Move(S.ORDERED, S.DELIVERED, "reservation_delivered"),
    Transition.CANCEL: Move(S.WAITING, S.CANCELLED, "reservation_cancel"),
}


def transition(name: Transition) -> Move:
    return TRANSITIONS[name]

"""Winners in towns outside the delivery range, their pickup orders, and the admin's step forms."""

from django.urls import reverse

from pickup.models import Batch, Parcel
from reservations.models import Reservation
from tests.orders.conftest import draw_all, order_body, reserve
from tests.reservations.conftest import make_resident


def winners(*places: tuple[str, str | None]) -> list[Reservation]:
    """One winner per (town, community), each with a phone and serial of its own."""
    residents = [
        make_resident(phone=f"1390000{600 + i:04d}", town=town, community=community, serial=600 + i)
        for i, (town, community) in enumerate(places)
    ]
    return draw_all(*[reserve(resident) for resident in residents])


def order(api, win: Reservation, order_id: str) -> int:
    response = api("orders", order_body(win, order_id))
    assert response.status_code == 201, response.content
    return response.json()["order_id"]


def status(api, order_id: int, *steps: str) -> None:
    for step in steps:
        response = api(f"orders/{order_id}/status", {"status": step})
        assert response.status_code == 200, response.content


def parcel(win: Reservation) -> Parcel:
    return Parcel.objects.select_related("batch").get(reservation=win)


def state(win: Reservation) -> str:
    return parcel(win).state


def batch_url(batch: Batch, what: str = "") -> str:
    if what:
        return reverse(f"admin:pickup_batch_{what}", args=[batch.pk])
    return reverse("admin:pickup_batch_detail", args=[batch.pk])


def numbers(*wins: Reservation) -> str:
    return "\n".join(win.number_display for win in wins)


def post(client, url: str, **data):
    """A step form posted, and the page it leads back to (with its messages), in English."""
    return client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")

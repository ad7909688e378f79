"""The officials' dashboard at the admin home (issue 14): each figure against known data, the
filters, bad input, both languages, who sees it, and a number of queries that does not grow
with the rows."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from city.models import District
from lottery import services
from lottery.models import Draw, SupplyArrival
from notifications.models import Kind, OutboxMessage
from notifications.models import State as SmsState
from pickup.models import Batch, Parcel, ParcelState, PickupPoint
from reservations.models import Reservation, ReservationState
from tests.lottery.helpers import COMMITMENT, POOL, ceremony, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
FEBRUARY = {"since": "2020-02-16", "until": "2020-02-20"}


def page(client, user, params=None, language="zh-hans"):
    client.force_login(user)
    return client.get(HOME, params or {}, HTTP_ACCEPT_LANGUAGE=language)


def table(response, chart_id: str) -> dict[str, list[str]]:
    """A chart's table as {row label: [cells]}, from the page's HTML."""
    html = response.content.decode()
    section = html[html.index(f'id="chart-{chart_id}"') :]
    section = section[: section.index("</section>")]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        head = re.search(r'<th scope="row">(.*?)</th>', row)
        if head:
            rows[head[1]] = re.findall(r'<td class="number">(.*?)</td>', row)
    return rows


def taijiang() -> District:
    return District.objects.get(code="taijiang")


def test_three_reservations_in_one_district_on_one_day_read_3(client, official, campaign):
    seed_pool(POOL[:3], made=at(2020, 2, 18, 19, 30))
    response = page(client, official, {**FEBRUARY, "district": taijiang().pk})
    assert response.status_code == 200
    assert table(response, "per-day")["2020-02-18"] == ["3"]
    assert table(response, "per-day")["2020-02-17"] == ["0"]
    assert table(response, "per-hour")["19:00"] == ["3"]
    assert table(response, "waiting")["台江区"] == ["3"]
    assert re.search(r'id="waiting-total">3<', response.content.decode())


def test_every_district_has_its_column_and_the_days_their_totals(client, official, campaign):
    seed_pool(POOL[:2], made=at(2020, 2, 18, 9, 15))
    response = page(client, official, FEBRUARY)
    columns = [d.pk for d in District.objects.order_by("sort_order", "pk")]
    cells = table(response, "per-day")["2020-02-18"]
    assert len(cells) == len(columns) + 1  # each district, then the day's total
    assert cells[columns.index(taijiang().pk)] == "2"
    assert cells[-1] == "2"


def test_the_date_range_leaves_out_other_days(client, official, campaign):
    seed_pool(POOL[:2], made=at(2020, 2, 18, 10))
    response = page(client, official, {"since": "2020-02-19", "until": "2020-02-20"})
    assert "2020-02-18" not in table(response, "per-day")
    assert table(response, "per-day")["2020-02-19"][-1] == "0"
    # The pool now is not a matter of days.
    assert response.context["dashboard"].waiting_total == 2


def test_the_district_filter_leaves_out_other_districts(client, official, campaign):
    seed_pool(POOL[:2], made=at(2020, 2, 18, 10))
    gulou = District.objects.get(code="gulou")
    response = page(client, official, {**FEBRUARY, "district": gulou.pk})
    assert table(response, "per-day")["2020-02-18"] == ["0"]
    assert table(response, "waiting") == {"鼓楼区": ["0"]}
    assert response.context["dashboard"].waiting_total == 0


def test_a_draw_shows_its_pool_quota_and_what_became_of_its_wins(client, official, campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 10))
    SupplyArrival.objects.create(arrived_on=datetime.date(2020, 2, 17), masks=100)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    draw = ceremony(draw, quota=2)
    first, second = Reservation.objects.filter(won_draw_id=draw.pk).order_by("number")
    Reservation.objects.filter(pk=first.pk).update(state=ReservationState.LAPSED)
    Reservation.objects.filter(pk=second.pk).update(state=ReservationState.COLLECTED)
    response = page(client, official, FEBRUARY, language="en")
    label = f"{draw.pk} · 02-19 10:00"
    assert table(response, "draws")[label] == ["6", "2", "2"]
    # won (not ordered), ordered, collected, delivered, lapsed; then the total
    assert table(response, "wins")[label] == ["0", "0", "1", "0", "1", "2"]
    assert table(response, "waiting")["Taijiang District"] == ["4"]
    # 10 packs arrived, 2 went to the wins, the lapsed one's came back.
    assert table(response, "stock")["in stock"] == ["9"]


def test_wins_not_yet_settled_count_as_wins_not_as_waiting(client, official, campaign):
    seed_pool(POOL, made=at(2020, 2, 18, 10))
    SupplyArrival.objects.create(arrived_on=datetime.date(2020, 2, 17), masks=100)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    draw = ceremony(draw, quota=2, settle=False)
    response = page(client, official, FEBRUARY, language="en")
    assert table(response, "wins")[f"{draw.pk} · 02-19 10:00"][0] == "2"
    assert response.context["dashboard"].waiting_total == 4


def test_the_next_quota_stands_beside_the_stock(client, official, campaign):
    SupplyArrival.objects.create(arrived_on=datetime.date(2020, 2, 17), masks=500)
    services.draw_add_extra(
        scheduled_at=timezone.now() + datetime.timedelta(days=1),
        pool_cutoff=timezone.now() + datetime.timedelta(hours=12),
        actor=None,
    )

    Draw.objects.update(planned_quota=30)
    response = page(client, official, language="en")
    assert table(response, "stock") == {"in stock": ["50"], "next quota": ["30"]}
    body = response.content.decode()
    assert reverse("admin:lottery_ceremony", args=[Draw.objects.get().pk]) in body


def test_the_next_quota_is_the_one_fixed_when_its_pool_closed(client, official, campaign):
    SupplyArrival.objects.create(arrived_on=datetime.date(2020, 2, 17), masks=500)
    now = timezone.now()
    draw = services.draw_add_extra(
        scheduled_at=now + datetime.timedelta(hours=2),
        pool_cutoff=now - datetime.timedelta(minutes=1),
        actor=None,
    )
    Draw.objects.filter(pk=draw.pk).update(planned_quota=30)
    before = now - datetime.timedelta(minutes=2)
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=before)
    services.draw_close_pool(draw=draw, quota=20, actor=None, now=now)

    response = page(client, official, language="en")
    assert table(response, "stock") == {"in stock": ["50"], "next quota": ["20"]}
    assert '<th scope="col">figure</th>' in response.content.decode()


def _parcel(reservation: Reservation, batch: Batch, state: ParcelState) -> Parcel:
    arrived = None if state == ParcelState.AWAITING else timezone.now()
    return Parcel.objects.create(
        reservation=reservation,
        batch=batch,
        town=reservation.town,
        community=reservation.community,
        state=state,
        arrived_at=arrived,
    )


def test_pickup_points_show_their_batches_and_parcels_not_collected(client, official, campaign):
    one, two, three = seed_pool(POOL[:3], made=at(2020, 2, 18, 10))
    point = PickupPoint.objects.get(district__code="cangshan")
    batch = Batch.objects.create(point=point, delivery_date=datetime.date(2020, 2, 19))
    Batch.objects.create(point=point, delivery_date=datetime.date(2020, 3, 19))  # out of range
    _parcel(one, batch, ParcelState.AWAITING)
    _parcel(two, batch, ParcelState.AT_TOWN)
    _parcel(three, batch, ParcelState.COLLECTED)
    response = page(client, official, FEBRUARY, language="en")
    rows = table(response, "pickup")
    assert rows[point.display_name] == ["1", "2", "1"]
    assert len(rows) == PickupPoint.objects.count()


def test_sms_are_counted_per_kind_and_state(client, official, campaign):
    now = timezone.now()
    made = [
        (SmsState.SENT, {"sent_at": now}),
        (SmsState.SENT, {"sent_at": now}),
        (SmsState.FAILED, {"last_error": "gateway said no"}),
        (SmsState.REFUSED, {"last_error": "not a mobile number"}),
    ]
    for i, (state, extra) in enumerate(made):
        OutboxMessage.objects.create(
            recipient="13800000001",
            text="…",
            kind=Kind.WIN,
            dedupe_key=f"test:{i}",
            state=state,
            created_at=at(2020, 2, 19, 10),
            **extra,
        )
    response = page(client, official, FEBRUARY, language="en")
    # sent, failed, refused, queued, sending; total
    assert table(response, "sms")["win"] == ["2", "1", "1", "0", "0", "4"]


def test_an_empty_database_draws_every_chart_empty(client, official):
    response = page(client, official)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('role="img"') == 8
    assert body.count("<title id=") == 8
    assert "没有可显示的数据" in body
    assert re.search(r'id="waiting-total">0<', body)


def test_a_year_of_days_draws_every_day_and_a_dozen_labels(client, official, campaign):
    response = page(client, official, {"since": "2020-01-01", "until": "2020-12-31"})
    assert len(table(response, "per-day")) == 366
    svg = response.context["charts"][0]["svg"]
    assert svg.count('text-anchor="middle" fill="#333"') <= 13


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"since": "yesterday"}, "Enter the first day as a date"),
        ({"until": "2020-02-31"}, "Enter the last day as a date"),
        ({"since": "2020-02-20", "until": "2020-02-10"}, "must not be after the last day"),
        ({"since": "2019-01-01", "until": "2020-12-31"}, "Choose at most 366 days"),
        ({"since": "1066-10-14"}, "between 2000 and 2099"),
        ({"until": "9999-12-31"}, "between 2000 and 2099"),
        ({"district": "gulou"}, "Choose a district from the list"),
        ({"district": "99999999999999999999999"}, "Choose a district from the list"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_show_the_unfiltered_figures(
    client, official, campaign, params, error
):
    response = page(client, official, params, language="en")
    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["dashboard"].filters.district is None


def test_bad_filters_are_explained_in_chinese_first(client, official, campaign):
    response = page(client, official, {"since": "2020-02-20", "until": "2020-02-10"})
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_the_dashboard_speaks_chinese_first_and_english_on_request(client, official, campaign):
    chinese = page(client, official).content.decode()
    english = page(client, official, language="en").content.decode()
    assert "每日预约数" in chinese and "Reservations per day" not in chinese
    assert "Reservations per day" in english
    assert "北京时间" in chinese


@pytest.mark.parametrize("persona", ["official", "notary"])
def test_officials_and_notaries_see_the_dashboard_at_the_admin_home(client, persona, request):
    response = page(client, request.getfixturevalue(persona))
    assert response.status_code == 200
    assert 'id="dashboard"' in response.content.decode()
    assert response.context["app_list"] is not None  # the models are still listed below


@pytest.mark.parametrize("persona", ["committee_staff", "pickup_staff"])
def test_other_staff_keep_the_admin_s_own_index(client, persona, request):
    response = page(client, request.getfixturevalue(persona))
    assert response.status_code == 200
    assert 'id="dashboard"' not in response.content.decode()
    assert "dashboard" not in response.context


@pytest.mark.parametrize("persona", ["resident", "outsider", None])
def test_residents_and_visitors_are_sent_to_sign_in(client, persona, request):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(HOME, {"since": "2020-02-16"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_links_lead_to_what_officials_do_next(client, official, notary):
    body = page(client, official).content.decode()
    for name in ("lottery_schedule", "lottery_extra_draw", "lottery_supplyarrival_add"):
        assert reverse(f"admin:{name}") in body
    # Notaries record no supply, add no draw and see the schedule without pausing it.
    body = page(client, notary, language="en").content.decode()
    assert reverse("admin:lottery_supplyarrival_add") not in body
    assert reverse("admin:lottery_extra_draw") not in body
    assert reverse("admin:lottery_schedule") in body
    assert "The draw schedule (pause, resume)" not in body


def _queries(client, official) -> int:
    client.force_login(official)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME, FEBRUARY).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(client, official, campaign):
    seed_pool(POOL[:1], made=at(2020, 2, 17, 10))
    few = _queries(client, official)
    seed_pool([20000000 + i for i in range(40)], made=at(2020, 2, 18, 13))
    Reservation.objects.filter(number__gte=20000020).update(created_at=at(2020, 2, 19, 15))
    for when in (at(2020, 2, 19, 10), at(2020, 2, 20, 10)):
        services.draw_add_extra(
            scheduled_at=when, pool_cutoff=when - datetime.timedelta(hours=1), actor=None
        )
    assert _queries(client, official) == few
    assert few <= 25

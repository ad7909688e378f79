"""The ceremony page: officials trigger, notaries commit, reveal and sign off, nobody else can."""

import pytest
import time_machine
from django.urls import reverse

from city.errors import Refused
from config.celery_app import app as celery_app
from lottery import services
from lottery.models import DrawStatus
from tests.lottery.helpers import COMMITMENT, POOL, SECRET, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

BEFORE_CUTOFF = at(2020, 2, 18, 9, 0)
AFTER_CUTOFF = at(2020, 2, 18, 21, 0, 5)


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def ceremony_url(draw) -> str:
    return reverse("admin:lottery_ceremony", args=[draw.pk])


def step(client, draw, name: str, **data):
    return client.post(ceremony_url(draw), {"step": name, **data}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_whole_ceremony_through_the_admin(
    client, draw, official, notary, eager_celery, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    client.force_login(notary)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = step(client, draw, "commit")
    assert page.status_code == 200
    shown = page.context["secret_once"]
    assert len(shown) == 64
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED and draw.secret == ""

    client.force_login(official)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        step(client, draw, "close", quota="2")
        step(client, draw, "public_value", public_value=" 3 5 2 6 1 4 ")
    client.force_login(notary)
    step(client, draw, "reveal", secret=shown)
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        step(client, draw, "start")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.winners_count == 2
    client.force_login(notary)
    step(client, draw, "sign_off")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SIGNED_OFF and draw.signed_off_by == notary
    page = client.get(ceremony_url(draw), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "signed_off" in page and "drawn" in page


def test_an_official_cannot_do_the_notarys_steps(client, draw, official):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        assert step(client, draw, "commit").status_code == 403
    assert step(client, draw, "reveal", secret=SECRET).status_code == 403
    assert step(client, draw, "sign_off").status_code == 403
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SCHEDULED


def test_a_notary_cannot_do_the_officials_steps(client, draw, notary):
    client.force_login(notary)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        step(client, draw, "commit")
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        assert step(client, draw, "close", quota="0").status_code == 403
        assert step(client, draw, "start").status_code == 403
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED


@pytest.mark.parametrize("who", ["committee_staff", "pickup_staff"])
def test_other_staff_cannot_open_the_ceremony(client, draw, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(ceremony_url(draw)).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, draw):
    response = client.get(ceremony_url(draw))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_refused_step_says_why_and_changes_nothing(client, draw, official, notary):
    client.force_login(notary)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        step(client, draw, "commit")
    client.force_login(official)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        response = client.post(
            ceremony_url(draw),
            {"step": "close", "quota": "100000"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "more than the stock" in response.content.decode()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED


def _revealed(draw):
    """The draw up to its last step before the start: pool closed, value fixed, secret shown."""
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    draw = services.draw_close_pool(draw=draw, quota=2, actor=None, now=AFTER_CUTOFF)
    draw = services.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)
    return services.draw_reveal(draw=draw, secret=SECRET, notary=None)


def test_a_draw_is_started_only_once_its_secret_is_revealed(
    draw, official, eager_celery, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    services.draw_close_pool(draw=draw, quota=2, actor=None, now=AFTER_CUTOFF)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official)
    assert refused.value.code == "not_ready"
    assert not queued  # no worker is asked to run it
    draw = services.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official)
    assert refused.value.code == "not_ready"
    assert not queued
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.draw_start(draw=draw, actor=official)
    assert len(queued) == 1
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.log.get(action="drawn").actor == official


def test_a_draw_not_waiting_to_be_drawn_is_not_started(
    draw, official, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official)  # scheduled: its pool is still open
    assert refused.value.code == "wrong_state"
    draw = _revealed(draw)
    services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 10))
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official)  # drawn already
    assert refused.value.code == "wrong_state"
    assert not queued


def test_starting_a_drawn_draw_from_the_ceremony_page_says_why_not(
    client, draw, official, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = _revealed(draw)
    services.draw_run(draw=draw, actor=None, now=at(2020, 2, 19, 10))
    client.force_login(official)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            ceremony_url(draw), {"step": "start"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
    page = response.content.decode()
    assert "This draw is drawn; that step is not possible now." in page
    assert "The draw has started." not in page
    assert not queued


def test_officials_add_an_extra_draw(client, official, campaign):
    client.force_login(official)
    response = client.post(
        reverse("admin:lottery_extra_draw"),
        {"scheduled_at": "2020-02-20T10:00", "pool_cutoff": "2020-02-19T21:00"},
    )
    assert response.status_code == 302
    client.force_login(official)
    bad = client.post(
        reverse("admin:lottery_extra_draw"),
        {"scheduled_at": "2020-02-20T10:00", "pool_cutoff": "2020-02-20T21:00"},
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_supply_is_recorded_by_officials_with_the_stock_shown(client, official, campaign):
    client.force_login(official)
    response = client.post(
        reverse("admin:lottery_supplyarrival_add"),
        {"arrived_on": "2020-02-18", "masks": "2500", "note": "省里调拨"},
    )
    assert response.status_code == 302
    listing = client.get(reverse("admin:lottery_supplyarrival_changelist"))
    assert "250" in listing.content.decode()


def test_an_official_plans_the_quota_postpones_and_cancels_from_the_ceremony_page(
    client, draw, official
):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = client.get(ceremony_url(draw), HTTP_ACCEPT_LANGUAGE="en")
        assert b"Postpone the draw" in page.content and b"Cancel the draw" in page.content

        step(client, draw, "plan_quota", quota="40")
        draw.refresh_from_db()
        assert draw.planned_quota == 40

        # A form with no reason changes nothing and says why.
        page = step(client, draw, "postpone", scheduled_at="2020-02-21T10:00", reason="")
        assert page.status_code == 200 and page.context["postpone_form"].errors["reason"]
        draw.refresh_from_db()
        assert draw.status == DrawStatus.SCHEDULED

        page = step(
            client, draw, "postpone", scheduled_at="2020-02-21T10:00", reason="supply short"
        )
        draw.refresh_from_db()
        assert draw.status == DrawStatus.POSTPONED
        new = draw.postponed_to
        assert page.url == ceremony_url(new)
        assert (new.planned_quota, new.pool_cutoff) == (40, at(2020, 2, 20, 21, 0))

        step(client, new, "cancel", reason="the delivery did not come")
        new.refresh_from_db()
        assert (new.status, new.reason) == (DrawStatus.CANCELLED, "the delivery did not come")
        calendar = client.get("/draws/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "supply short" in calendar and f"#{new.pk}" in calendar
    assert "the delivery did not come" in calendar


@pytest.mark.parametrize("persona", ["notary", "committee_staff"])
def test_only_officials_plan_postpone_or_cancel(client, draw, persona, request):
    client.force_login(request.getfixturevalue(persona))

    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        for name, data in [
            ("plan_quota", {"quota": "5"}),
            ("postpone", {"scheduled_at": "2020-02-21T10:00", "reason": "x"}),
            ("cancel", {"reason": "x"}),
        ]:
            assert step(client, draw, name, **data).status_code == 403

    draw.refresh_from_db()
    assert (draw.status, draw.planned_quota) == (DrawStatus.SCHEDULED, None)


def test_a_quota_that_is_not_a_number_is_refused_with_a_message(client, draw, official):
    client.force_login(official)

    page = step(client, draw, "plan_quota", quota="many")

    assert page.status_code == 302
    follow = client.get(page.url, HTTP_ACCEPT_LANGUAGE="en")
    assert b"The quota is a whole number of packs." in follow.content


def test_an_official_pauses_and_resumes_the_schedule(client, campaign, official, notary):
    url = reverse("admin:lottery_schedule")
    client.force_login(notary)
    assert client.get(url).status_code == 200
    assert client.post(url, {"step": "pause", "reason": "x"}).status_code == 403

    client.force_login(official)
    with time_machine.travel(at(2020, 2, 17, 8, 0), tick=False):
        from lottery import services

        services.schedule_keep(now=at(2020, 2, 17, 8, 0))
        client.post(url, {"step": "pause", "reason": "supply short"}, HTTP_ACCEPT_LANGUAGE="en")
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert b"paused since" in page.content and b"supply short" in page.content
        home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Draws are paused: supply short" in home
        client.post(url, {"step": "resume"}, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert b"Pause the schedule" in page.content


def test_an_official_moves_the_purchase_window_before_the_draw_and_the_wins_get_it(
    client, draw, official
):
    client.force_login(official)
    seed_pool([10000001, 10000002], made=at(2020, 2, 18, 11))

    page = step(
        client, draw, "purchase_window", opens="2020-02-19T09:00", closes="2020-02-19T08:00"
    )
    assert page.status_code == 302  # refused, with a message; nothing changed
    draw.refresh_from_db()
    assert draw.purchase_opens_at == at(2020, 2, 19, 14, 0)

    step(client, draw, "purchase_window", opens="2020-02-19T16:00", closes="2020-02-20T20:00")

    from tests.lottery.helpers import ceremony

    draw = ceremony(draw, quota=2)
    assert (draw.purchase_opens_at, draw.purchase_closes_at) == (
        at(2020, 2, 19, 16, 0),
        at(2020, 2, 20, 20, 0),
    )
    page = step(
        client, draw, "purchase_window", opens="2020-02-19T17:00", closes="2020-02-20T20:00"
    )
    draw.refresh_from_db()
    assert draw.purchase_opens_at == at(2020, 2, 19, 16, 0)
    assert "purchase_window_set" in [entry.action for entry in draw.log.all()]


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59", "not a time"])
def test_absurd_times_in_the_admin_forms_are_refused_without_an_error_page(
    client, draw, official, when
):
    client.force_login(official)

    postpone = step(client, draw, "postpone", scheduled_at=when, reason="typo")
    window = step(client, draw, "purchase_window", opens=when, closes=when)
    extra = client.post(
        reverse("admin:lottery_extra_draw"), {"scheduled_at": when, "pool_cutoff": when}
    )

    assert [postpone.status_code, window.status_code, extra.status_code] == [200, 200, 200]
    assert postpone.context["postpone_form"].errors["scheduled_at"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SCHEDULED

"""The ceremony page: officials run it, notaries commit, reveal and sign off, nobody else can;
each step is offered only when it can be taken, with why not otherwise; acts with consequences
ask for confirmation; the log reads as sentences in the reader's language and the city's time."""

import datetime
import html
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from city import roles
from city.errors import Refused
from config.celery_app import app as celery_app
from lottery import services
from lottery.models import Draw, DrawLog, DrawStatus
from lottery.selectors import certificate_of, draw_log_sentence
from lottery.tasks import progress_key
from notifications.redis_client import redis_client
from tests.lottery.helpers import COMMITMENT, POOL, SECRET, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db

BEFORE_CUTOFF = at(2020, 2, 18, 9, 0)
AFTER_CUTOFF = at(2020, 2, 18, 21, 0, 5)
DRAW_TIME = at(2020, 2, 19, 10, 0, 30)  # just after the announced 10:00
EARLY = at(2020, 2, 19, 9, 0)
EN, ZH = "en", "zh-CN,zh;q=0.9"


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def named(official, notary):
    """The personas with the names the log's sentences give."""
    official.first_name, notary.first_name = "李四", "张三"
    official.save()
    notary.save()


def ceremony_url(draw) -> str:
    return reverse("admin:lottery_ceremony", args=[draw.pk])


def step(client, draw, name: str, lang: str = EN, **data):
    return client.post(ceremony_url(draw), {"step": name, **data}, HTTP_ACCEPT_LANGUAGE=lang)


def confirmed(client, draw, name: str, lang: str = EN, **data):
    return step(client, draw, name, lang, confirm="yes", **data)


def page_of(client, draw, lang: str = EN) -> str:
    return client.get(ceremony_url(draw), HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def text_of(markup: str) -> str:
    """What a reader sees: the page without its tags (attribute values hold field names)."""
    body = markup.split("<body", 1)[-1]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def step_cell(markup: str, name: str) -> str:
    """The text of one step's row in the steps' tables."""
    row = re.search(rf'<tr id="step-{name}">(.*?)</tr>', markup, re.S)
    assert row, name
    return text_of(row[1])


def _revealed(draw):
    """The draw up to its last step before the start: pool closed, value fixed, secret shown."""
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    draw = services.draw_close_pool(draw=draw, quota=2, actor=None, now=AFTER_CUTOFF)
    draw = services.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)
    return services.draw_reveal(draw=draw, secret=SECRET, notary=None)


def _drawn(draw):
    draw = _revealed(draw)
    return services.draw_run(draw=draw, actor=None, now=DRAW_TIME)


# --- the whole ceremony ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", [ZH, EN])
def test_an_official_and_a_notary_run_a_whole_ceremony_through_the_pages(
    client,
    draw,
    official,
    notary,
    named,
    lang,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    client.force_login(notary)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = step(client, draw, "commit", lang)
    assert page.status_code == 200
    shown = page.context["secret_once"]
    assert len(shown) == 64
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED and draw.secret == ""

    client.force_login(official)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        assert step(client, draw, "close", lang, quota="2").status_code == 302
        step(client, draw, "public_value", lang, public_value=" 3 5 2 6 1 4 ")
    client.force_login(notary)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        step(client, draw, "reveal", lang, secret=shown)
    client.force_login(official)
    with (
        time_machine.travel(DRAW_TIME, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert step(client, draw, "start", lang).status_code == 302
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.winners_count == 2

    client.force_login(notary)
    sign = {"statement": "本处公证员全程监督。", "certificate_number": "(2020)闽榕证字第118号"}
    with time_machine.travel(at(2020, 2, 19, 10, 30), tick=False):
        asked = step(client, draw, "sign_off", lang, **sign)
        assert asked.status_code == 200 and "(2020)闽榕证字第118号" in asked.content.decode()
        assert step(client, draw, "sign_off", lang, confirm="yes", **sign).status_code == 302
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SIGNED_OFF and draw.signed_off_by == notary
    assert draw.notarial_certificate_number == "(2020)闽榕证字第118号"

    with time_machine.travel(at(2020, 2, 19, 11), tick=False):
        page = page_of(client, draw, lang)
    seen = text_of(page)
    if lang == ZH:
        assert f"公证员 张三 于 2020-02-18 09:00 提交承诺值：{draw.commitment[:8]}…" in seen
        assert "工作人员 李四 于 2020-02-19 10:00 开始摇号。" in seen
        assert "仪式已完成：公证书于 2020-02-19 10:30 签署。" in seen
    else:
        assert f"Notary 张三 committed at 2020-02-18 09:00: {draw.commitment[:8]}…" in seen
        assert "Official 李四 closed the pool at 2020-02-18 21:00" in seen
        assert "Official 李四 started the draw at 2020-02-19 10:00." in seen
        assert "Notary 张三 signed off the certificate at 2020-02-19 10:30" in seen
        assert "The ceremony is complete" in seen
    # No internals: no raw action key or state, no UTC offset, the cut-off in the city's time.
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", seen)
    assert "+00:00" not in page and "UTC" not in page
    assert "2020-02-18 21:00" in seen and "2020-02-18 13:00" not in seen


def test_each_step_a_role_cannot_take_now_is_listed_with_why(client, draw, official, notary):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = page_of(client, draw)
    assert "Next: the notary commits to a secret, before the pool cut-off at 2020-02-18 21:00." in (
        text_of(page)
    )
    assert step_cell(page, "commit").strip() == (
        "Commit to the secret Notary The notary takes this step now."
    )
    assert "The pool closes automatically at its cut-off, 2020-02-18 21:00" in (
        step_cell(page, "close")
    )
    assert "After the pool closes." in step_cell(page, "public_value")
    assert "After the pool closes and the public value is fixed." in step_cell(page, "reveal")
    assert "After the notary reveals the secret." in step_cell(page, "start")
    assert "After the draw." in step_cell(page, "sign_off")
    assert 'name="quota"' in page and 'value="plan_quota"' in page  # the plan is offered
    assert 'value="close"' not in page  # no button that could only fail

    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = page_of(client, draw)
        assert "Not before the cut-off: the pool closes automatically at 2020-02-18 21:00." in (
            step_cell(page, "close")
        )
        assert "Done: the notary has committed." in step_cell(page, "commit")
        # Posted anyway (an old tab): refused with the reason, nothing changes.
        refused = client.post(
            ceremony_url(draw),
            {"step": "close", "quota": "1"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE=EN,
        )
    assert "the pool closes automatically at 2020-02-18 21:00" in refused.content.decode()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED

    client.force_login(notary)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = page_of(client, draw)
    assert "An official takes this step now." in step_cell(page, "plan_quota")
    assert 'value="plan_quota"' not in page


def test_a_pool_waiting_behind_another_draw_says_so(client, draw, official, campaign):
    other = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 12), pool_cutoff=at(2020, 2, 18, 20), actor=None
    )
    services.draw_commit(draw=other, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    services.draw_close_pool(draw=other, quota=0, actor=None, now=AFTER_CUTOFF)
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    client.force_login(official)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        page = page_of(client, draw)
    assert f"Draw #{other.pk}'s pool is closed and not drawn yet" in step_cell(page, "close")
    assert f"this pool closes automatically once draw #{other.pk} is drawn" in text_of(page)


def test_a_commitment_too_late_says_to_postpone_or_cancel(client, draw, notary):
    client.force_login(notary)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        page = text_of(page_of(client, draw))
    assert "Too late: the pool cut-off, 2020-02-18 21:00, has passed" in page
    assert "Postpone the draw to a new time, or cancel it." in page


def test_while_the_draw_runs_the_page_names_its_stage_and_offers_no_start(client, draw, official):
    draw = _revealed(draw)
    client.force_login(official)
    redis_client().hset(progress_key(draw.pk), mapping={"step": "ranking the pool", "percent": 15})
    with time_machine.travel(DRAW_TIME, tick=False):
        english = page_of(client, draw)
        chinese = page_of(client, draw, ZH)
    assert "The draw is running: ranking the pool." in text_of(english)
    assert "Next: an official starts the draw" not in english
    assert 'value="start"' not in english
    assert "ranking the pool" not in chinese and "正在为摇号池中的号码排序" in chinese
    assert 'http-equiv="refresh"' in english  # the page follows the draw


def test_a_start_is_waiting_for_a_worker_not_for_staff(
    client, draw, official, django_capture_on_commit_callbacks
):
    """Started, the task is on the broker (the test Redis, where no worker takes it)."""
    draw = _revealed(draw)
    client.force_login(official)
    with time_machine.travel(DRAW_TIME, tick=False):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            step(client, draw, "start")
        page = page_of(client, draw)
    assert len(queued) == 1
    assert "The draw is running: waiting for a worker to take the draw." in text_of(page)
    assert "Next: an official starts the draw" not in page and 'value="start"' not in page


# --- who may do what ------------------------------------------------------------------------


def test_an_official_cannot_do_the_notarys_steps(client, draw, official):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        assert step(client, draw, "commit").status_code == 403
    assert step(client, draw, "reveal", secret=SECRET).status_code == 403
    assert step(client, draw, "sign_off", statement="x", certificate_number="1").status_code == 403
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


def test_a_superuser_runs_the_officials_steps_but_not_the_notarys(client, draw, admin_user):
    client.force_login(admin_user)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = page_of(client, draw)
        assert 'value="commit"' not in page
        assert "The notary takes this step now." in step_cell(page, "commit")
        assert step(client, draw, "commit").status_code == 403
        assert step(client, draw, "plan_quota", quota="5").status_code == 302
    draw.refresh_from_db()
    assert (draw.status, draw.planned_quota) == (DrawStatus.SCHEDULED, 5)

    draw = _drawn(draw)
    sign = {"statement": "ok", "certificate_number": "1", "confirm": "yes"}
    assert step(client, draw, "sign_off", **sign).status_code == 403
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN


def test_the_notarys_group_makes_the_notary_not_the_permission_alone(
    client, draw, official, role_groups
):
    """An official given the notarise permission directly is still no notary."""
    from django.contrib.auth.models import Permission

    official.user_permissions.add(Permission.objects.get(codename="notarise"))
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        assert step(client, draw, "commit").status_code == 403
    official.groups.add(Group.objects.get(name=roles.NOTARY))
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        assert step(client, draw, "commit").status_code == 200
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED


def test_the_roles_hold_the_ceremony_permissions(official, notary):
    assert official.has_perm("lottery.run_ceremony") and not official.has_perm("lottery.notarise")
    assert notary.has_perm("lottery.notarise") and not notary.has_perm("lottery.run_ceremony")


@pytest.mark.parametrize("who", ["committee_staff", "pickup_staff"])
def test_other_staff_cannot_open_the_ceremony(client, draw, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(ceremony_url(draw)).status_code == 403
    assert client.get(reverse("admin:lottery_schedule")).status_code == 403
    assert client.get(reverse("admin:lottery_extra_draw")).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, draw):
    response = client.get(ceremony_url(draw))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_step_or_draw_changes_nothing(client, draw, official):
    client.force_login(official)
    response = client.post(ceremony_url(draw), {"step": "nonsense"}, follow=True)
    assert response.status_code == 200
    assert client.get(reverse("admin:lottery_ceremony", args=[draw.pk + 99])).status_code == 404


@pytest.mark.parametrize("persona", ["notary", "committee_staff"])
def test_only_officials_plan_postpone_or_cancel(client, draw, persona, request):
    client.force_login(request.getfixturevalue(persona))

    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        for name, data in [
            ("plan_quota", {"quota": "5"}),
            ("postpone", {"scheduled_at": "2020-02-21T10:00", "reason": "x", "confirm": "yes"}),
            ("cancel", {"reason": "x", "confirm": "yes"}),
        ]:
            assert step(client, draw, name, **data).status_code == 403

    draw.refresh_from_db()
    assert (draw.status, draw.planned_quota) == (DrawStatus.SCHEDULED, None)


# --- confirmations --------------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_naming_the_consequences(client, draw, official):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        asked = step(client, draw, "cancel", reason="the delivery did not come")
        page = asked.content.decode()
        assert asked.status_code == 200
        assert "is cancelled for good; residents read your reason" in page
        assert "the delivery did not come" in page
        assert 'name="confirm" value="yes"' in page and 'value="cancel"' in page
        draw.refresh_from_db()
        assert draw.status == DrawStatus.SCHEDULED  # nothing yet

        assert confirmed(client, draw, "cancel", reason="the delivery did not come").status_code
    draw.refresh_from_db()
    assert (draw.status, draw.reason) == (DrawStatus.CANCELLED, "the delivery did not come")


def test_an_official_plans_the_quota_postpones_and_cancels_from_the_ceremony_page(
    client, draw, official
):
    client.force_login(official)
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        page = page_of(client, draw)
        assert "Postpone the draw" in page and "Cancel the draw" in page

        step(client, draw, "plan_quota", quota="40")
        draw.refresh_from_db()
        assert draw.planned_quota == 40

        # A form with no reason changes nothing and says why.
        page = step(client, draw, "postpone", scheduled_at="2020-02-21T10:00", reason="")
        assert page.status_code == 200 and "errorlist" in page.content.decode()
        draw.refresh_from_db()
        assert draw.status == DrawStatus.SCHEDULED

        asked = step(
            client, draw, "postpone", scheduled_at="2020-02-21T10:00", reason="supply short"
        )
        said = text_of(asked.content.decode())
        assert "announced for 2020-02-19 10:00, is postponed; a new draw at 2020-02-21 10:00" in (
            said
        )
        assert "whose pool closes at 2020-02-20 21:00" in said
        draw.refresh_from_db()
        assert draw.status == DrawStatus.SCHEDULED

        page = confirmed(
            client, draw, "postpone", scheduled_at="2020-02-21T10:00", reason="supply short"
        )
        draw.refresh_from_db()
        assert draw.status == DrawStatus.POSTPONED
        new = draw.postponed_to
        assert page.url == ceremony_url(new)
        assert (new.planned_quota, new.pool_cutoff) == (40, at(2020, 2, 20, 21, 0))
        assert f"its ceremony goes on as draw #{new.pk}" in text_of(page_of(client, draw))

        confirmed(client, new, "cancel", reason="the delivery did not come")
        new.refresh_from_db()
        assert (new.status, new.reason) == (DrawStatus.CANCELLED, "the delivery did not come")
        calendar = client.get("/draws/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "supply short" in calendar and f"#{new.pk}" in calendar
    assert "the delivery did not come" in calendar


def test_signing_off_asks_for_confirmation_and_needs_a_statement_and_a_number(client, draw, notary):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = _drawn(draw)
    client.force_login(notary)

    missing = step(client, draw, "sign_off", statement="  ", certificate_number="", confirm="yes")
    assert missing.status_code == 200 and "errorlist" in missing.content.decode()
    asked = step(client, draw, "sign_off", statement="监督全程。", certificate_number="No. 7")
    said = text_of(asked.content.decode())
    assert f"You certify draw #{draw.pk}: 2 winners from a pool of 6 numbers" in said
    assert "A sign-off is final" in said
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.notary_statement is None

    with pytest.raises(Refused) as refused:
        services.draw_sign_off(
            draw=draw, notary=notary, now=DRAW_TIME, statement="ok", certificate_number="a\x00b"
        )
    assert refused.value.code == "bad_certificate_number"
    with pytest.raises(Refused) as refused:
        services.draw_sign_off(
            draw=draw, notary=notary, now=DRAW_TIME, statement="a\x00b", certificate_number="7"
        )
    assert refused.value.code == "bad_statement"

    confirmed(
        client, draw, "sign_off", statement="监督全程。\r\n无异议。", certificate_number="No. 7"
    )
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SIGNED_OFF
    assert draw.notary_statement == "监督全程。\n无异议。"


def test_the_sign_off_is_shown_on_the_public_page_and_the_certificate_keeps_its_format(
    client, draw, notary
):
    draw = _drawn(draw)
    keys = set(certificate_of(draw=draw))
    services.draw_sign_off(
        draw=draw,
        notary=notary,
        now=at(2020, 2, 19, 10, 30),
        statement="本公证员监督了抽签全过程。",
        certificate_number="(2020)闽榕证字第118号",
    )
    public = client.get(reverse("draw", args=[draw.pk]), HTTP_ACCEPT_LANGUAGE=EN).content.decode()
    assert "本公证员监督了抽签全过程。" in public and "(2020)闽榕证字第118号" in public
    assert "Notarial certificate number" in public
    assert set(client.get(reverse("certificate", args=[draw.pk])).json()) == keys


def test_the_database_refuses_a_sign_off_without_the_statement(draw):
    draw = _drawn(draw)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.filter(pk=draw.pk).update(status=DrawStatus.SIGNED_OFF)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.filter(pk=draw.pk).update(
            status=DrawStatus.SIGNED_OFF, notary_statement="", notarial_certificate_number="1"
        )


# --- the start, early or on time ------------------------------------------------------------


def test_an_early_start_asks_for_confirmation_and_is_logged_as_early(
    client, draw, official, named, eager_celery, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = _revealed(draw)
    client.force_login(official)
    with time_machine.travel(DRAW_TIME, tick=False):
        assert "You confirm on the next page" not in step_cell(page_of(client, draw), "start")
    with time_machine.travel(EARLY, tick=False):
        markup = page_of(client, draw)
        assert "You confirm on the next page" in step_cell(markup, "start")
        page = text_of(markup)
        assert "announced for 2020-02-19 10:00 (an earlier start asks for confirmation)" in page
        with django_capture_on_commit_callbacks() as queued:
            asked = step(client, draw, "start")
        said = text_of(asked.content.decode())
        assert "The draw is announced for 2020-02-19 10:00; it is now 2020-02-19 09:00." in said
        assert not queued
        draw.refresh_from_db()
        assert draw.status == DrawStatus.POOL_CLOSED

        with django_capture_on_commit_callbacks(execute=True):
            confirmed(client, draw, "start")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    started = draw.log.get(action="started")
    assert started.actor == official and started.details["early"] is True
    with translation.override("en"):
        said = draw_log_sentence(started)
    assert said == (
        "Official 李四 started the draw at 2020-02-19 09:00, early, before the announced "
        "2020-02-19 10:00."
    )


def test_the_service_refuses_an_early_start_without_confirmation(
    draw, official, django_capture_on_commit_callbacks
):
    draw = _revealed(draw)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official, now=EARLY)
    assert refused.value.code == "early" and not queued


def test_a_draw_is_started_only_once_its_secret_is_revealed(
    draw, official, eager_celery, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=BEFORE_CUTOFF)
    services.draw_close_pool(draw=draw, quota=2, actor=None, now=AFTER_CUTOFF)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official, now=DRAW_TIME)
    assert refused.value.code == "not_ready"
    assert not queued  # no worker is asked to run it
    draw = services.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official, now=DRAW_TIME)
    assert refused.value.code == "not_ready"
    assert not queued
    draw = services.draw_reveal(draw=draw, secret=SECRET, notary=None)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.draw_start(draw=draw, actor=official, now=DRAW_TIME)
    assert len(queued) == 1
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.log.get(action="drawn").actor == official
    assert draw.log.get(action="started").details["early"] is False


def test_a_draw_not_waiting_to_be_drawn_is_not_started(
    draw, official, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official, now=DRAW_TIME)  # its pool is open
    assert refused.value.code == "wrong_state"
    draw = _drawn(draw)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(Refused) as refused:
        services.draw_start(draw=draw, actor=official, now=DRAW_TIME)  # drawn already
    assert refused.value.code == "wrong_state"
    assert not queued


def test_starting_a_drawn_draw_from_the_ceremony_page_says_why_not(
    client, draw, official, django_capture_on_commit_callbacks
):
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    draw = _drawn(draw)
    client.force_login(official)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            ceremony_url(draw), {"step": "start"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
    page = response.content.decode()
    assert "Done: drawn at 2020-02-19 10:00." in page
    assert "The draw has started." not in page
    assert not queued


def test_a_scripted_extra_draw_starts_at_once_and_its_log_says_so(campaign):
    from io import StringIO

    from django.core.management import call_command

    seed_pool(POOL, made=at(2020, 2, 18, 11))
    out = StringIO()
    call_command("run_draw", "--quota", "2", stdout=out)
    draw = Draw.objects.get(pk=int(out.getvalue().split()[-1]))
    started = draw.log.get(action="started")
    assert started.details["at_once"] is True
    with translation.override("en"):
        assert draw_log_sentence(started).startswith("run_draw started the draw at once, at ")


# --- the other forms ------------------------------------------------------------------------


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


def test_a_quota_that_is_not_a_number_is_refused_with_a_message(client, draw, official):
    client.force_login(official)

    page = step(client, draw, "plan_quota", quota="many")

    assert page.status_code == 200
    assert "The quota is a whole number of packs." in page.content.decode()
    draw.refresh_from_db()
    assert draw.planned_quota is None


def test_officials_add_an_extra_draw(client, official, campaign):
    client.force_login(official)
    response = client.post(
        reverse("admin:lottery_extra_draw"),
        {"scheduled_at": "2020-02-20T10:00", "pool_cutoff": "2020-02-19T21:00"},
    )
    assert response.status_code == 302
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


def test_an_official_pauses_after_confirming_and_resumes_the_schedule(
    client, campaign, official, notary
):
    url = reverse("admin:lottery_schedule")
    client.force_login(notary)
    assert client.get(url).status_code == 200
    assert client.post(url, {"step": "pause", "reason": "x", "confirm": "yes"}).status_code == 403

    client.force_login(official)
    with time_machine.travel(at(2020, 2, 17, 8, 0), tick=False):
        made = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
        asked = client.post(
            url, {"step": "pause", "reason": "supply short"}, HTTP_ACCEPT_LANGUAGE=EN
        )
        said = text_of(asked.content.decode())
        assert "These coming regular draws are cancelled with your reason:" in said
        assert f"#{made[0].pk} (2020-02-19 10:00)" in said
        assert "Residents see that draws are paused, and why: “supply short”." in said
        assert not services.schedule_pause_in_force()

        client.post(
            url,
            {"step": "pause", "reason": "supply short", "confirm": "yes"},
            HTTP_ACCEPT_LANGUAGE=EN,
        )
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
    step(client, draw, "purchase_window", opens="2020-02-19T17:00", closes="2020-02-20T20:00")
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
    assert "errorlist" in postpone.content.decode()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.SCHEDULED


def test_the_log_admin_shows_sentences(client, draw, official):
    client.force_login(official)
    page = client.get(reverse("admin:lottery_drawlog_changelist"), HTTP_ACCEPT_LANGUAGE=EN)
    assert "added this extra draw at" in page.content.decode()
    assert DrawLog.objects.filter(draw=draw).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_at_once_record_one(campaign, notary):
    from tests.helpers import at_once

    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw = services.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    draw = _drawn(draw)

    def sign(number: str):
        def attempt() -> str:
            services.draw_sign_off(
                draw=Draw.objects.get(pk=draw.pk),
                notary=notary,
                now=at(2020, 2, 19, 10, 30),
                statement="监督全程。",
                certificate_number=number,
            )
            return "signed"

        return attempt

    numbers = iter(["No. 1", "No. 2", "No. 3"])
    outcomes = at_once(3, lambda: sign(next(numbers))())
    assert sorted(outcomes) == ["signed", "wrong_state", "wrong_state"]
    draw.refresh_from_db()
    entry = draw.log.get(action="signed_off")
    assert entry.details["certificate_number"] == draw.notarial_certificate_number


def test_the_page_costs_the_same_queries_however_long_the_log(client, draw, official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(official)

    def queries() -> int:
        with (
            time_machine.travel(BEFORE_CUTOFF, tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert client.get(ceremony_url(draw)).status_code == 200
        return len(captured)

    services.draw_plan_quota(draw=draw, quota=1, actor=official)
    short = queries()
    for quota in range(2, 12):
        services.draw_plan_quota(draw=draw, quota=quota, actor=official)
    assert queries() == short

"""Outages (issue 11, item 5): with Redis or PostgreSQL down or frozen, the pages a person uses
answer 503 with Retry-After (a page in their language; JSON for the partner API), never 500,
and within 2 s; work committed before the failure stays saved and answers its success.

Redis down is a closed loopback port, Redis frozen a loopback server that accepts and never
answers (tests/fakes/dead_services.py); both are probed in this process. PostgreSQL cut is the
WSGI app (gunicorn) in a process of its own whose DATABASE_URL points at a closed port or at a
frozen server, probed over HTTP with the cookies of people signed in beforehand.
"""

import contextlib
import dataclasses
import datetime
import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from config.outage import server_error
from lottery import services as lottery
from notifications.models import OutboxMessage, State
from orders.models import Order
from tests.fakes.dead_services import closed_port, frozen_server
from tests.helpers import subprocess_env
from tests.reservations.conftest import at, campaign, make_resident  # noqa: F401

ZH = "网站暂时无法使用"
EN = "The site is temporarily unavailable"
BOUND = 2.0  # seconds: every answer, whatever is down
CSRF = "outagesCsrfSecret0123456789abcde"  # a well-formed secret: cookie and form field agree
ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    persona: str | None = None  # whose session cookie goes with it
    form: dict | None = None
    body: dict | None = None  # JSON
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/partner/")


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: dict
    text: str
    seconds: float


def probes(*, draw_id: int, token: str) -> list[Probe]:
    """The 15 pages of the issue, asked as a person (or the partner's system) would."""
    bearer = (("Authorization", f"Bearer {token}"),)
    verify = {"phone": "13800000031", "address": "福州市台江区五四路123号"}
    return [
        Probe("home", "GET", "/"),
        Probe("faq", "GET", "/faq/"),
        Probe("help", "GET", "/help/"),
        Probe("sign-in", "GET", "/sign-in/"),
        Probe("sign-in post", "POST", "/sign-in/", form={"phone": "13800000099"}),
        Probe("sign-in code", "GET", "/sign-in/code/", persona="signing_in"),
        Probe("me", "GET", "/me/", persona="resident"),
        Probe("reserve", "POST", "/me/reserve/", persona="resident", form={}),
        Probe("draws", "GET", "/draws/"),
        Probe("draw", "GET", f"/draws/{draw_id}/"),
        Probe("results", "GET", "/results/?number=00000042"),
        Probe("staff sign-in", "GET", "/admin/login/"),
        Probe(
            "staff sign-in post",
            "POST",
            "/admin/login/?next=/admin/",
            form={"username": "official", "password": "pw", "next": "/admin/"},
        ),
        Probe("ceremony", "GET", f"/admin/lottery/draw/{draw_id}/ceremony/", persona="official"),
        Probe("partner api", "POST", "/api/partner/v1/verify", body=verify, headers=bearer),
        Probe(
            "partner api as html",
            "POST",
            "/api/partner/v1/verify",
            body=verify,
            headers=(*bearer, ("Accept", "text/html")),
        ),
        Probe("healthz", "GET", "/healthz"),
    ]


REDIS_NEEDED = {
    "sign-in post",  # burst protection and the code limits
    "reserve",  # burst protection
    "staff sign-in post",  # the lockout counters
    "ceremony",  # the draw's progress
    "partner api",  # the partner's rate
    "partner api as html",
    "healthz",
}
# Without PostgreSQL only pages that never read it still work: the empty staff sign-in form,
# and the code page, which sends a visitor without a session back to sign-in first.
DATABASE_NOT_NEEDED = {"staff sign-in"}


@pytest.fixture
def scene(campaign, official, partner):  # noqa: F811 - the fixture, imported above
    """A draw, the partner's token, and the cookies of a resident who is signed in, of someone
    half-way through signing in, and of an official."""
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=100)
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    resident = make_resident(phone="13800000031", town="苍霞街道", serial=31)
    cookies = {}
    for persona, user in (("resident", resident.user), ("official", official)):
        browser = Client()
        browser.force_login(user)
        cookies[persona] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    half = SessionStore()
    half["sign_in_phone"] = "+8613800000031"
    half.create()
    cookies["signing_in"] = half.session_key
    _record, token = partner
    return {"probes": probes(draw_id=draw.pk, token=token), "cookies": cookies}


def _headers(probe: Probe, language: str) -> dict:
    headers = dict(probe.headers)
    if language == "en":
        headers["Accept-Language"] = "en"
    return headers


def _cookies(probe: Probe, cookies: dict) -> dict:
    jar = {settings.CSRF_COOKIE_NAME: CSRF}
    if probe.persona:
        jar[settings.SESSION_COOKIE_NAME] = cookies[probe.persona]
    return jar


def ask_here(probe: Probe, language: str, cookies: dict) -> Answer:
    """Through Django's test client, in this process (the database is the test's)."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    for name, value in _cookies(probe, cookies).items():
        client.cookies[name] = value
    headers = _headers(probe, language)
    started = time.monotonic()
    if probe.body is not None:
        response = client.post(
            probe.path, json.dumps(probe.body), content_type="application/json", headers=headers
        )
    elif probe.form is not None:
        data = {**probe.form, "csrfmiddlewaretoken": CSRF}
        response = client.post(probe.path, data, headers=headers)
    else:
        response = client.get(probe.path, headers=headers)
    seconds = time.monotonic() - started
    return Answer(response.status_code, dict(response.headers), response.text, seconds)


def ask_over_http(base: str, probe: Probe, language: str, cookies: dict) -> Answer:
    headers = _headers(probe, language)
    kwargs = {}
    if probe.body is not None:
        kwargs["json"] = probe.body
    elif probe.form is not None:
        kwargs["data"] = {**probe.form, "csrfmiddlewaretoken": CSRF}
    started = time.monotonic()
    response = requests.request(
        probe.method,
        base + probe.path,
        headers=headers,
        cookies=_cookies(probe, cookies),
        allow_redirects=False,
        timeout=30,
        **kwargs,
    )
    seconds = time.monotonic() - started
    return Answer(response.status_code, dict(response.headers), response.text, seconds)


def check(probe: Probe, language: str, answer: Answer, *, needs_service: bool, bound: float):
    """What a person must get: never a 500, 503 with Retry-After where the missing service is
    needed (a page in their language, JSON for the API), a working page where it is not, and
    all of it quickly."""
    where = f"{probe.name} ({language}): {answer.status} in {answer.seconds:.2f} s"
    assert answer.seconds < bound, where
    if not needs_service:
        assert answer.status in (200, 302), where
        return
    assert answer.status == 503, where
    assert int(answer.headers["Retry-After"]) > 0, where
    assert "no-store" in answer.headers.get("Cache-Control", ""), where
    if probe.api or probe.name == "healthz":
        assert answer.headers["Content-Type"].startswith("application/json"), where
        if probe.api:
            assert json.loads(answer.text) == {"error": "unavailable"}, where
        return
    assert answer.headers["Content-Type"].startswith("text/html"), where
    heading, other = (EN, ZH) if language == "en" else (ZH, EN)
    assert heading in answer.text and other not in answer.text, where
    assert answer.headers["Content-Language"] == ("en" if language == "en" else "zh-hans")
    assert 'rel="stylesheet"' in answer.text and "<script" not in answer.text, where
    assert "style=" not in answer.text, where


def probe_all(
    ask, scene, *, needed, bound: float = BOUND, parallel: int = 1, warm: bool = False
) -> dict:
    """Every probe in Chinese (no Accept-Language) and in English; returns the statuses.

    `warm` first asks, unmeasured, the pages that do not need the missing service: a fresh
    server's first answer also loads the URLs, middleware and templates, which says nothing
    about the outage."""
    asks = [(probe, language) for language in ("zh-hans", "en") for probe in scene["probes"]]

    def one(job):
        return ask(job[0], job[1], scene["cookies"])

    if parallel == 1:  # in this thread: other threads would not see the test's data
        answers = [one(job) for job in asks]
    else:
        with ThreadPoolExecutor(parallel) as pool:
            if warm:
                list(pool.map(one, [job for job in asks if not needed(job[0])]))
            answers = list(pool.map(one, asks))
    for (probe, language), answer in zip(asks, answers, strict=True):
        check(probe, language, answer, needs_service=needed(probe), bound=bound)
    return {probe.name: answer.status for (probe, _), answer in zip(asks, answers, strict=True)}


# --- Redis ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("outage", [closed_port, frozen_server], ids=["down", "frozen"])
def test_without_redis_the_pages_that_need_it_answer_503_quickly_and_the_rest_work(
    outage, scene, settings
):
    with outage() as port:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        statuses = probe_all(ask_here, scene, needed=lambda probe: probe.name in REDIS_NEEDED)
    assert {name for name, status in statuses.items() if status == 503} == REDIS_NEEDED


@pytest.mark.django_db
def test_a_frozen_redis_holds_a_request_for_less_than_a_second(scene, settings):
    reserve = next(probe for probe in scene["probes"] if probe.name == "reserve")
    with frozen_server() as port:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        answer = ask_here(reserve, "zh-hans", scene["cookies"])
    assert answer.status == 503
    assert answer.seconds < 1.0


def test_every_redis_client_in_the_project_has_the_shared_timeouts():
    """Clients are made in one place (notifications/redis_client.py), which bench/ and tests
    need not use."""
    makers = ("redis.Redis(", "Redis.from_url(", "StrictRedis", "redis.from_url(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {"bench", "tests", ".venv"}
        and path.relative_to(ROOT) != Path("notifications/redis_client.py")
        and any(maker in path.read_text() for maker in makers)
    ]
    assert offenders == []


# --- PostgreSQL ----------------------------------------------------------------------------


@contextlib.contextmanager
def wsgi_server(log: Path, **environment: str):
    """The project's WSGI app under gunicorn, in a process of its own, until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--worker-class=gthread",
        "--threads=8",
        "--timeout=60",
        "--preload",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=subprocess_env(**environment), stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            try:  # a static file: needs neither the database nor Redis
                if requests.get(base + "/static/css/site.css", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.django_db
@pytest.mark.parametrize("outage", [closed_port, frozen_server], ids=["refused", "frozen"])
def test_without_postgresql_every_page_that_reads_it_answers_503_in_the_readers_language(
    outage, scene, tmp_path
):
    # A frozen server is found by the backend's probe (DATABASE_PROBE_TIMEOUT, 1 s) before libpq
    # would wait its 2 s floor; a refused connection fails at once.
    bound = BOUND
    with outage() as port:
        url = f"postgres://postgres@127.0.0.1:{port}/puhui"
        with wsgi_server(tmp_path / "gunicorn.log", DATABASE_URL=url) as base:
            statuses = probe_all(
                lambda probe, language, cookies: ask_over_http(base, probe, language, cookies),
                scene,
                needed=lambda probe: probe.name not in DATABASE_NOT_NEEDED,
                bound=bound,
                parallel=4,  # the server's threads, not a crowd: each answer is one person's
                warm=True,
            )
    log = (tmp_path / "gunicorn.log").read_text()
    assert " 500 " not in log and "Internal Server Error" not in log, log
    assert {name for name, status in statuses.items() if status != 503} == DATABASE_NOT_NEEDED


# --- saved work stays saved ----------------------------------------------------------------


@pytest.fixture
def broker_at(settings):
    """Point the Celery app's broker somewhere else for the test, and wake workers on commit
    (as production does): `broker_at(port)`."""
    from config.celery_app import app

    saved = app.conf.broker_write_url, app._pool, app.amqp._producer_pool
    settings.SMS_DRAIN_ON_COMMIT = True

    def point(port: int) -> None:
        app.conf.broker_write_url = f"redis://127.0.0.1:{port}/0"  # where tasks are sent
        # The app keeps its pools of connections to the old broker: start new ones.
        app._pool = app.amqp._producer_pool = None

    yield point
    app.conf.broker_write_url, app._pool, app.amqp._producer_pool = saved


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outage", [closed_port, frozen_server], ids=["down", "frozen"])
def test_a_partner_order_saved_before_the_broker_failed_answers_its_success(
    outage,
    partner,
    campaign,  # noqa: F811 - the fixture, imported above
    broker_at,
    time_machine,
):
    from tests.orders.conftest import DURING, draw_all, order_body, reserve

    resident = make_resident(phone="13800000021", town="苍霞街道", serial=21)
    (won,) = draw_all(reserve(resident))
    time_machine.move_to(DURING, tick=False)
    _record, token = partner
    client = Client(raise_request_exception=False)
    with outage() as port:
        broker_at(port)
        started = time.monotonic()
        response = client.post(
            "/api/partner/v1/orders",
            json.dumps(order_body(won)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        seconds = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "placed"
    assert Order.objects.get().reservation_id == won.pk
    # The wake-up was lost; the message waits in the outbox, where beat drains it.
    message = OutboxMessage.objects.get(kind="order_placed")
    assert message.state == State.QUEUED
    assert seconds < BOUND


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_code_is_queued_and_the_person_moves_on_while_the_broker_is_down(broker_at):
    client = Client(raise_request_exception=False)
    with closed_port() as port:
        broker_at(port)
        started = time.monotonic()
        response = client.post("/sign-in/", {"phone": "13800000077"})
        seconds = time.monotonic() - started
    assert (response.status_code, response["Location"]) == (302, "/sign-in/code/")
    assert OutboxMessage.objects.get(kind="sign_in_code").state == State.QUEUED
    assert seconds < BOUND


@pytest.mark.django_db(transaction=True)
def test_starting_a_draw_while_the_broker_is_down_answers_503_and_starts_nothing(
    campaign,  # noqa: F811 - the fixture, imported above
    official,
    broker_at,
):
    from lottery.models import DrawStatus
    from tests.lottery.helpers import COMMITMENT, POOL, SECRET, seed_pool

    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=100)
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=None
    )
    seed_pool(POOL, made=at(2020, 2, 18, 11))
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    draw = lottery.draw_close_pool(draw=draw, quota=2, actor=None, now=at(2020, 2, 18, 21))
    draw = lottery.draw_fix_public_value(draw=draw, value="3 5 2 6 1 4", actor=None)
    lottery.draw_reveal(draw=draw, secret=SECRET, notary=None)
    client = Client(raise_request_exception=False)
    client.force_login(official)
    with closed_port() as port:
        broker_at(port)
        response = client.post(
            f"/admin/lottery/draw/{draw.pk}/ceremony/",
            {"step": "start"},
            headers={"Accept-Language": "en"},
        )
    # The official is told to try again, not that the draw has started.
    assert response.status_code == 503 and EN in response.text
    draw.refresh_from_db()
    assert draw.status == DrawStatus.POOL_CLOSED


# --- the handler tells outages from bugs ----------------------------------------------------


def _handled(error: Exception):
    try:
        raise error
    except Exception:
        return server_error(RequestFactory().get("/"))


@pytest.mark.parametrize(
    "error",
    [
        redis.ConnectionError("refused"),
        redis.TimeoutError("timed out"),
        psycopg2.OperationalError("connection refused"),
        psycopg2.InterfaceError("connection already closed"),
    ],
    ids=["redis down", "redis timeout", "database down", "database connection closed"],
)
def test_a_lost_service_is_503(error):
    response = _handled(error)
    assert response.status_code == 503
    assert response["Retry-After"]


def test_a_bug_is_still_a_500_not_an_outage():
    assert _handled(ValueError("a bug")).status_code == 500
    # A deadlock is the database answering, not an outage.
    deadlock = psycopg2.errors.DeadlockDetected("deadlock detected")
    assert _handled(deadlock).status_code == 500


def test_the_database_probe_gives_up_on_a_frozen_server_within_its_timeout():
    from config.postgresql.base import probe

    with frozen_server() as port:
        started = time.monotonic()
        with pytest.raises(psycopg2.OperationalError, match="did not answer"):
            probe("127.0.0.1", port, 0.5)
        assert time.monotonic() - started < 1.5
    with closed_port() as port, pytest.raises(psycopg2.OperationalError):
        probe("127.0.0.1", port, 0.5)


def test_the_database_probe_lets_a_real_server_through():
    from config.postgresql.base import probe

    database = settings.DATABASES["default"]
    probe(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432), 1.0)
    assert database["ENGINE"] == "config.postgresql"

"""What the browser tests share: Debian's chromium, and every resident and public page as one
table (`resident_pages`), each visited in both languages at a phone's widths.

A new resident or public page gets a row in `resident_pages`; the layout and accessibility
tests then measure it without further change."""

import asyncio
import os
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# The browser's languages: Accept-Language picks the site's zh-hans and en.
LANGUAGES = ["zh-CN", "en-US"]
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: each page measured is saved there


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    cookie: dict | None = None  # the session cookie of who looks; None: nobody signed in
    status: int = 200


def session_cookie(user, site: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def code_pending_cookie(site: str, phone: str = "13800000051") -> dict:
    """A session waiting for its SMS code: what /sign-in/code/ shows after /sign-in/."""
    client = Client()
    assert client.post(reverse("sign_in"), {"phone": phone}).status_code == 302
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


@pytest.fixture
def error_pages_served(settings):
    """The project's URLs plus views that fail on purpose, so the 400, 403 and 500 pages show."""
    settings.ROOT_URLCONF = "tests.config.error_urls"


def resident_pages(site: str) -> list[Visit]:
    """Every resident and public page, with residents in each state /me/ shows. Needs the
    campaign (tests.reservations.conftest.campaign), `error_pages_served` and a live server at
    `site`."""
    from reservations.models import User
    from tests.orders.conftest import draw_all, reserve
    from tests.reservations.conftest import make_resident

    winner = reserve(make_resident(phone="13800000061", town="苍霞街道", serial=61))
    (winner,) = draw_all(winner)
    # Reserved after the draw: waits for the next one.
    waiting = reserve(make_resident(phone="13800000062", town="城门镇", serial=62))
    no_address = make_resident(phone="13800000063", town="苍霞街道", serial=63)
    no_address.community = no_address.town = no_address.district = None
    no_address.street_address = ""
    no_address.save()
    newcomer = User.objects.create_user(username="13800000064", phone="13800000064")

    anyone = None
    new = session_cookie(newcomer, site)
    verified = session_cookie(no_address.user, site)
    waits = session_cookie(waiting.resident.user, site)
    won = session_cookie(winner.resident.user, site)
    pages = [
        Visit("home", "/", anyone),
        Visit("faq", "/faq/", anyone),
        Visit("help", "/help/", anyone),
        Visit("open data", "/open-data/", anyone),
        Visit("draws", "/draws/", anyone),
        Visit("a finished draw", f"/draws/{winner.win.draw_id}/", anyone),
        Visit("results, empty", "/results/", anyone),
        Visit("results, a winner", f"/results/?number={winner.number:08d}", anyone),
        Visit("results, an invalid number", "/results/?number=12ab", anyone, status=400),
        Visit("check a number", f"/draws/{winner.win.draw_id}/check", anyone),
        Visit(
            "check a number, a winner",
            f"/draws/{winner.win.draw_id}/check?number={winner.number:08d}",
            anyone,
        ),
        Visit(
            "check a number, invalid",
            f"/draws/{winner.win.draw_id}/check?number=12ab",
            anyone,
            status=400,
        ),
        Visit("no such page", "/no-such-page/", anyone, status=404),
        # The error pages, from views that fail on purpose (with `error_pages_served`).
        Visit("error 400", "/test-errors/400/", anyone, status=400),
        Visit("error 403", "/test-errors/403/", anyone, status=403),
        Visit("error 500", "/test-errors/500/", anyone, status=500),
        Visit("sign in", "/sign-in/", anyone),
        Visit("sign-in code", "/sign-in/code/", code_pending_cookie(site)),
        Visit("me, unverified", "/me/", new),
        Visit("verify", "/me/verify/", new),
        Visit("address, empty", "/me/address/", new),
        Visit("me, verified without address", "/me/", verified),
        Visit("address, verified", "/me/address/", verified),
        Visit("me, waiting", "/me/", waits),
        Visit("me, won", "/me/", won),
        Visit("address, with one", "/me/address/", won),
        Visit("cancel, confirm", "/me/cancel/", waits),
    ]
    return pages


Check = Callable[[object], Awaitable[list[str]]]


def visit_all(
    site: str, visits: list[Visit], widths: list[int], check: Check, *, bypass_csp: bool = False
) -> list[str]:
    """Each page in each language at each width; `check(page)` says what is wrong with it.
    Returns the problems, each prefixed by where. No database access while this runs."""
    return asyncio.run(_visit_all(site, visits, widths, check, bypass_csp))


async def _visit_all(site, visits, widths, check, bypass_csp) -> list[str]:
    from playwright.async_api import async_playwright

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for language in LANGUAGES:
                for width in widths:
                    for visit in visits:
                        context = await browser.new_context(
                            locale=language,
                            viewport={"width": width, "height": 800},
                            is_mobile=True,
                            bypass_csp=bypass_csp,
                        )
                        if visit.cookie:
                            await context.add_cookies([visit.cookie])
                        page = await context.new_page()
                        where = f"{visit.name} ({visit.path}, {language}, {width}px)"
                        response = await page.goto(site + visit.path, wait_until="load")
                        status = response.status if response else 0
                        if status != visit.status:
                            problems.append(f"{where}: answered {status}, not {visit.status}")
                        problems += [f"{where}: {problem}" for problem in await check(page)]
                        if SHOTS:
                            name = re.sub(r"\W+", "-", f"{visit.name}-{language}-{width}")
                            await page.screenshot(
                                path=os.path.join(SHOTS, f"{name}.png"), full_page=True
                            )
                        await context.close()
        finally:
            await browser.close()
    return problems

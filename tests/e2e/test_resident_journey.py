"""The resident's journey in a real browser (Debian's chromium driven by Playwright) against
the live site: sign in with the SMS code, verify, enter the address, reserve, see the number."""

import contextlib
import datetime
import os
import re
import shutil

import pytest

from city.models import CampaignConfig, ReservationWindow
from reservations.models import Reservation
from tests.reservations.conftest import resident_id

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder, to look at the pages
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def phone_browser(language: str):
    """A phone-sized page in chromium. No database access while it runs: Playwright's sync API
    switches greenlets, and Django would open a connection per greenlet that nobody closes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
        )
        context = browser.new_context(
            locale=language, viewport={"width": 390, "height": 844}, is_mobile=True
        )
        try:
            yield context
        finally:
            browser.close()


@pytest.fixture
def open_today(live_server):
    from django.core.management import call_command

    call_command("load_fuzhou", verbosity=0)
    CampaignConfig.objects.filter(pk=1).update(start_date=datetime.date(2020, 2, 17))
    # A window open all day, so the journey does not depend on when the suite runs.
    ReservationWindow.objects.create(
        district=None, opens_at=datetime.time(0, 0), closes_at=datetime.time(23, 59, 59)
    )


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_a_resident_signs_in_verifies_and_reserves_on_a_phone(live_server, open_today, language):
    district, town = _label(language, "仓山区"), _label(language, "城门镇")
    site = live_server.url
    with phone_browser(language) as context:
        shown = _journey(context, site, language, district, town)

    reservation = Reservation.objects.get()
    assert reservation.number_display in shown
    assert reservation.address == "福州市仓山区城门镇林浦路8号"


def _journey(context, site: str, language: str, district: str, town: str) -> str:
    """Sign in, verify, enter the address, reserve; returns the number the page shows."""
    page = context.new_page()

    page.goto(f"{site}/")
    shot(page, f"{language}-home")
    page.goto(f"{site}/sign-in/")
    page.fill("input[name=phone]", "138 0013 8000")
    page.click("button[type=submit].primary")
    assert page.url.endswith("/sign-in/code/")

    # With the console SMS backend the code is on the demo page.
    sms = context.new_page()
    sms.goto(f"{site}/dev/sms/")
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.inner_text("main")).group(1)
    sms.close()
    page.fill("input[name=code]", code)
    page.click("button[type=submit].primary")
    assert page.url.endswith("/me/")
    shot(page, f"{language}-me-new")

    page.goto(f"{site}/me/verify/")
    page.fill("input[name=name]", "林小梅")
    page.select_option("select[name=document_type]", "resident_id")
    page.fill("input[name=document_number]", resident_id("35010219900307123"))
    page.check("input[name=method][value=face]")
    page.click("button[type=submit].primary")
    assert page.url.endswith("/me/")

    page.goto(f"{site}/me/address/")
    # Choosing a district and a town reloads the next list (with JavaScript, at once).
    with page.expect_navigation():
        page.select_option("select[name=district]", label=district)
    with page.expect_navigation():
        page.select_option("select[name=town]", label=town)
    page.select_option("select[name=community]", index=1)
    page.fill("input[name=street_address]", "林浦路8号")
    shot(page, f"{language}-address")
    page.click("button[name=save]")
    assert page.url.endswith("/me/")

    page.click("#reserve button[type=submit]")
    shot(page, f"{language}-me-reserved")
    return page.inner_text(".number")


def _label(language: str, chinese: str) -> str:
    if language.startswith("zh"):
        return chinese
    from city.models import District, Town

    place = District.objects.filter(name=chinese).first() or Town.objects.get(name=chinese)
    return place.name_en

"""Every page keeps to the enforced Content-Security-Policy in a real browser (Debian's chromium
through Playwright): the public pages, a signed-in resident's, and the whole admin as the
superuser and as each staff role. The admin's pages come from `admin.site._registry`, so a new
admin is covered without touching this test. Chromium reports each blocked inline script or
style (a `style=` attribute included) as a `securitypolicyviolation` event and on the console."""

import asyncio
import time

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, reverse
from django.utils import timezone

from city.models import Suggestion
from lottery.models import Draw, DrawStatus
from reservations.models import User
from tests.e2e.test_resident_journey import CHROMIUM, LAUNCH_ARGS
from tests.orders.conftest import DURING, draw_all, reserve
from tests.reservations.conftest import at, campaign, make_resident  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# Collects what the policy blocked, from before the page's first byte.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""
PUBLIC = ["/", "/faq/", "/help/", "/sign-in/", "/sign-in/code/", "/draws/", "/dev/sms/"]
PUBLIC += ["/results/", "/admin/login/", "/no-such-page/"]


@pytest.fixture
def world(campaign, official, notary, committee_staff, pickup_staff, partner):  # noqa: F811
    """One of everything the admin lists, so every change form has an object to show."""
    from lottery import services as lottery
    from orders.services import order_place
    from tests.orders.conftest import committee_reserve

    winner = reserve(make_resident(phone="13800000031", town="苍霞街道", serial=31))
    registered = committee_reserve(committee_staff, name="陈阿婆", serial=32)
    # A pickup order too: its point's batch and its parcel (pickup staff's Cangshan).
    chengmen = reserve(make_resident(phone="13800000033", town="城门镇", serial=33))
    winner, _registered, chengmen = draw_all(winner, registered, chengmen)
    # Signed off, so its certificate is sealed (the ledger's admin pages have a row).
    lottery.draw_sign_off(
        draw=Draw.objects.get(pk=winner.win.draw_id),
        notary=notary,
        now=timezone.now(),
        statement="全程监督。",
        certificate_number="(2020)闽榕证字第1号",
    )
    record, _token = partner
    for order_id, buyer in [("P-1", winner), ("P-2", chengmen)]:
        order_place(
            partner=record,
            partner_order_id=order_id,
            phone=buyer.phone,
            address=buyer.address,
            number=buyer.number,
            quantity=1,
            now=DURING,
        )
    # The coming draws, from today: a pause that ended, and a draw waiting for its commitment.
    now = timezone.now()
    lottery.schedule_keep(now=now)
    lottery.schedule_pause(reason="supply short", actor=official, now=now)
    lottery.schedule_resume(actor=official, now=now)
    coming = Draw.objects.filter(status=DrawStatus.SCHEDULED).order_by("scheduled_at").first()
    Suggestion.objects.create(text="更多取货点", contact="", language="zh-hans")
    superuser = User.objects.create_superuser(username="root", password="pw")
    return {
        "winner": winner,
        "staff": [superuser, official, notary, committee_staff, pickup_staff],
        "superuser": superuser,
        "notary": notary,
        "coming": coming,
    }


# Pages whose template is the same for every model: seen once, on the first admin that has them.
ONCE = ("history", "delete")


def admin_paths(user: User) -> list[str]:
    """The admin index, and each registered admin's pages this user may open: the change list,
    the add form, one object's change form, and the admin's own views (the draw ceremony,
    schedule and extra draw, committee registration, partner creation); for the superuser also
    the password, history and delete pages."""
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = ["/admin/"]
    if user.is_superuser:
        paths += ["/admin/password_change/", reverse("admin:auth_group_changelist")]
    seen: set[str] = set()
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_module_permission(request):
            continue
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is None:
            obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the test makes no {model.__name__}: add one to `world`"
        may = {
            "changelist": model_admin.has_view_or_change_permission(request),
            "change": model_admin.has_view_or_change_permission(request, obj),
            "history": model_admin.has_view_or_change_permission(request, obj),
            "add": model_admin.has_add_permission(request),
            "delete": model_admin.has_delete_permission(request, obj),
        }
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            kind = pattern.name.rsplit("_", 1)[-1]
            # Autocomplete answers JSON and a CSV is a download: neither is a page to render.
            if kind in ("autocomplete", "csv") or not may.get(kind, True):
                continue
            if kind in ONCE and (kind in seen or not user.is_superuser):
                continue
            seen.add(kind)
            paths.append(_reverse(f"admin:{pattern.name}", obj.pk))
    return sorted(set(paths), key=paths.index)


def _reverse(name: str, pk) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(name, args=[pk])


def session_cookie(user: User, site: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def code_pending_cookie(site: str) -> dict:
    client = Client()
    assert client.post(reverse("sign_in"), {"phone": "13800000051"}).status_code == 302
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}


def test_no_page_breaks_the_content_security_policy(live_server, world):
    site = live_server.url
    winner = world["winner"]
    newcomer = User.objects.create_user(username="13800000041", phone="13800000041")
    visits: list[tuple[dict | None, list[str]]] = [
        (None, [*PUBLIC, f"/draws/{winner.win.draw_id}/", f"/results/?number={winner.number:08d}"]),
        # The check page runs its script and fetches the proof and certificate (connect-src).
        (None, [f"/draws/{winner.win.draw_id}/check?number={winner.number:08d}"]),
        (session_cookie(newcomer, site), ["/me/", "/me/verify/", "/me/address/"]),
        (code_pending_cookie(site), ["/sign-in/code/"]),  # the code form, a code on its way
        (session_cookie(winner.resident.user, site), ["/me/", "/me/verify/", "/me/address/"]),
    ]
    for user in world["staff"]:
        visits.append((session_cookie(user, site), admin_paths(user)))
    pages = sum(len(paths) for _, paths in visits)

    # No database from here on: the browser's event loop runs in this thread.
    started = time.monotonic()
    cookies = {
        "address": session_cookie(winner.resident.user, site),
        "superuser": session_cookie(world["superuser"], site),
        "notary": session_cookie(world["notary"], site),
    }
    ceremony = reverse("admin:lottery_ceremony", args=[world["coming"].pk])
    violations, statuses = asyncio.run(_visit_all(site, visits, cookies, ceremony))
    seconds = time.monotonic() - started

    assert violations == []
    assert not [answer for answer in statuses if answer[1] >= 500]
    assert pages > 120, pages  # every admin's pages, for five staff accounts
    print(f"{pages} pages in {seconds:.1f} s")


# Pages open at once in each context: the browser renders one while the server makes the next.
CONCURRENCY = 3


async def _visit_all(site: str, visits, cookies: dict, ceremony: str) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    violations: list[str] = []
    statuses: list[tuple[str, int]] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for cookie, paths in visits:
                context = await _context(browser, cookie, violations)
                waiting = list(paths)

                async def visit(context=context, waiting=waiting) -> None:
                    page = await context.new_page()
                    while waiting:
                        path = waiting.pop(0)
                        response = await page.goto(site + path, wait_until="load")
                        statuses.append((path, response.status if response else 0))
                        violations.extend(await _reported(page))

                await asyncio.gather(*(visit() for _ in range(CONCURRENCY)))
                await context.close()
            # The address page's script: choosing a district reloads the list of its towns.
            page = await _page(browser, cookies["address"], violations, f"{site}/me/address/")
            async with page.expect_navigation():
                await page.select_option("select[name=district]", index=1)
            violations.extend(await _reported(page))
            await page.context.close()
            # What is shown once, after a POST: a new partner's token, the system-made secret.
            page = await _page(
                browser, cookies["superuser"], violations, f"{site}/admin/orders/partner/add/"
            )
            await page.fill("input[name=name]", "永辉超市")
            async with page.expect_navigation():
                await page.click("input[type=submit]")
            await page.wait_for_selector("#partner-token.shown-once")
            violations.extend(await _reported(page))
            await page.context.close()
            page = await _page(browser, cookies["notary"], violations, site + ceremony)
            async with page.expect_navigation():
                await page.click("form:has(input[value=commit]) input[type=submit]")
            await page.wait_for_selector("code.shown-once")
            violations.extend(await _reported(page))
            await page.context.close()
        finally:
            await browser.close()
    return violations, statuses


async def _page(browser, cookie: dict, violations: list[str], url: str):
    context = await _context(browser, cookie, violations)
    page = await context.new_page()
    await page.goto(url)
    violations.extend(await _reported(page))
    return page


async def _context(browser, cookie: dict | None, violations: list[str]):
    context = await browser.new_context(locale="zh-CN")
    if cookie:
        await context.add_cookies([cookie])
    await context.add_init_script(WATCH)
    context.on(
        "console",
        lambda message: (
            violations.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return context


async def _reported(page) -> list[str]:
    # Violation events are queued as tasks: let the queue run once before reading them.
    found = await page.evaluate(
        "() => new Promise((done) => setTimeout(() => done(window.__cspViolations), 0))"
    )
    return [f"{page.url}: {violation}" for violation in found]


def test_the_watch_catches_inline_script_and_style(live_server):
    """The check above can fail: the real FAQ page, with its real headers, and an inline style
    and script slipped into its body, is reported for both."""
    violations, title = asyncio.run(_tampered_faq(live_server.url))
    assert title != "ran"
    assert any("style-src" in violation for violation in violations), violations
    assert any("script-src" in violation for violation in violations), violations


async def _tampered_faq(site: str) -> tuple[list[str], str]:
    from playwright.async_api import async_playwright

    violations: list[str] = []
    inline = '<p style="color: red">x</p><script>document.title = "ran"</script></main>'

    async def tamper(route) -> None:
        real = await route.fetch()
        body = (await real.text()).replace("</main>", inline, 1)
        await route.fulfill(response=real, body=body)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = await _context(browser, None, violations)
            page = await context.new_page()
            await page.route(f"{site}/faq/", tamper)
            await page.goto(f"{site}/faq/")
            violations.extend(await _reported(page))
            title = await page.title()
        finally:
            await browser.close()
    return violations, title

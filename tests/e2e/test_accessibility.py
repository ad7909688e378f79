"""Every resident and public page, in Chinese and English, passes axe-core's WCAG 2.1 A and AA
rules in Debian's chromium. axe-core is test tooling, pinned in tests/e2e/package-lock.json and
installed by `make test` (npm ci); it is injected into the page under test, never served by the
site. Injecting a script breaks the site's Content-Security-Policy on purpose, so this test's
browser context bypasses it (test_content_security_policy.py checks the policy itself)."""

import re
from pathlib import Path

import pytest

from tests.e2e.browser import error_pages_served, resident_pages, visit_all  # noqa: F401
from tests.reservations.conftest import campaign  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTH = 390  # the small phone of issue 15; test_layout.py covers 320 px too

RUN = """
async (tags) => {
  const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return results.violations.map((violation) =>
    `${violation.id} (${violation.impact}): ${violation.help} ${violation.helpUrl}\\n` +
    violation.nodes.map((node) => `      ${node.target.join(" ")}: ${node.failureSummary}`)
      .join("\\n")
  );
}
"""


async def axe_violations(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate(RUN, TAGS)


@pytest.mark.usefixtures("campaign", "error_pages_served")
def test_every_resident_page_passes_axe_core_wcag_21_aa(live_server):
    assert AXE.exists(), "run `make test` (or npm ci --prefix tests/e2e) to install axe-core"
    site = live_server.url
    visits = resident_pages(site)
    violations = visit_all(site, visits, [WIDTH], axe_violations, bypass_csp=True)
    assert violations == [], "\n".join(violations)


def test_axe_core_reports_a_page_that_breaks_the_rules(live_server):
    """The check above can fail: an image without text and an unlabelled box slipped into the
    real FAQ page are reported."""
    from tests.e2e.browser import Visit

    async def tampered(page) -> list[str]:
        await page.evaluate(
            """() => document.querySelector("main").insertAdjacentHTML(
                "beforeend", '<img src="data:,"><input type="text">')"""
        )
        return await axe_violations(page)

    found = visit_all(live_server.url, [Visit("faq", "/faq/")], [WIDTH], tampered, bypass_csp=True)
    ids = {re.search(r"px\): ([\w-]+) \(", line).group(1) for line in found}
    assert {"image-alt", "label"} <= ids, found

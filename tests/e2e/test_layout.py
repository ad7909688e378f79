"""Every resident and public page on a small phone (320 and 390 CSS px wide), in Chinese and
English, measured in Debian's chromium:

- nothing scrolls sideways: the document is no wider than the viewport;
- touch targets are at least 44 × 44 CSS px (WCAG 2.5.5): every visible button, text box,
  select, summary, the label of each radio button and check box (the label is the target), and
  every link except a link inside running text (the inline exception of 2.5.5: a link that
  shares its paragraph, list item or table cell with words that are not links). Nav links,
  and links standing alone or in a row of links ("draws.json · draws.csv"), are held to 44 × 44;
- all visible text is at least 16 CSS px, small print included: no exemption.

An element of 1 × 1 px or less is the visually-hidden pattern (a skip link until focused, the
address page's "Show towns" buttons once JavaScript reloads the lists itself): not a target."""

import pytest

from tests.e2e.browser import error_pages_served, resident_pages, visit_all  # noqa: F401
from tests.reservations.conftest import campaign  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [320, 390]
TARGET = 44  # CSS px
SMALLEST_TEXT = 16  # CSS px

MEASURE = r"""
({ target, smallest }) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
      .slice(0, 3).map(describe);
    problems.push(`scrolls sideways: ${root.scrollWidth}px in ${root.clientWidth}px (${wide})`);
  }
  function describe(el) {
    const text = (el.innerText || el.value || "").trim().slice(0, 30);
    return `<${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""}> "${text}"`;
  }
  function shown(el) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden";
  }
  function inRunningText(link) {
    const block = link.closest("p, li, dd, td, th, figcaption");
    if (!block || link.closest("nav")) return false;
    // Running text: words of its own besides its links ("a.json · a.csv" is a row of links).
    let rest = block.innerText;
    for (const other of block.querySelectorAll("a")) rest = rest.replace(other.innerText, "");
    return /\p{L}/u.test(rest);
  }
  const targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"
  );
  for (const el of targets) {
    let box = el;
    if (el.type === "radio" || el.type === "checkbox") {
      box = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (!box) { problems.push(`${describe(el)} has no label to tap`); continue; }
    }
    if (!shown(box) || (el.tagName === "A" && inRunningText(el))) continue;
    const { width, height } = box.getBoundingClientRect();
    if (width < target - 0.5 || height < target - 0.5) {
      problems.push(`target ${describe(box)} is ${Math.round(width)}×${Math.round(height)}px`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el || small.has(el) || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest - 0.01) {
      small.add(el);
      problems.push(`text ${describe(el)} is ${size}px`);
    }
  }
  return problems;
}
"""


async def measure(page) -> list[str]:
    return await page.evaluate(MEASURE, {"target": TARGET, "smallest": SMALLEST_TEXT})


@pytest.mark.usefixtures("campaign", "error_pages_served")
def test_no_resident_page_scrolls_sideways_or_has_small_targets_or_text(live_server):
    site = live_server.url
    visits = resident_pages(site)
    problems = visit_all(site, visits, WIDTHS, measure)
    assert problems == [], "\n".join(problems)
    assert len(visits) >= 20

"""The web page in a real browser (Debian's chromium, driven by Playwright) on the local API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from local.moto_server import stop_process
from tests.conftest import running_gateway
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# As root in a sandbox with no network: no sandbox, no GPU, and none of chromium's own calls
# to Google's services, which this machine's network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page_api(
    stack_env: dict[str, str], published_books: Path, published_songs: Path
) -> Iterator[tuple[LocalApi, subprocess.Popen[bytes]]]:
    """A gateway of this module's own: the last test stops it to see the page's error state."""
    with running_gateway(stack_env) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def pick_by_clicking(page: Page, slot: int, query: str, option: int) -> str:
    """Type into a box as a person does, wait for suggestions, click one; returns its id."""
    page.get_by_role("combobox", name=f"Pick {slot + 1}", exact=True).press_sequentially(
        query, delay=40
    )
    suggestion = page.locator(f"#suggestions-{slot} [role=option]").nth(option)
    suggestion.wait_for()
    item_id = suggestion.get_attribute("data-id")
    suggestion.click()
    assert item_id
    return item_id


def pick_by_keyboard(page: Page, slot: int, query: str, option: int) -> str:
    """Type, then arrow down to a suggestion and press Enter; returns its id."""
    box = page.get_by_role("combobox", name=f"Pick {slot + 1}", exact=True)
    box.press_sequentially(query, delay=40)
    suggestion = page.locator(f"#suggestions-{slot} [role=option]").nth(option)
    suggestion.wait_for()
    for _ in range(option + 1):
        box.press("ArrowDown")
    item_id = suggestion.get_attribute("data-id")
    box.press("Enter")
    expect(page.locator(f"#chosen-{slot}")).to_contain_text("Chosen:")
    assert item_id
    return item_id


def recommend_and_check(page: Page, picked: list[str]) -> None:
    """Click Recommend; check that at least five results show, none of them a pick, each
    saying why it is there."""
    assert len(set(picked)) == 3, "the test should pick three different items"
    page.get_by_role("button", name="Recommend").click()
    results = page.locator("#results li")
    expect(results.nth(4)).to_be_visible()
    shown = [li.get_attribute("data-id") or "" for li in results.all()]
    for li in results.all():
        expect(li.locator(".why")).to_contain_text("Because you love")
    assert len(shown) >= 5
    assert not set(shown) & set(picked)


def test_three_picks_give_at_least_five_recommendations_none_of_them_a_pick(page_api, page):
    api, _ = page_api
    page.goto(api.url + "/")
    expect(page.get_by_label("Catalog")).to_have_value("books")

    picked = [
        pick_by_clicking(page, 0, "shadow", 0),
        pick_by_keyboard(page, 1, "poison", 1),
        pick_by_clicking(page, 2, "secret", 2),
    ]

    recommend_and_check(page, picked)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-page-results.png"), full_page=True)


def test_switching_catalog_clears_the_picks_and_recommends_songs(page_api, page):
    api, _ = page_api
    page.goto(api.url + "/")
    pick_by_clicking(page, 0, "shadow", 0)

    page.get_by_label("Catalog").select_option("songs")

    expect(page.get_by_role("combobox", name="Pick 1", exact=True)).to_have_value("")
    picked = [
        pick_by_clicking(page, 0, "fire", 0),
        pick_by_clicking(page, 1, "blue", 0),
        pick_by_clicking(page, 2, "moon", 1),
    ]
    recommend_and_check(page, picked)


def test_the_page_fits_a_phone_screen_without_sideways_scrolling(page_api, browser):
    api, _ = page_api
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(api.url + "/")
    pick_by_clicking(phone, 0, "shadow", 0)

    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "web-page-phone.png"), full_page=True)
    context.close()

    assert overflow <= 0


def test_recommend_is_disabled_until_three_different_things_are_picked(page_api, page):
    api, _ = page_api
    page.goto(api.url + "/")
    button = page.get_by_role("button", name="Recommend")

    expect(button).to_be_disabled()
    pick_by_clicking(page, 0, "shadow", 0)
    pick_by_clicking(page, 1, "shadow", 0)
    pick_by_clicking(page, 2, "poison", 0)

    expect(button).to_be_disabled()
    expect(page.locator("#status")).to_have_text("Pick three different things.")


def test_a_stopped_api_shows_an_error_a_person_understands(page_api, page):
    api, process = page_api
    page.goto(api.url + "/")
    picked = [
        pick_by_clicking(page, i, word, 0) for i, word in enumerate(("shadow", "poison", "secret"))
    ]
    assert len(set(picked)) == 3

    stop_process(process)
    page.get_by_role("button", name="Recommend").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("cannot be reached")
    expect(page.get_by_role("button", name="Recommend")).to_be_enabled()

"""The docs a person opens: /docs in a real headless Chromium (Debian's), authorized, one call made from the page."""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from badges.routes import ROUTES
from tests.e2e.conftest import Client, unique

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
# With Chromium's own background calls on, a closed network refuses them and the browser stalls on them.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
expect.set_options(timeout=30_000)  # the first load builds the document; two cores shared with the other workers


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        found = shutil.which("chromium")
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM} (on PATH: {found}): `make test` installs it "
                    "(apt-get install -y chromium)", pytrace=False)
    # Playwright gives the browser a fresh profile (--user-data-dir) of its own and removes it on close.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        opened = context.new_page()
        elsewhere: list[str] = []
        opened.on("request", lambda r: None if r.url.startswith(server.url + "/") else elsewhere.append(r.url))
        yield opened
        assert elsewhere == [], "the page fetched something from outside the local server"
    finally:
        context.close()


def open_docs(page: Page, base_url: str) -> None:
    page.goto(base_url + "/docs")
    expect(page.locator(".opblock")).to_have_count(len(ROUTES))


def authorize(page: Page, scheme: str, *values: str) -> None:
    page.locator("button.authorize").first.click()
    section = page.locator(".auth-container", has_text=scheme)
    for field, value in zip(section.locator("input").all(), values, strict=True):
        field.fill(value)
    section.locator("button.authorize").click()
    expect(section).to_contain_text("Authorized")
    page.locator(".modal-ux .btn-done").first.click()


def execute(page: Page, operation_id: str, tag: str, body: dict | None = None, **params: str) -> tuple[str, Locator]:
    """Try it out -> Execute on one operation; the status the page shows and its response body."""
    operation = page.locator(f"#operations-{tag}-{operation_id}")
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    if body is not None:
        operation.locator("textarea.body-param__text").fill(json.dumps(body))
    for name, value in params.items():
        operation.locator(f"tr[data-param-name='{name}'] input").fill(value)
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    return status.inner_text().strip(), operation.locator(".live-responses-table tbody .highlight-code pre").first


def test_the_page_lists_every_operation_and_both_ways_to_authorize(server, page):
    open_docs(page, server.url)

    page.locator("button.authorize").first.click()

    modal = page.locator(".modal-ux")
    expect(modal).to_contain_text("basicAuth")
    expect(modal).to_contain_text("X-CAP-API-OAUTH-TOKEN")
    expect(page.locator(".opblock-summary-path", has_text="/api_gateway/v1/badges/group").first).to_be_visible()


def test_a_person_authorized_with_basic_creates_a_group_from_the_page(server, page, brand_a: Client):
    name = unique("docs-page")
    open_docs(page, server.url)
    authorize(page, "basicAuth", "brand-a", "secret-a")

    status, body = execute(page, "create_group", "Groups", {"name": name, "rank": 7})

    assert status == "200"
    created = json.loads(body.inner_text())["data"]
    assert created["name"] == name and created["orgId"] == 50156
    stored = brand_a.get(f"/group/{created['id']}")
    assert stored.status == 200 and stored.body["data"]["name"] == name


def test_a_person_authorized_with_a_token_reads_a_group_from_the_page(server, page, brand_a: Client, anonymous):
    group = brand_a.post("/group", {"name": unique("docs-token"), "rank": 3}).body["data"]
    token = anonymous.post("/v3/oauth/token/generate", {"key": "brand-a", "secret": "secret-a"}, base="")
    open_docs(page, server.url)
    authorize(page, "oauthToken", token.body["data"]["accessToken"])

    status, body = execute(page, "get_group", "Groups", groupId=group["id"])

    assert status == "200"
    assert json.loads(body.inner_text())["data"] == group

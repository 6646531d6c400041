"""Browser tests in real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the app
served by pytest-django's ``live_server`` on the test database of the run's store.

A plugin of the root conftest, so that any test module may use it. Such a module marks itself
``pytestmark = BROWSER`` (the ``browser`` marker and one xdist group: one worker runs them all, on one
Chromium started once). Fixtures:

- ``new_page(**context_options)``: a page in a fresh browser context (its own cookies), e.g.
  ``viewport={"width": 390, "height": 844}`` or ``locale="es"`` (sent as Accept-Language). Each page's
  final state is saved as a screenshot under var/screenshots/<store>/ (git-ignored), pass or fail.
- ``page``: ``new_page()`` with the defaults (a desktop window, English).
- ``sign_in(page, user)``: signs in through the admin's login form, as a person does.

Playwright's own browser download (``playwright install``) is never used: make install brings
Debian's chromium package instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "var" / "screenshots"
# The factories' password of every persona (organizers/factories.py).
PASSWORD = "correct horse battery"
# Waits, not sleeps: expect() and actions retry until this passes. Generous because the machine
# running the suite may be busy (two workers, SecantusDB) and a page then takes seconds.
TIMEOUT_MS = 30_000

BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def store_name() -> str:
    from django.conf import settings

    return "mongodb" if settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend" else "sqlite"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium package (as root).")
    # Playwright's sync API keeps its event loop running in this thread until the session ends:
    # Django would take every ORM call from then on (factories, asserts, later tests on this
    # worker) for one made from async code and refuse it. That code is plain synchronous code
    # between browser calls, so the check does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    # This run's screenshots only: none left from a test since renamed or removed.
    shutil.rmtree(SCREENSHOTS / store_name(), ignore_errors=True)
    with sync_playwright() as playwright:
        # --no-sandbox: the suite may run as root (CI), where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(chromium, live_server, request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    contexts: list = []

    def open_page(**context_options):
        options = {"base_url": live_server.url, "locale": "en", **context_options}
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    folder = SCREENSHOTS / store_name()
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("/")[-1])
    for number, context in enumerate(contexts, start=1):
        for page in context.pages:
            suffix = "" if len(contexts) == 1 else f"-{number}"
            page.screenshot(path=folder / f"{name}{suffix}.png", full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    from playwright.sync_api import expect

    def sign_in_as(page, user, password: str = PASSWORD) -> None:
        page.goto("/admin/login/?next=/admin/")
        page.locator("#id_username").fill(user.get_username())
        page.locator("#id_password").fill(password)
        page.locator("#login-form [type=submit]").click()
        # Signed in: the admin's user tools offer to sign out (any language).
        expect(page.locator("#logout-form")).to_be_visible()

    return sign_in_as

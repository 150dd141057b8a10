"""Browser tests: Playwright drives the system's Chromium against Django's live server.

Playwright's own browser downloads are never used: the tests run Debian's Chromium (or the one
CHROMIUM_PATH names) and are skipped, saying why, when there is none.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test's thread; the Django ORM calls the tests
# make there (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    skip = pytest.mark.skip(reason="no Chromium found: install Debian's chromium or set CHROMIUM_PATH")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if not path:
        pytest.skip("no Chromium found: install Debian's chromium or set CHROMIUM_PATH")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def signed_in(page, live_server, world, password):
    """A page signed in as the train's RTE through the sign-in form."""

    def sign_in(username: str = "rte"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/trains/")
        return page

    return sign_in


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test also proves the Content-Security-Policy blocks nothing the page needs:
    a violation the browser reports on its console fails the test."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield
    assert not violations, violations

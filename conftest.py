import pytest


def pytest_configure(config):
    """Run every test at one instant whatever the day (appion/tests/clock.py): before
    any test module is imported, so that module-level dates see the moved clock too."""
    from appion.tests import clock

    config._appion_clock = clock.start()


def pytest_report_header(config):
    from appion.tests import clock

    return f"clock: the run starts at {clock.instant().isoformat()} (APPION_TEST_NOW)"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    """SMS go to appion.messaging.sms.outbox in tests (as Django's test runner does with
    email and mail.outbox), emptied before each test."""
    from appion.messaging import sms

    settings.SMS_URL = "locmem://"
    sms.outbox.clear()


@pytest.fixture
def send_outbox():
    """send_outbox(): run the delivery worker once (`send_notifications --once`), so that
    the messages written so far reach mail.outbox and appion.messaging.sms.outbox.
    Returns the counts: sent, retry, failed."""
    from appion.messaging.worker import Worker

    return lambda: Worker().run_once()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the test cache (locmem) outlives a test, and
    rate-limit counts or cached pages must not carry over into the next one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request in Bengali leaves Bengali active in the
    thread, which must not leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(django_db_setup):
    """The live server of the browser tests, in place of pytest-django's: the same
    contract (`.url`; the test gets a transactional database), but served as the ASGI
    application by uvicorn (appion/tests/servers.py), so that the pages' WebSockets
    answer too, as they do in production, and the live pages can be tested. It stops
    before the test database is dropped (hence django_db_setup), closing its
    connections."""
    from appion.tests.servers import AsgiLiveServer

    server = AsgiLiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture
def chromium(request):
    """Debian's Chromium driven by Playwright (never a downloaded browser); the test is
    skipped, saying why, where either is missing. Request it after the fixtures that
    fill the database: Django refuses queries once Playwright's event loop runs. When
    the test fails, each open page's screenshot and HTML are kept in test-results/."""
    import os
    import re
    from pathlib import Path

    sync_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"no Chromium at {executable} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            folder = Path("test-results")
            folder.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            for n, page in enumerate(p for context in browser.contexts for p in context.pages):
                page.screenshot(path=str(folder / f"{name}-{n}.png"), full_page=True)
                (folder / f"{name}-{n}.html").write_text(page.content())
        browser.close()


# Reported by every page opened through `open_page`: uncaught script errors, console
# errors (a failed request, a refused script) and Content-Security-Policy violations. The
# listener is added by Playwright through the DevTools protocol, which the CSP does not
# govern, so it runs even on pages that forbid inline scripts.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked}`);
});
"""


@pytest.fixture
def open_page(chromium, live_server):
    """Open a page in a fresh browser context: `open_page(path, language="bn",
    width=360, height=740, cookies={...})`. Every console error, page error and CSP
    violation on any page opened this way fails the test (checked again at teardown;
    call `open_page.assert_clean()` to check sooner)."""

    problems = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and problems.append(f"{page.url}: {message.text} {message.location['url']}")
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def open_(path="/", *, language="en", width=1280, height=800, cookies=None, base=None):
        base = base or live_server.url
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            locale="bn-BD" if language == "bn" else "en-GB",
            extra_http_headers={"Accept-Language": language},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        context.on("page", watch)
        if cookies:
            host = base.split("//", 1)[1].split(":")[0]
            context.add_cookies(
                [{"name": k, "value": v, "domain": host, "path": "/"} for k, v in cookies.items()]
            )
        page = context.new_page()
        if path is not None:
            page.goto(base + path)
        return page

    def assert_clean():
        assert not problems, "the browser reported:\n" + "\n".join(problems)

    open_.problems = problems
    open_.assert_clean = assert_clean
    yield open_
    assert_clean()


def pytest_terminal_summary(terminalreporter):
    """Say plainly when the browser tests did not run (no Chromium, no Playwright)."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "e2e" in getattr(report, "keywords", {})
    ]
    if skipped:
        reasons = sorted({str(report.longrepr[-1]) for report in skipped if report.longrepr})
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True)
        terminalreporter.write_line(
            f"{len(skipped)} browser (e2e) tests were SKIPPED: {'; '.join(reasons)}"
        )

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


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

"""Helpers for the browser tests."""

from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def query(function, *args):
    """Run a database read in a thread of its own: once Playwright's event loop runs in
    the test's thread, Django refuses queries there."""

    def run():
        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def wait_for_options(page, select_id, count):
    """Wait until htmx has filled the select `select_id` with `count` options."""
    page.wait_for_function(
        "([id, n]) => document.getElementById(id).options.length === n", arg=[select_id, count]
    )

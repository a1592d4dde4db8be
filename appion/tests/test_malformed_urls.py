"""Every URL pattern of the project (the admin's included) answers a malformed id or path
without a server error, as a visitor and as each role."""

import re
import traceback
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from appion.tests.world import ROLES, build_world

MALFORMED = [
    "0",
    "-1",
    "99999999999999999999999",
    "9223372036854775808",
    "abc",
    "১২৩",
    "😷",
    "\x00",
    "../../../etc/passwd",
    "<script>alert(1)</script>",
    "x" * 3000,
]
SUFFIXES = ["-1", "\x00", "../../../etc/passwd", "x" * 3000]
PLACEHOLDER = re.compile(r"<[^<>]+>|\(\?P<\w+>[^()]*\)")


def _routes(resolver=None, prefix=""):
    """Every pattern as text, its includes' prefixes joined."""
    for pattern in (resolver or get_resolver()).url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, text)
        else:
            yield text


ROUTES = sorted(set(_routes()))


def _paths(route):
    """The route with every placeholder filled by each malformed value; a route without
    placeholders (which the resolver matches whole) gets a few of them appended."""
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    if PLACEHOLDER.search(route):
        for value in MALFORMED:
            segment = quote(value, safe="/.")
            yield "/" + PLACEHOLDER.sub(lambda _m, s=segment: s, route)
    else:
        for value in SUFFIXES:
            yield f"/{route}{quote(value, safe='/.')}"


def test_every_route_with_a_placeholder_is_filled():
    filled = [route for route in ROUTES if "<" in route or "(" in route]
    assert len(filled) > 70  # the app's id routes and the admin's object routes
    for route in filled:
        for path in _paths(route):
            assert "<" not in path and "(?P" not in path, path


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_malformed_ids_and_paths_never_break_a_page(role):
    world = build_world()
    user = world.user(role)
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    failures = []
    requests = 0
    for route in ROUTES:
        admin = route.startswith("admin/")
        if admin and role not in ("anonymous", "staff"):
            continue  # the admin sends every non-staff user to its login, as a visitor
        for path in _paths(route):
            # The admin's views are Django's own: GET reaches every lookup of an id.
            for method in ("get",) if admin else ("get", "post"):
                with transaction.atomic():
                    try:
                        response = getattr(client, method)(path)
                        requests += 1
                        if response.status_code >= 500:
                            failures.append(
                                f"{method.upper()} {path[:120]}: {response.status_code}"
                            )
                        elif b"<script>alert(1)</script>" in response.content:
                            failures.append(f"{method.upper()} {path[:120]}: unescaped path")
                    except Exception:
                        failures.append(
                            f"{method.upper()} {path[:120]}: {traceback.format_exc(limit=-3)}"
                        )
                    transaction.set_rollback(True)
    assert requests > 500
    assert not failures, "\n".join(failures)

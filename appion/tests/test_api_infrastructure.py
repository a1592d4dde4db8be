"""The API's frame: JSON for every answer under /api/, errors included; the OpenAPI
document and the answers it names; the interactive docs served from our static under the
CSP."""

import re

import pytest
from django.test import Client

from accounts.tests.api_client import bearer
from accounts.tests.factories import StaffFactory
from appion.api import api


def test_openapi_document_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in document["paths"]


def test_docs_page_has_no_inline_script_and_no_external_url(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        # Either a file of ours, or data (not run, so the CSP does not apply).
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes
        if "src=" in attributes:
            assert not body.strip()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "'unsafe-inline'" not in re.search(
        r"script-src[^;]*", response["Content-Security-Policy"]
    ).group(0)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/", "/api/v2/auth/login"])
def test_unknown_api_path_is_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_json_405_with_allow(client):
    response = client.get("/api/v1/auth/login")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert "POST" in response["Allow"]


def test_server_error_is_json_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "get_openapi_schema", broken)
    response = Client(raise_request_exception=False).get("/api/v1/openapi.json")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "boom" not in response.content.decode()


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# Found by Schemathesis (test_api_schema.py): answers the OpenAPI document did not name.


def _operation(document, method, path):
    return document["paths"][f"/api/v1{path}"][method]


def test_the_document_names_the_answers_django_ninja_gives_itself(client):
    document = client.get("/api/v1/openapi.json").json()

    def statuses(method, path):
        return set(_operation(document, method, path)["responses"])

    # A bearer token: 401 for none or a bad one.
    assert "401" in statuses("get", "/users/me")
    assert "401" not in statuses("get", "/specializations")
    # Parameters or a body: 422 with field errors; a JSON body: 400 when unparseable.
    assert {"400", "401", "422"} <= statuses("post", "/appointments/{appointment_id}/cancel")
    assert {"422"} <= statuses("get", "/locations/districts")
    assert {"422"} <= statuses("post", "/auth/login")
    assert "400" not in statuses("post", "/auth/login")  # form fields, not JSON
    assert statuses("get", "/locations/divisions") == {"200"}

    errors = document["components"]["schemas"]["ErrorsOut"]
    assert errors["properties"]["detail"]["type"] == "array"
    assert _operation(document, "get", "/users/me")["responses"]["401"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/DetailOut"}}
    }


def test_the_answers_django_ninja_gives_itself_are_as_documented(client):
    token = client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    unparseable = client.post("/api/v1/auth/refresh", "{not json", content_type="application/json")
    not_a_number = client.get("/api/v1/locations/districts?division_id=one")

    assert (token.status_code, token.json()) == (401, {"detail": "Unauthorized"})
    assert unparseable.status_code == 400
    assert isinstance(unparseable.json()["detail"], str)
    assert not_a_number.status_code == 422
    assert not_a_number.json()["detail"][0]["loc"] == ["query", "division_id"]


def test_the_document_names_each_operations_own_answers(client):
    document = client.get("/api/v1/openapi.json").json()

    assert "404" in _operation(document, "get", "/doctors/{doctor_id}")["responses"]
    assert "404" in _operation(document, "get", "/doctors/{doctor_id}/slots")["responses"]
    ics = _operation(document, "get", "/appointments/{appointment_id}/ics")["responses"]["200"]
    assert list(ics["content"]) == ["text/calendar"]
    # A booking answers 201, never 200.
    assert "200" not in _operation(document, "post", "/appointments/")["responses"]
    profile = _operation(document, "patch", "/users/me")["requestBody"]["content"]
    fields = profile["application/json"]["schema"]
    assert fields["additionalProperties"] is False
    assert {"full_name", "mobile", "thana_id", "blood_group"} <= set(fields["properties"])


HUGE = 10**20


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/locations/districts?division_id={HUGE}",
        f"/locations/thanas?district_id=-{HUGE}",
        f"/appointments/?skip={HUGE}",
        f"/admin/appointments?skip={HUGE}",
        f"/admin/appointments?doctor_id={HUGE}",
        f"/admin/appointments?patient_id={HUGE}",
        f"/admin/users?skip={HUGE}",
        f"/admin/doctors?skip={HUGE}",
    ],
)
def test_an_integer_the_database_cannot_hold_is_422_not_500(path):
    """SQLite raised OverflowError on such a number in a filter or an OFFSET (found by
    Schemathesis: a district id of -3372984746273278005111422976)."""
    staff = StaffFactory()
    response = Client(raise_request_exception=False).get(f"/api/v1{path}", **bearer(staff))

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] in ("less_than_equal", "greater_than_equal")

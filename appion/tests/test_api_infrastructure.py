"""The API's frame: JSON for every answer under /api/, errors included; the OpenAPI
document; the interactive docs served from our static under the CSP."""

import re

import pytest
from django.test import Client

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

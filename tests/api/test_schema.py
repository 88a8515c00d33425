"""The OpenAPI schema documents every clip and publication call, and the docs page serves."""

from __future__ import annotations

import pytest
import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/clips/", "get", {"200"}),
        ("/api/v1/clips/", "post", {"201", "400"}),
        ("/api/v1/clips/{id}/", "get", {"200", "404"}),
        ("/api/v1/clips/{id}/publish/", "post", {"201", "400", "404", "409", "429"}),
        ("/api/v1/publications/{id}/", "get", {"200", "404"}),
        ("/api/v1/publications/{id}/cancel/", "post", {"200", "404", "409"}),
        ("/api/v1/publications/{id}/retry/", "post", {"200", "404", "409"}),
        ("/api/v1/publications/{id}/stats/", "get", {"200", "404"}),
    ],
)
def test_every_call_is_documented_with_its_answers(schema, path, method, codes):
    operation = schema["paths"][path][method]
    assert codes <= set(operation["responses"])
    assert operation.get("summary")


def test_publication_schema_names_the_contract_fields(schema):
    props = schema["components"]["schemas"]["Publication"]["properties"]
    assert {
        "id",
        "clip",
        "platform",
        "status",
        "scheduled_at",
        "queued_at",
        "published_at",
        "attempts",
        "platform_url",
        "error_message",
        "progress",
        "stats",
    } <= set(props)


def test_upload_is_documented_as_multipart(schema):
    body = schema["paths"]["/api/v1/clips/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body


def test_docs_page_serves(user):
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    # Served by us (static files), not from a CDN: the docs work offline and stay pinned.
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page

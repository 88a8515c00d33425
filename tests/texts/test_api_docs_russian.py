"""The API docs speak Russian: the title, the description, every operation's summary and
description, every field's and parameter's help."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
WORD = re.compile(r"[A-Za-z]{3,}")


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("title", "summary", "description") and isinstance(value, str):
                found.append((f"{path}/{key}", value))
            found += _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _texts(value, f"{path}[{i}]")
    return found


@pytest.fixture
def schema(admin_client) -> dict[str, Any]:
    response = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_api_docs_are_titled_and_described_in_russian(schema):
    assert schema["info"]["title"] == "API КлипМейкера: автопостинг"
    assert CYRILLIC.search(schema["info"]["description"])


def test_every_operation_has_a_russian_summary_and_description(schema):
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for key in ("summary", "description"):
                text = operation.get(key) or ""
                if not CYRILLIC.search(text):
                    missing.append(f"{method.upper()} {path} {key}: {text[:60]!r}")
    assert missing == []


def test_no_english_prose_is_left_in_the_docs(schema):
    # Enum lists ("* `active` - active") and identifiers are code, not prose.
    english = [
        (where, text[:80])
        for where, text in _texts(schema)
        if WORD.search(text) and not CYRILLIC.search(text) and not text.startswith("* `")
    ]
    assert english == []

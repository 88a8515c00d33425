"""OpenAPI post-processing: every error answer the API can give is in the schema.

Views document their own answers; this adds the ones every operation shares, with the
contract's shapes (``{"detail"}`` or ``{"errors"}``): 400 for anything that takes a body or query
parameters (a body that is not JSON answers ``{"detail"}``), 401/403 for operations that need a
login, 404 for paths with an id and for paginated lists (a page that does not exist).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

ERROR_ANSWER = "ErrorAnswer"
METHODS = ("get", "post", "put", "patch", "delete")


def _error_component() -> dict[str, Any]:
    return {
        "type": "object",
        "description": '{"detail": "..."} или {"errors": {"<поле>": ["..."]}}',
        "properties": {
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    }


def _answer(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_ANSWER}"}}
        },
    }


def _widen(response: dict[str, Any]) -> None:
    """A documented 400 keeps its own shape and also allows ``{"detail"}`` (unparsable body)."""
    for media in (response.get("content") or {}).values():
        schema = media.get("schema")
        if schema and "anyOf" not in schema:
            media["schema"] = {"anyOf": [schema, {"$ref": f"#/components/schemas/{ERROR_ANSWER}"}]}


def document_error_answers(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_ANSWER] = _error_component()
    for path, item in (result.get("paths") or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            params = operation.get("parameters") or []
            in_path = any(p.get("in") == "path" for p in params)
            in_query = any(p.get("in") == "query" for p in params)
            if "requestBody" in operation or in_query:
                if "400" in responses:
                    _widen(responses["400"])
                else:
                    responses["400"] = _answer("Неверный запрос: поля или тело запроса")
            if in_path or any(p.get("name") == "page" for p in params):
                responses.setdefault("404", _answer("Не найдено (или не принадлежит вызывающему)"))
            if operation.get("security") != [] and operation.get("security") != [{}]:
                responses.setdefault("401", _answer("Нужна авторизация"))
                responses.setdefault("403", _answer("Доступ запрещён (CSRF для сессии)"))
    return result


class RussianAutoSchema(AutoSchema):
    """The schema of the API docs, which speak Russian: descriptions come only from
    ``extend_schema(description=...)`` and serializer ``help_text``, never from docstrings
    (those are the developers', in English)."""

    # drf-spectacular's signature differs from DRF's inspector that the stubs know.
    def get_description(self) -> str:  # type: ignore[override]
        return ""

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        mapped: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        mapped.pop("description", None)
        return mapped

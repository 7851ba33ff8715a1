"""The OpenAPI document as the API behaves: 422 answers with each field and its reason, 413
wherever a body is taken, and optional parameters that are left out rather than sent as null."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.core.errors import DESCRIPTIONS

INVALID = {
    "title": "Invalid",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "required": ["detail", "errors"],
}


TOO_LARGE = {
    "description": DESCRIPTIONS[413],
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
}


def _without_null(parameter: dict[str, Any]) -> None:
    """An optional query or header parameter is left out, never sent as null: its schema is
    the value's own (FastAPI writes `anyOf: [..., {"type": "null"}]` for `str | None`)."""
    schema = parameter.get("schema", {})
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if parameter.get("required") or len(branches) != 1 or len(schema["anyOf"]) != 2:
        return
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    parameter["schema"] = {**branches[0], **rest}


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = INVALID
        components.pop("ValidationError", None)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    _without_null(parameter)
                if "requestBody" in operation:  # the body limit stands before every route
                    operation["responses"].setdefault("413", TOO_LARGE)
        app.openapi_schema = schema
    return app.openapi_schema

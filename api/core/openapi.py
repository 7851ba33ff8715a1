"""The OpenAPI document as the API behaves: 422 answers with each field and its reason."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = INVALID
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema

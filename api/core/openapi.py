"""The OpenAPI document as the API behaves: 422 answers with each field and its reason, 413
wherever a body is taken, and optional parameters (and a form's optional parts) that are left
out rather than sent as null."""

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


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The value's own schema, where FastAPI writes `anyOf: [..., {"type": "null"}]` for `X | None`."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1 or len(schema["anyOf"]) != 2:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**branches[0], **rest}


def _without_null(parameter: dict[str, Any]) -> None:
    """An optional query or header parameter is left out, never sent as null."""
    if not parameter.get("required"):
        parameter["schema"] = _non_null(parameter.get("schema", {}))


def _form_without_null(operation: dict[str, Any], components: dict[str, Any]) -> None:
    """A form's optional part (a file) is left out, never sent as the text "null"."""
    form = operation["requestBody"].get("content", {}).get("multipart/form-data")
    ref = form.get("schema", {}).get("$ref", "") if form else ""
    schema = components.get(ref.rsplit("/", 1)[-1], {})
    required = set(schema.get("required", []))
    for name, part in schema.get("properties", {}).items():
        if name not in required:
            schema["properties"][name] = _non_null(part)


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
                    _form_without_null(operation, components)
        app.openapi_schema = schema
    return app.openapi_schema

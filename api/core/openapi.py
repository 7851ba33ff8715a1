"""The OpenAPI document as the API behaves: 422 answers with each field and its reason, 413
wherever a body is taken, optional parameters (and a form's optional parts) that are left
out rather than sent as null, and links from each answer that names a case or a measure to
what can be done with it."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Lead:
    """An answer (`source`: method and path; `status`) that names something, found at `value` (a
    JSON pointer into its body), and the operations on it: every path under `under`, whose last
    parameter the value fills. `name` starts each link's name."""

    source: str
    status: str
    value: str
    under: str
    name: str

    @property
    def parameter(self) -> str:
        return self.under.rsplit("{", 1)[1].rstrip("}")


SUPERVISION = "get /api/enterprises/{code}/supervision"
LEADS = [
    Lead("post /api/complaints", "201", "/tracking_no", "/api/complaints/{tracking_no}", "case"),
    Lead("get /api/complaints", "200", "/items/0/tracking_no", "/api/complaints/{tracking_no}", "case"),
    Lead("get /api/duplicates", "200", "/0/tracking_no", "/api/duplicates/{tracking_no}", "suspect"),
    Lead("get /api/archive", "200", "/items/0/tracking_no", "/api/archive/{tracking_no}", "archived"),
    Lead(SUPERVISION, "200", "/warnings/0/id", "/api/enterprises/{code}/warnings/{target}", "warning"),
    Lead(SUPERVISION, "200", "/penalties/0/id", "/api/enterprises/{code}/penalties/{target}", "penalty"),
]


def _add_links(paths: dict[str, Any]) -> None:
    """OpenAPI links: from each answer that names a case (its tracking number) or a measure to
    every operation on it, for a client, or a generated test, to follow."""
    for lead in LEADS:
        method, source = lead.source.split(" ")
        links = paths[source][method]["responses"][lead.status].setdefault("links", {})
        for path, operations in paths.items():
            if path != lead.under and not path.startswith(lead.under + "/"):
                continue
            rest = path.removeprefix(lead.under).strip("/").replace("/", ".")
            for operation in operations.values():
                name = ".".join(part for part in (lead.name, rest) if part)
                parameters = {lead.parameter: f"$response.body#{lead.value}"}
                if "{code}" in path:  # the enterprise the answer was about
                    parameters["code"] = "$request.path.code"
                links[name] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                }


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
        _add_links(schema["paths"])
        app.openapi_schema = schema
    return app.openapi_schema

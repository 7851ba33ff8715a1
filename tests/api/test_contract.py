"""What the OpenAPI document promises, answered as promised: the statuses each route names,
405s that name every method a path takes, ISO dates only, and no body unreadable as JSON
taken for anything but bad input; links that lead from an answer to the operations on what
it names."""

import re
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from tests.support import ENTERPRISE_CODE, eventually
from tests.support.api import Api, complaint

pytestmark = pytest.mark.sqlite_only

# A well-formed value for each path parameter: what a request names need not exist for its
# body to be checked.
PATH_VALUES = {
    "tracking_no": "TS20261204000001",
    "code": ENTERPRISE_CODE,
    "target": "W1",
    "task_id": "task-1",
    "key_id": "demo-key",
    "token": "t" * 16,
    "label": "2026-11",
    "account_id": "account-1",
    "delivery_id": "1",
    "endpoint_id": "1",
    "run_id": "run-1",
}


async def test_a_method_a_path_does_not_take_names_every_method_it_does(api: Api) -> None:
    for path, allowed in (("/api/complaints", "GET, POST"), ("/api/keys", "GET, POST"), ("/api/me", "GET")):
        got = await api.http.request("PATCH", path)
        assert (got.status_code, got.headers["allow"]) == (405, allowed), path
        assert got.json() == {"detail": "Method Not Allowed"}


async def test_dates_and_times_are_iso_text_never_numbers(api: Api) -> None:
    for query in ("since=0", "since=1700000000", "since=2026-1-1"):
        got = await api.get(f"/api/public-notices?{query}")
        assert got.status_code == 422 and got.json()["errors"][0]["field"] == "query.since", query
    assert (await api.get("/api/public-notices?since=2026-11-01")).status_code == 200


async def test_a_body_that_is_not_text_is_bad_input(api: Api) -> None:
    got = await api.http.post(
        "/api/complaints", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
    )
    assert got.status_code == 422
    assert got.json()["errors"] == [
        {"field": "body", "reason": "not valid JSON: it cannot be read as UTF-8 text"}
    ]


async def test_bad_input_is_refused_before_the_role_counts(api: Api) -> None:
    """A bad body, or a number's query parameter that is not one, answers the same 422 naming it
    to every account, whether its role may take the step or not; with no credentials, 401 where
    the route needs them. So bad input is refused whatever the role: the contract runs generate
    invalid requests as one role (tests/test_system.py)."""
    spec = api.app.openapi()
    checked = set()
    for path, operations in spec["paths"].items():
        if "{token}" in path:  # the credential is the path's own, the same to every account
            continue
        url = path.format(**PATH_VALUES)
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                request, field = {"json": []}, "body"
            elif number := _a_number_parameter(operation):
                request, field = {"json": None, "params": {number: "x"}}, f"query.{number}"
            else:
                continue
            answers = {}
            for username in (None, *api.tokens):
                got = await api.http.request(method.upper(), url, headers=api.auth(username), **request)
                answers[username] = (got.status_code, got.json())
            anonymous = answers.pop(None)
            status, body = answers[next(iter(answers))]
            assert status == 422 and any(e["field"].startswith(field) for e in body["errors"]), (url, body)
            assert all(answer == (status, body) for answer in answers.values()), (method, url, answers)
            needs_credentials = {} not in operation.get("security", [{}])
            assert anonymous[0] == (401 if needs_credentials else 422), (method, url, anonymous)
            checked.add(f"{method} {path}")
    steps = "post /api/complaints", "post /api/complaints/{tracking_no}/proposal", "get /api/complaints"
    assert set(steps) <= checked


def _a_number_parameter(operation: dict[str, Any]) -> str | None:
    """The first query parameter that takes an integer, if any."""
    for parameter in operation.get("parameters", []):
        schema = parameter["schema"]
        if parameter["in"] == "query" and "integer" in {
            schema.get("type"),
            *(s.get("type") for s in schema.get("anyOf", [])),
        }:
            return str(parameter["name"])
    return None


def test_every_route_names_the_errors_it_can_answer(api: Api) -> None:
    spec = api.app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answers = set(operation["responses"])
            secured = any(operation.get("security", []))
            if secured:
                assert "401" in answers, f"{method} {path}"
            if "requestBody" in operation:
                assert {"413", "422"} <= answers, f"{method} {path}"
            for code in answers - {"200", "201", "202", "204", "422"}:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path} {code}"


def test_optional_parameters_are_never_null(api: Api) -> None:
    for operations in api.app.openapi()["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert {"type": "null"} not in parameter["schema"].get("anyOf", []), parameter["name"]


async def test_the_schema_counts_texts_length_as_the_server_does(api: Api) -> None:
    """Text is stripped of the white space around it before its length counts: the schema's
    pattern says the same of the text as sent, white space named as the validator strips it."""
    schema = api.app.openapi()["components"]["schemas"]
    pattern = schema["ComplaintCreate"]["properties"]["description"]["pattern"]
    for text, fits in (
        ("\x85" + "水壶底座松动无法热", False),  # 9 characters once NEL is stripped
        ("\u3000水壶底座松动,无法加热\u3000", True),
        ("\x1c水壶底座松动无法加热", True),  # not white space to the validator
        (" " * 12, False),
    ):
        assert (re.search(pattern, text) is not None) is fits, repr(text)
        got = await api.post("/api/complaints", complaint(description=text))
        assert (got.status_code == 201) is fits, (repr(text), got.text)


def _pointer(body: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def test_every_link_leads_to_an_operation_and_fills_each_of_its_path_parameters(api: Api) -> None:
    spec = api.app.openapi()
    operations = {op["operationId"]: (path, op) for path, ops in spec["paths"].items() for op in ops.values()}
    links = [
        link
        for ops in spec["paths"].values()
        for op in ops.values()
        for answer in op["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    for link in links:
        path, target = operations[link["operationId"]]
        takes = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(link["parameters"]) == takes, path
        assert all(v.startswith(("$response.body#/", "$request.path.")) for v in link["parameters"].values())
    on_a_case = {
        op["operationId"]
        for path, ops in spec["paths"].items()
        if path.startswith("/api/complaints/{tracking_no}")
        for op in ops.values()
    }
    for source, status in (("post", "201"), ("get", "200")):  # a receipt, a list page
        answer = spec["paths"]["/api/complaints"][source]["responses"][status]
        assert {link["operationId"] for link in answer["links"].values()} == on_a_case


async def test_a_receipts_link_and_a_list_pages_lead_to_a_case(api: Api) -> None:
    spec = api.app.openapi()["paths"]["/api/complaints"]
    receipt = await api.post("/api/complaints", complaint(channel="phone"), as_="clerk")
    assert receipt.status_code == 201, receipt.text
    listed = await eventually(
        lambda: _nonempty(api.get("/api/complaints", as_="supervisor")), what="the case listed"
    )
    for answer, links, named in (
        (receipt.json(), spec["post"]["responses"]["201"]["links"], receipt.json()["tracking_no"]),
        (listed, spec["get"]["responses"]["200"]["links"], listed["items"][0]["tracking_no"]),
    ):
        pointer = links["case"]["parameters"]["tracking_no"].removeprefix("$response.body#")
        assert _pointer(answer, pointer) == named
        case = await api.get(f"/api/complaints/{named}", as_="supervisor")
        assert case.status_code == 200 and case.json()["tracking_no"] == named


async def _nonempty(answer: Awaitable[httpx.Response]) -> dict[str, Any] | None:
    page: dict[str, Any] = (await answer).json()
    return page if page["items"] else None

"""What the OpenAPI document promises, answered as promised: the statuses each route names,
405s that name every method a path takes, ISO dates only, and no body unreadable as JSON
taken for anything but bad input."""

import re

from tests.support.api import Api, complaint


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

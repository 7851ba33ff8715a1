"""The rooms point one way: domain/ is pure, workflows/ see only the domain and Temporal, the
use cases in services/ hold no HTTP, and the API's routes reach the database and Temporal only
through them."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
STDLIB = sys.stdlib_module_names


def imports(room: str) -> dict[str, set[str]]:
    """Each module of the room, and the top-level names of what it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / room).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offending(room: str, allowed: set[str], *, forbidden: set[str] = frozenset()) -> dict[str, set[str]]:  # type: ignore[assignment]
    bad = {}
    for module, names in imports(room).items():
        wrong = {
            n
            for n in names
            if (n.split(".")[0] not in STDLIB and n.split(".")[0] not in allowed)
            or any(n == f or n.startswith(f + ".") for f in forbidden)
        }
        if wrong:
            bad[module] = wrong
    return bad


def test_the_domain_is_pure() -> None:
    assert offending("domain", {"domain", "pydantic", "holidays"}) == {}


def test_workflows_see_only_the_domain_and_temporal() -> None:
    assert offending("workflows", {"workflows", "domain", "temporalio"}) == {}


def test_the_use_cases_hold_no_http_and_no_html() -> None:
    assert (
        offending(
            "services",
            {"services", "domain", "db", "workflows", "delivery", "settings", "temporal_client", "temporalio"}
            | {"telemetry"}
            | {"pydantic", "email_validator"}
            | {"sqlalchemy", "jwt", "google", "redis", "openpyxl"},
        )
        == {}
    )


def test_the_api_reaches_the_database_and_temporal_through_the_use_cases() -> None:
    assert (
        offending(
            "api",
            {"api", "services", "domain", "settings", "fastapi", "starlette", "db", "temporalio", "pydantic"}
            | {"telemetry", "structlog"},
            forbidden={"db.models", "sqlalchemy", "workflows", "activities", "temporalio.service"},
        )
        == {}
    )


def test_activities_serve_workflows_not_adapters() -> None:
    found = offending(
        "activities",
        {
            "activities",
            "domain",
            "db",
            "workflows",
            "delivery",
            "temporal_client",
            "temporalio",
            "sqlalchemy",
            "telemetry",
        },
    )
    # One exception: a bulk import begun on a page runs in the worker as a long activity (its
    # progress reported, a retry going on from there), and each of its rows is the intake's use
    # case, with the API's own checks.
    assert found.pop("activities/imports.py", set()) <= {
        "services.files",
        "services.import_files",
        "services.imports",
        "settings",
    }
    assert found == {}

"""The whole system as `aftersales run` starts it: personal data never in clear where it should
not be, and the API's schema holding for every role under generated requests."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support import tool
from tests.support.api import complaint
from tests.support.running import Running, free_port, token

CANARY = {
    "name": "甄卡纳",
    "phone": "13987654321",
    "id_number": "11010519491231002X",
    "email": "canary.zhen@example.com",
    "address": "金丝雀路88号7栋",
}


class System:
    def __init__(self, root: Path, env: dict[str, str], output: str) -> None:
        self.root, self.env, self.output = root, env, output
        self.api = f"http://127.0.0.1:{env['AFTERSALES_API_PORT']}"
        self.temporal = f"127.0.0.1:{env['AFTERSALES_TEMPORAL_PORT']}"

    def key(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(self.output, username)}"}


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    root = tmp_path_factory.mktemp("system")
    env = {
        **os.environ,
        "AFTERSALES_DATA_DIR": str(root / "data"),
        "AFTERSALES_INTAKE_RATE_PER_MINUTE": "1000",
    }
    for variable in ("AFTERSALES_TEMPORAL_ADDRESS", "AFTERSALES_DATABASE_URL"):
        env.pop(variable, None)
    env.update({f"AFTERSALES_{n}_PORT": str(free_port()) for n in ("API", "TEMPORAL", "TEMPORAL_UI")})
    running = Running(env, root / "run.log")
    try:
        yield System(root, env, running.wait_started())
    finally:
        assert running.interrupt() == 0


def cli(system: System, *args: str) -> str:
    done = subprocess.run(
        [tool("temporal"), *args, "--address", system.temporal], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def found(blob: bytes) -> list[str]:
    """Which canary values appear in clear (as UTF-8, or as JSON's \\u escapes)."""
    hits = []
    for name, value in CANARY.items():
        escaped = json.dumps(value).strip('"').encode()
        if value.encode() in blob or escaped in blob:
            hits.append(name)
    return hits


def test_personal_data_is_nowhere_in_clear(system: System) -> None:
    body = complaint(consumer=dict(CANARY), description=f"住址{CANARY['address']}附近门店维修三次仍未修好")
    body["description"] = "热水壶维修三次仍未修好,要求退货。"
    receipt = httpx.post(f"{system.api}/api/complaints", json=body, timeout=30).json()
    no = receipt["tracking_no"]
    enterprise, consumer = system.key("minghui"), {"X-Access-Code": receipt["access_code"]}
    httpx.post(
        f"{system.api}/api/complaints/{no}/proposal",
        json={"measures": ["repair"], "detail": "维修"},
        headers=enterprise,
        timeout=30,
    )
    httpx.post(
        f"{system.api}/api/complaints/{no}/dispute", json={"reason": "不同意"}, headers=consumer, timeout=30
    )
    # Those who may, see it: the case in full to a supervisor.
    view = httpx.get(f"{system.api}/api/complaints/{no}", headers=system.key("supervisor"), timeout=30).json()
    assert view["consumer"]["phone"] == CANARY["phone"]
    enterprise_view = httpx.get(f"{system.api}/api/complaints/{no}", headers=enterprise, timeout=30).json()
    assert found(json.dumps(enterprise_view, ensure_ascii=False).encode()) == []

    exported = cli(system, "workflow", "show", "--workflow-id", f"complaint-{no}", "--output", "json")
    listed = cli(system, "workflow", "list", "--output", "json")
    described = cli(system, "workflow", "describe", "--workflow-id", f"complaint-{no}", "--output", "json")
    history = httpx.get(
        f"{system.api}/api/complaints/{no}/history", headers=system.key("auditor"), timeout=30
    )
    assert history.status_code == 200
    raw = json.dumps(history.json()["raw"], ensure_ascii=False).encode()
    for what, blob in {
        "the exported history": exported.encode(),
        "the visibility store's list": listed.encode(),
        "the description and search attributes": described.encode(),
        "the raw history the API gives": raw,
    }.items():
        assert found(blob) == [], what

    data = system.root / "data"
    files = [
        *data.glob("temporal.db*"),
        *data.glob("app.db*"),
        *(data / "logs").glob("*.log"),
        system.root / "run.log",
    ]
    assert any(f.name.startswith("temporal.db") for f in files) and any(f.suffix == ".log" for f in files)
    for path in files:
        assert found(path.read_bytes()) == [], path.name


# --- the schema under generated requests, for every role ------------------------------------

ROLES = ["anonymous", "minghui", "investigator1", "evaluator1", "supervisor", "auditor", "clerk", "admin"]


def test_no_server_errors_and_no_schema_violations_for_any_role(system: System) -> None:
    """Generated requests for every operation, each sent as every role: no 5xx, and every
    documented answer matches its schema."""
    schema = schemathesis.openapi.from_url(f"{system.api}/openapi.json")
    roles = {role: ({} if role == "anonymous" else system.key(role)) for role in ROLES}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case: Any) -> None:
            for headers in roles.values():
                case.call_and_validate(
                    headers=headers, checks=[not_a_server_error, response_schema_conformance], timeout=30
                )

        try:
            exercise()
        except Exception as failure:  # every operation is tried; all failures are reported together
            text = str(failure)
            reason = next(
                (line for line in text.splitlines() if "Error" in line or "violates" in line), text[:200]
            )
            failures.append(f"{operation.label}: {reason.strip()[:300]}")
    assert operations >= 30
    assert failures == []


def test_the_schema_is_reachable_from_a_fresh_interpreter(system: System) -> None:
    """The OpenAPI document is what the generated tests walked: every route is in it."""
    spec = httpx.get(f"{system.api}/openapi.json", timeout=30).json()
    paths = set(spec["paths"])
    assert {
        "/api/complaints",
        "/api/auth/login",
        "/codec/decode",
        "/api/archive/verify",
        "/api/enterprises/{code}/supervision",
        "/api/metrics",
    } <= paths
    assert sys.version_info >= (3, 11)

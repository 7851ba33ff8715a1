"""The whole system as `aftersales run` starts it: personal data never in clear where it should
not be, and the API keeping its OpenAPI contract for every role under generated requests."""

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db.seed import ENTERPRISES
from delivery.sink import read_kept
from delivery.sms import read_sent
from tests.api.test_tenancy import PROBES, may
from tests.support import tool
from tests.support.api import complaint
from tests.support.running import Running, eventually_sync, free_port, token

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
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
    for variable in ("AFTERSALES_TEMPORAL_ADDRESS", "AFTERSALES_DATABASE_URL", "AFTERSALES_SMTP_HOST"):
        env.pop(variable, None)
    env.update(
        {f"AFTERSALES_{n}_PORT": str(free_port()) for n in ("API", "TEMPORAL", "TEMPORAL_UI", "MAIL_SINK")}
    )
    running = Running(env, root / "run.log")
    try:
        started = System(root, env, running.wait_started())
        file_a_case_for_each_enterprise(started)
        yield started
    finally:
        assert running.interrupt() == 0


def file_a_case_for_each_enterprise(system: System) -> None:
    """A case against each demo enterprise, recorded by the clerk and listed, so that every role
    has cases to read and act on."""
    for code, _, division in ENTERPRISES:
        body = complaint(channel="phone", enterprise={"credit_code": code}, region_code=division)
        filed = httpx.post(f"{system.api}/api/complaints", json=body, headers=system.key("clerk"), timeout=30)
        assert filed.status_code == 201, filed.text

    def listed() -> bool:
        page = httpx.get(f"{system.api}/api/complaints", headers=system.key("supervisor"), timeout=30)
        return bool(page.json()["total"] >= len(ENTERPRISES))

    eventually_sync(listed, 60, "the cases listed")


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

    # The consumer is told of the proposal where they must see it: their own address, in the To
    # of their mail, and nowhere else in it; the text message keeps the number masked.
    mail = data / "mail"
    theirs = eventually_sync(
        lambda: [m for m in read_kept(mail) if m.to == CANARY["email"]], 60, "their mail"
    )
    assert all(found(f"{m.subject}{m.text}{m.sender}".encode()) == [] for m in theirs)
    others = eventually_sync(
        lambda: [m for m in read_kept(mail) if m.to != CANARY["email"]], 60, "staff mail"
    )
    assert all(found(f"{m.to}{m.subject}{m.text}".encode()) == [] for m in others)
    texted = lambda: any(t["to"] == "139****4321" for t in read_sent(data / "sms.jsonl"))  # noqa: E731
    eventually_sync(texted, 60, "their text message")
    assert found((data / "sms.jsonl").read_bytes()) == []


# --- the schema under generated requests, for every role ------------------------------------

ROLES = ["anonymous", "minghui", "investigator1", "evaluator1", "supervisor", "auditor", "clerk", "admin"]
# Bad input is refused before the role counts (tests/api/test_contract.py holds the API to it),
# so invalid requests are generated as one role; the others send valid ones only.
INVALID_AS = "admin"
SUPPORT = Path(__file__).parent / "support"
# Each ends the credentials the run signs in with; tests/api/test_security.py tries both.
OWN_CREDENTIALS = ["/api/auth/logout", "/api/keys/{key_id}"]
# An operation a role may not take answers it 401 or 403 whatever valid request is sent, and
# tests/api/test_tenancy.py holds each such refusal to changing nothing: as that role, a few
# generated requests show the answer documented, with no boundary values (the coverage phase).
REFUSED_EXAMPLES = 3
# INVALID_AS's run draws the file's number of requests for every operation, valid and invalid;
# another role's draws fewer for what it may take, enough to check its own answers.
VALID_ONLY_EXAMPLES = 10
TENANCY_NAME = {"investigator1": "investigator"}


def config_for(role: str, folder: Path) -> Path:
    """The contract's Schemathesis settings for `role`: as INVALID_AS, the file's; as another
    role, fewer requests, and fewest to the operations it may not take (by the tenancy test's
    table, which names every operation)."""
    text = (SUPPORT / "schemathesis.toml").read_text()
    if role != INVALID_AS:
        name = TENANCY_NAME.get(role, role)
        for allowed, settings in (
            (True, f"generation.max-examples = {VALID_ONLY_EXAMPLES}"),
            (False, f"generation.max-examples = {REFUSED_EXAMPLES}\nphases.coverage.enabled = false"),
        ):
            names = sorted(json.dumps(f"{p.method} {p.path}") for p in PROBES if may(p, name) is allowed)
            if names:
                text += f"\n[[operations]]\ninclude-name = [{', '.join(names)}]\n{settings}\n"
    path = folder / f"schemathesis-{role}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_contract_for_every_role(system: System, role: str) -> None:
    """Schemathesis with every check (`st run --checks all`), as this role: examples, boundary
    values, generated and stateful requests against every operation, invalid ones too as
    INVALID_AS. No server error, every answer documented and matching its schema, every request
    the schema calls valid accepted and every invalid one refused, authentication enforced,
    405s naming what is allowed."""
    spec = httpx.get(f"{system.api}/openapi.json", timeout=30).json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    headers = [] if role == "anonymous" else ["-H", f"Authorization: {system.key(role)['Authorization']}"]
    excluded = [arg for path in OWN_CREDENTIALS for arg in ("--exclude-path", path)]
    done = subprocess.run(
        [
            tool("st"),
            "--config-file",
            str(config_for(role, system.root)),
            "run",
            f"{system.api}/openapi.json",
            "--checks",
            "all",
            *headers,
            *excluded,
            "--mode",
            "all" if role == INVALID_AS else "positive",
            "--generation-deterministic",
            "--no-color",
        ],
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(SUPPORT / "schema_formats.py"), "PYTHONPATH": str(ROOT)},
        cwd=system.root,  # where Schemathesis keeps its cache
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = _report(done.stdout)
    assert done.returncode == 0, report
    assert f"Tested: {operations - len(OWN_CREDENTIALS)}" in done.stdout, report


def _report(output: str) -> str:
    """What a failed run printed that explains it: its failures and errors in full, each cut
    to a bounded length, then its summary."""
    sections = re.split(r"\n(?==+ [A-Za-z ]+ =+\n)", output)
    explained = [s[:6000] for s in sections if re.match(r"=+ (FAILURES|ERRORS) =+", s)]
    return "\n".join([*explained, output[-3000:]])

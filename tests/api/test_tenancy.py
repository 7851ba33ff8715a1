"""Every endpoint × every role × its own object and someone else's: each role reaches what is
its own, nothing of anyone else's is read or written, and a refused request changes nothing.

The probes name every operation in the OpenAPI schema (a new endpoint without a probe fails
here). Each role first tries every other party's object, with the world snapshotted before and
after; then its own, where an allowed role must reach the object (2xx, or 409 when the object's
state does not admit the step) and every other role must be refused (401, 403 or 404)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.models import Account, AuditEntry, Delivery, IdempotencyRecord, NotificationRow
from db.seed import ENTERPRISES, hash_password
from db.session import Database
from settings import Settings
from temporal_client import EncryptionCodec
from tests.support import ENTERPRISE_CODE, OTHER_ENTERPRISE, TEST_RING, eventually, rows
from tests.support.api import (
    PLAIN,
    REPORT,
    USERNAMES,
    Api,
    assigned_investigator,
    complaint,
    file,
    payloads,
    task_view,
)
from tests.support.exports import csv_bytes, good_row
from workflows.archive import ArchiveWorkflow
from workflows.report import CycleReportWorkflow, ReportInput, ReportSummary

# A bureau's supervisor may do what a supervisor may, in its area: a county's (Nanshan, where the
# other enterprise is registered), its city's (Shenzhen), and another county's (Pudong, the first
# enterprise's).
BUREAUS = {"supervisor-nanshan": "440305", "supervisor-shenzhen": "4403", "supervisor-pudong": "310115"}
REGISTERED = {code: division for code, _, division in ENTERPRISES}  # the enterprises' divisions
ROLES = [
    "anonymous",
    "consumer",
    "clerk",
    "minghui",
    "investigator",
    "evaluator1",
    "supervisor",
    "admin",
    "auditor",
    *BUREAUS,
]
# Roles that own some objects only.
SCOPED = ["consumer", "minghui", "investigator", "evaluator1", *BUREAUS]
EVERYONE = frozenset(ROLES)
ACCOUNTS = EVERYONE - {"anonymous", "consumer"}
SUPERVISING = frozenset({"supervisor", "admin"})
RECORDING = SUPERVISING | {"clerk"}
OVERSIGHT = SUPERVISING | {"auditor"}
CASE_READERS = frozenset({"consumer", "clerk", "minghui", "investigator"}) | OVERSIGHT
TASK_READERS = frozenset({"investigator", "evaluator1"}) | OVERSIGHT
REACHED = {200, 201, 202, 204, 409}
REFUSED = {401, 403, 404}
SERIOUS = "充电器冒烟起火,烧坏插座"
OTHER_KEY = "matrix-other-0001"
BEIJING = ZoneInfo("Asia/Shanghai")


def password(username: str) -> str:
    return f"pw-{username}-matrix"


@dataclass
class Ctx:
    """One role's side of the world: its own objects, or (replaced) someone else's."""

    role: str
    username: str | None  # the account; None for the anonymous caller and the consumer
    bureau: str  # the bureau that handles the case in `tracking_no`
    headers: dict[str, str]
    me: dict[str, Any]  # /api/me, for what is "mine"
    tracking_no: str
    task_id: str
    code: str
    key_id: str
    login_username: str
    archived: str
    label: str
    sealed: dict[str, Any]  # an encrypted payload, for the codec
    delivery_id: int  # a dead letter, for the admins
    endpoint_id: int  # a webhook endpoint of the enterprise in `code`
    account_id: str = ""  # a spare account, for the admins' account probes
    import_id: str = ""  # a bulk import's run (a dry run)
    logins: dict[str, dict[str, str]] = field(default_factory=dict)  # fresh logins by use

    def token(self, use: str) -> str:
        return self.logins.get(use, {}).get("access_token", "not-a-token-at-all")


def may(probe: "Probe", role: str) -> bool:
    """Whether the role is among those the probe allows: a bureau's supervisor as a supervisor."""
    return ("supervisor" if role in BUREAUS else role) in probe.allowed


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # as the schema names it
    allowed: frozenset[str]
    body: Callable[[Ctx], Any] | None = None
    query: str = ""
    auth: str | None = None  # authenticate with this fresh login's access token, not the API key
    tenanted: bool = False  # depends on whose object it is beyond the path (a body, a query)
    foreign: Callable[[Ctx, Any], list[Any]] | None = None  # of a 200 list: what is not the caller's
    files: bool = False  # the body is a form with an export (multipart), not JSON

    def url(self, ctx: Ctx) -> str:
        values = {
            "tracking_no": ctx.archived if self.path.startswith("/api/archive/") else ctx.tracking_no,
            "task_id": ctx.task_id,
            "code": ctx.code,
            "target": "P1" if "/penalties/" in self.path else "W1",
            "key_id": ctx.key_id,
            "label": ctx.label,
            "token": ctx.token("codec"),
            "delivery_id": ctx.delivery_id,
            "endpoint_id": ctx.endpoint_id,
            "account_id": ctx.account_id,
            "run_id": ctx.import_id,
        }
        return self.path.format(**values) + self.query.format(code=ctx.code)

    @property
    def owned(self) -> bool:
        """Whether someone else's object can be named here."""
        objects = ("{tracking_no}", "{task_id}", "{code}", "{key_id}", "{endpoint_id}")
        return self.tenanted or (
            not self.path.startswith("/api/archive/") and any(o in self.path for o in objects)
        )


def _keys_foreign(ctx: Ctx, body: Any) -> list[Any]:
    return [k for k in body if ctx.role != "admin" and k["account_id"] != ctx.me["id"]]


def _outside(ctx: Ctx, enterprise_code: str | None) -> bool:
    """Of a bureau's supervisor, about an enterprise outside its area (each enterprise's cases are
    handled where it is registered)."""
    if ctx.role not in BUREAUS or enterprise_code is None:
        return False
    return not REGISTERED.get(enterprise_code, "").startswith(BUREAUS[ctx.role])


def _cases_foreign(ctx: Ctx, body: Any) -> list[Any]:
    if ctx.role in BUREAUS:
        return [c for c in body["items"] if _outside(ctx, c["enterprise_code"])]
    if ctx.role == "minghui":
        return [c for c in body["items"] if c["enterprise_code"] != ctx.me["enterprise_code"]]
    if ctx.role == "investigator":
        return [c for c in body["items"] if c["investigator_id"] != ctx.me["id"]]
    return []


def _tasks_foreign(ctx: Ctx, body: Any) -> list[Any]:
    mine = {"evaluator1": ctx.me.get("agency_id"), "investigator": ctx.me.get("id")}
    if ctx.role not in mine:
        return []
    return [t for t in body["items"] if t["assignee_id"] != mine[ctx.role]]


def _notifications_foreign(ctx: Ctx, body: Any) -> list[Any]:
    me = ctx.me
    mine = {
        ("account", me["id"]),
        ("role", me["role"]),
        ("enterprise", me.get("enterprise_code")),
        ("agency", me.get("agency_id")),
        ("bureau", me.get("bureau_code") or "000000") if me["role"] == "supervisor" else None,
    }
    return [
        n
        for n in body["items"]
        if (n["recipient_kind"], n["recipient_ref"]) not in mine or _outside(ctx, n["enterprise_code"])
    ]


def _metrics_foreign(ctx: Ctx, body: Any) -> list[Any]:
    if ctx.role in BUREAUS:
        return [r for r in body["rows"] if _outside(ctx, r["key"]["enterprise"])]
    if ctx.role != "minghui":
        return []
    return [r for r in body["rows"] if r["key"]["enterprise"] != ctx.me["enterprise_code"]]


def _supervised_foreign(ctx: Ctx, body: Any) -> list[Any]:
    return [e for e in body["items"] if _outside(ctx, e["credit_code"])]


def _reports_foreign(ctx: Ctx, body: Any) -> list[Any]:
    """Of a report, a bureau's supervisor reads its area's scopes and no whole-system figures
    beside its own total."""
    if ctx.role not in BUREAUS or "scopes" not in body:
        return []
    return [
        s
        for s in body["scopes"][1:]
        if (s["scope"] == "enterprise" and _outside(ctx, s["key"]))
        or (s["scope"] in ("category", "channel", "total"))
        or (s["scope"] in ("bureau", "area", "region") and not s["key"].startswith(BUREAUS[ctx.role]))
    ]


def _action(path: str, allowed: frozenset[str] | set[str], body: dict[str, Any]) -> Probe:
    return Probe("POST", f"/api/complaints/{{tracking_no}}/{path}", frozenset(allowed), lambda _: body)


PROBES = [
    Probe(
        "POST",
        "/api/auth/login",
        ACCOUNTS,
        lambda c: {"username": c.login_username, "password": password(c.username or "nobody")},
        tenanted=True,
    ),
    Probe(
        "POST",
        "/api/auth/refresh",
        ACCOUNTS,
        lambda c: {"refresh_token": c.logins.get("refresh", {}).get("refresh_token", "r" * 43)},
    ),
    Probe("POST", "/api/auth/logout", ACCOUNTS, lambda _: {}, auth="logout"),
    Probe("GET", "/api/keys", ACCOUNTS, foreign=_keys_foreign),
    Probe("POST", "/api/keys", frozenset({"admin"}), lambda c: {"account_id": "admin-1", "name": "matrix"}),
    Probe("DELETE", "/api/keys/{key_id}", ACCOUNTS),
    Probe("GET", "/api/accounts", frozenset({"admin"})),
    Probe(
        "POST",
        "/api/accounts",
        frozenset({"admin"}),
        lambda _: {"username": f"matrix-{uuid.uuid4().hex[:8]}", "display_name": "矩阵", "role": "clerk"},
    ),
    Probe("GET", "/api/accounts/{account_id}", frozenset({"admin"})),
    Probe(
        "PATCH", "/api/accounts/{account_id}", frozenset({"admin"}), lambda _: {"display_name": "矩阵备用"}
    ),
    Probe("POST", "/api/accounts/{account_id}/password", frozenset({"admin"}), lambda _: {}),
    Probe(
        "POST",
        "/api/complaints",
        frozenset({"anonymous", "consumer", "clerk"}) | SUPERVISING,
        lambda _: complaint(),
    ),
    Probe(
        "GET",
        "/api/complaints",
        CASE_READERS - {"consumer"},
        query="?enterprise={code}",
        tenanted=True,
        foreign=_cases_foreign,
    ),
    Probe("POST", "/codec/decode", OVERSIGHT, lambda c: c.sealed),
    Probe("POST", "/codec/encode", SUPERVISING, lambda _: payloads(PLAIN)),
    Probe("POST", "/codec/t/{token}/decode", OVERSIGHT, lambda c: c.sealed),
    Probe("POST", "/codec/t/{token}/encode", SUPERVISING, lambda _: payloads(PLAIN)),
    Probe("GET", "/api/complaints/{tracking_no}", CASE_READERS),
    Probe("GET", "/api/complaints/{tracking_no}/history", OVERSIGHT),
    _action("response", {"minghui"}, {"message": "已联系消费者"}),
    _action("proposal", {"minghui"}, {"measures": ["repair"], "detail": "上门维修"}),
    _action("acceptance", {"consumer"}, {}),
    _action("dispute", {"consumer"}, {"reason": "不同意"}),
    _action("withdrawal", {"consumer"}, {"reason": "已和解"}),
    _action("rejection", SUPERVISING, {"reason": "out_of_scope"}),
    _action("escalation", SUPERVISING, {"reason": "同类投诉增多"}),
    _action("admission", SUPERVISING, {}),
    _action("declination", SUPERVISING, {"ground": "over_three_years"}),
    Probe(  # to the bureau that has the case: reached, and refused as the state does not admit it
        "POST",
        "/api/complaints/{tracking_no}/transfer",
        SUPERVISING,
        lambda c: {"to_bureau": c.bureau, "reason": "经营地不在本辖区"},
    ),
    _action("evidence-requests", {"investigator"}, {"items": "维修记录"}),
    _action("evidence", {"minghui"}, {"description": "维修单", "documents": ["repair.pdf"]}),
    _action(
        "site-visits", {"investigator"}, {"visited_on": "2026-11-30", "location": "门店", "notes": "核查"}
    ),
    _action(
        "findings",
        {"investigator"},
        {
            "verdict": "substantiated",
            "offence": "product_safety",
            "summary": "存在缺陷",
            "measures": [{"kind": "recall"}],
        },
    ),
    _action("rectification", {"minghui"}, REPORT),
    Probe("GET", "/api/tasks", TASK_READERS, foreign=_tasks_foreign),
    Probe("GET", "/api/tasks/{task_id}", TASK_READERS),
    Probe(
        "POST",
        "/api/tasks/{task_id}/evaluation",
        frozenset({"evaluator1"}),
        lambda _: {"satisfaction": 4, "service_attitude": 5, "resolved": True},
    ),
    Probe(
        "POST",
        "/api/tasks/{task_id}/verification",
        frozenset({"investigator"}),
        lambda _: {"effective": True, "notes": "已核实"},
    ),
    Probe("GET", "/api/enterprises/{code}/supervision", OVERSIGHT | {"minghui"}),
    Probe("GET", "/api/enterprises", OVERSIGHT, foreign=_supervised_foreign),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/statement",
        frozenset({"minghui"}),
        lambda _: {"text": "已整改,请从轻处罚"},
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/hearing-request",
        frozenset({"minghui"}),
        lambda _: {"note": "请求举行听证"},
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/hearing",
        SUPERVISING,
        lambda _: {
            "at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "place": "市场监管局听证室",
            "presiding_officer": "admin",
        },
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/hearing-record",
        SUPERVISING,
        lambda _: {
            "held_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "attended": True,
            "record": "企业到场陈述",
            "opinion": "维持",
        },
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/decision",
        SUPERVISING,
        lambda _: {"outcome": "confirm", "reason": "事实清楚"},
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/payment",
        SUPERVISING,
        lambda _: {
            "receipt_no": "NS-20261201-0001",
            "paid_on": datetime.now(BEIJING).date().isoformat(),  # the decision's day, or after
            "amount": "50000",
        },
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/penalties/{target}/verification",
        SUPERVISING,
        lambda _: {"effective": True, "notes": "停业整顿到位"},
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/warnings/{target}/rectification",
        frozenset({"minghui"}),
        lambda _: REPORT,
    ),
    Probe(
        "POST",
        "/api/enterprises/{code}/warnings/{target}/verification",
        SUPERVISING,
        lambda _: {"effective": True, "notes": "已核实"},
    ),
    Probe("GET", "/api/public-notices", EVERYONE),
    Probe(
        "GET",
        "/api/metrics",
        OVERSIGHT | {"minghui"},
        query="?period=2026-11&enterprise={code}&group_by=enterprise",
        tenanted=True,
        foreign=_metrics_foreign,
    ),
    Probe("GET", "/api/dashboard", OVERSIGHT, query="?period=2026-11"),
    Probe("GET", "/api/reports", OVERSIGHT),
    Probe("GET", "/api/reports/{label}", OVERSIGHT, foreign=_reports_foreign),
    Probe("GET", "/api/duplicates", OVERSIGHT),
    Probe("POST", "/api/duplicates/{tracking_no}/confirmation", SUPERVISING, lambda _: {"note": ""}),
    Probe("POST", "/api/duplicates/{tracking_no}/dismissal", SUPERVISING, lambda _: {"reason": "不同投诉"}),
    Probe("POST", "/api/imports", RECORDING, files=True),
    Probe("GET", "/api/imports", RECORDING),
    Probe("GET", "/api/imports/{run_id}", RECORDING),
    Probe("GET", "/api/imports/{run_id}/problems", RECORDING),
    Probe("GET", "/api/archive/verify", frozenset({"auditor", "admin"})),
    Probe("GET", "/api/archive", OVERSIGHT),
    Probe("GET", "/api/archive/{tracking_no}", OVERSIGHT, tenanted=True),  # a bureau reads its area's
    Probe("GET", "/api/audit-log", frozenset({"auditor", "admin"})),
    Probe("GET", "/api/me", ACCOUNTS),
    Probe("GET", "/api/notifications", ACCOUNTS, foreign=_notifications_foreign),
    Probe("GET", "/api/notifications/unread", ACCOUNTS),
    Probe("GET", "/api/me/preferences", ACCOUNTS),
    Probe("PUT", "/api/me/preferences", ACCOUNTS, lambda _: {"channels": []}),
    Probe("POST", "/api/notifications/read", ACCOUNTS, lambda _: {"ids": []}),
    Probe("GET", "/api/deliveries", frozenset({"admin"})),
    Probe("GET", "/api/deliveries/{delivery_id}", frozenset({"admin"})),
    Probe("POST", "/api/deliveries/{delivery_id}/redeliver", frozenset({"admin"}), lambda _: {}),
    Probe("GET", "/api/enterprises/{code}/webhooks", frozenset({"minghui", "admin"})),
    Probe(
        "POST",
        "/api/enterprises/{code}/webhooks",
        frozenset({"minghui", "admin"}),
        lambda _: {"url": "http://127.0.0.1:9/more"},
    ),
    Probe("POST", "/api/enterprises/{code}/webhooks/{endpoint_id}/rotation", frozenset({"minghui", "admin"})),
    Probe("DELETE", "/api/enterprises/{code}/webhooks/{endpoint_id}", frozenset({"minghui", "admin"})),
    Probe("GET", "/api/health", EVERYONE),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Many logins and intakes from one client in a minute: the limits are tested elsewhere."""
    return settings.model_copy(update={"login_rate_per_minute": 10_000, "intake_rate_per_minute": 10_000})


@dataclass
class World:
    own: dict[str, Ctx]  # by role
    other: dict[str, Ctx]  # by scoped role: another party's objects
    cases: list[str]
    tasks: list[str]
    enterprises: list[str]


def ok(response: Any, *codes: int) -> Any:
    assert response.status_code in (codes or (200,)), response.text
    return response.json() if response.content else None


async def investigated(api: Api, code: str, description: str) -> tuple[dict[str, Any], str]:
    """A case under investigation, with its investigator's username."""
    case = await file(api, enterprise={"credit_code": code}, description=description)
    no = case["tracking_no"]
    if description != SERIOUS:  # a serious case is investigated from intake
        ok(await api.post(f"/api/complaints/{no}/escalation", {"reason": "同类投诉"}, as_="supervisor"))
    return case, USERNAMES[await assigned_investigator(api, no)]


async def findings(api: Api, no: str, investigator: str, offence: str) -> None:
    body = {
        "verdict": "substantiated",
        "offence": offence,
        "summary": "属实",
        "measures": [{"kind": "recall"}],
    }
    ok(await api.post(f"/api/complaints/{no}/findings", body, as_=investigator))


async def build_world(api: Api, env: WorkflowEnvironment, worker: Worker, db: Database) -> World:
    async with db.transaction() as session:  # the test seed gives no passwords: Argon2 is slow
        for account in (await session.execute(select(Account))).scalars():
            account.password_hash = hash_password(password(account.username))
    users = {"minghui": ENTERPRISE_CODE, "xunjie": OTHER_ENTERPRISE}

    # For each enterprise: an ordinary case whose findings bring warning W1, then a serious one
    # whose findings bring penalty P1 and whose rectification a verification task; investigators
    # take them in turn.
    ordinary = {
        user: await investigated(api, code, "水壶底座松动,无法加热。") for user, code in users.items()
    }
    for case, investigator in ordinary.values():
        await findings(api, case["tracking_no"], investigator, "warranty_refusal")
    serious = {user: await investigated(api, code, SERIOUS) for user, code in users.items()}
    verification: dict[str, str] = {}
    for user, (case, investigator) in serious.items():
        no = case["tracking_no"]
        await findings(api, no, investigator, "product_safety")
        ok(await api.post(f"/api/complaints/{no}/rectification", REPORT, as_=user))
        view = await eventually(partial(task_view, api, no), what="the verification task")
        verification[user] = view["task"]["task_id"]
    assert serious["minghui"][1] != serious["xunjie"][1]

    async def penalised(code: str) -> bool:
        record = (await api.get(f"/api/enterprises/{code}/supervision", as_="supervisor")).json()
        return [w["id"] for w in record["warnings"]] == ["W1"] and [p["id"] for p in record["penalties"]] == [
            "P1"
        ]

    for code in users.values():
        await eventually(partial(penalised, code), what="W1 and P1")

    # An evaluation per enterprise: the agencies take them in turn.
    evaluation: dict[str, str] = {}
    evaluated = []
    for user, code in users.items():
        case = await file(api, enterprise={"credit_code": code})
        no = case["tracking_no"]
        ok(
            await api.post(
                f"/api/complaints/{no}/proposal", {"measures": ["refund"], "detail": "退款"}, as_=user
            )
        )
        ok(
            await api.post(
                f"/api/complaints/{no}/acceptance", {}, headers={"X-Access-Code": case["access_code"]}
            )
        )
        view = await eventually(partial(task_view, api, no), what="the evaluation task")
        evaluation[user] = view["task"]["task_id"]
        evaluated.append(no)
        assert view["task"]["assignee_id"] == {"minghui": "agency-huaxin", "xunjie": "agency-zhengda"}[user]

    # A closed case of each enterprise in the archive, and a cycle report.
    closed = [await file(api, enterprise={"credit_code": code}) for code in users.values()]
    for case in closed:
        no, code = case["tracking_no"], {"X-Access-Code": case["access_code"]}
        ok(await api.post(f"/api/complaints/{no}/withdrawal", {}, headers=code))
    archived, archived_in_nanshan = (c["tracking_no"] for c in closed)

    async def in_archive() -> bool:
        await env.client.execute_workflow(
            ArchiveWorkflow.run,
            id=f"archive-{uuid.uuid4()}",
            task_queue=worker.task_queue,
            task_timeout=timedelta(seconds=30),
        )
        found = [await api.get(f"/api/archive/{c['tracking_no']}", as_="auditor") for c in closed]
        return all(got.status_code == 200 for got in found)

    await eventually(in_archive, what="the closed case archived")
    report: ReportSummary = await env.client.execute_workflow(
        CycleReportWorkflow.run,
        ReportInput(),
        id=f"report-{uuid.uuid4()}",
        task_queue=worker.task_queue,
    )
    await eventually(lambda: _reported(api, report.label), what="the report stored")

    # A spare API key per account (a role revokes its own), and fresh logins.
    spare = {}
    for account in await rows(db, Account):
        made = ok(await api.post("/api/keys", {"account_id": account.id, "name": "spare"}, as_="admin"), 201)
        spare[account.username] = made["id"]

    clerk = {"username": "matrix-spare", "display_name": "备用受理员", "role": "clerk"}
    spare_account = ok(await api.post("/api/accounts", clerk, as_="admin"), 201)["account"]["id"]

    async with db.transaction() as session:  # a dead letter (no mail is sent here)
        letter = Delivery(
            notification_key=await session.scalar(select(NotificationRow.key).limit(1)),
            recipient="admin-1",
            channel="email",
            address_masked="a****@demo.aftersales.example",
            locale="zh_CN",
            status="dead",
            attempts=1,
            last_error="SMTP 550: no such user",
        )
        session.add(letter)
        await session.flush()
        delivery_id = letter.id

    hook = {"url": "http://127.0.0.1:9/hooks"}  # nothing listens: deliveries there only retry
    endpoints = {
        who: ok(await api.post(f"/api/enterprises/{code}/webhooks", hook, as_=who), 201)["id"]
        for who, code in (
            ("minghui", ENTERPRISE_CODE),
            ("admin", ENTERPRISE_CODE),
            ("xunjie", OTHER_ENTERPRISE),
        )
    }

    export = {"file": ("export.csv", csv_bytes([good_row(0)]), "text/csv")}
    dry_run = await api.http.post(
        "/api/imports", files=export, data={"dry_run": "true"}, headers=api.auth("clerk")
    )
    import_id = ok(dry_run, 202)["id"]

    own, other = {}, {}
    m_case, m_inv = serious["minghui"]
    x_case, x_inv = serious["xunjie"]
    sealed = payloads(*(await EncryptionCodec(TEST_RING).encode([PLAIN])))
    for role in ROLES:
        username = {"anonymous": None, "consumer": None, "investigator": m_inv}.get(role, role)
        headers = {"X-Access-Code": m_case["access_code"]} if role == "consumer" else api.auth(username)
        ctx = Ctx(
            role=role,
            username=username,
            bureau="310115",  # the first enterprise's
            headers=headers,
            me=(await api.get("/api/me", as_=username)).json() if username else {},
            tracking_no=m_case["tracking_no"],
            task_id=verification["minghui"] if role == "investigator" else evaluation["minghui"],
            code=ENTERPRISE_CODE,
            key_id=spare[username or "minghui"],
            login_username=username or "supervisor",
            archived=archived,
            label=report.label,
            sealed=sealed,
            delivery_id=delivery_id,
            endpoint_id=endpoints["admin" if role == "admin" else "minghui"],
            account_id=spare_account,
            import_id=import_id,
        )
        if username:
            for use in ("refresh", "logout", "codec"):
                body = {"username": username, "password": password(username)}
                ctx.logins[use] = ok(await api.post("/api/auth/login", body))
        own[role] = ctx
    others = {"consumer": "xunjie", "minghui": "xunjie", "investigator": x_inv, "evaluator1": "evaluator2"}
    in_nanshan = {
        "tracking_no": x_case["tracking_no"],
        "bureau": "440305",
        "code": OTHER_ENTERPRISE,
        "archived": archived_in_nanshan,
    }
    for role, theirs in others.items():
        other[role] = replace(
            own[role],
            **in_nanshan,
            task_id=verification["xunjie"] if role == "investigator" else evaluation["xunjie"],
            key_id=spare[theirs],
            login_username=theirs,
            endpoint_id=endpoints["xunjie"],
        )
    # The bureaus' supervisors: the Nanshan case is their own in Nanshan and Shenzhen and someone
    # else's in Pudong, and the Pudong case the other way round.
    for role in BUREAUS:
        pudong = own[role]
        nanshan = replace(pudong, **in_nanshan, task_id=evaluation["xunjie"], endpoint_id=endpoints["xunjie"])
        mine, theirs = (pudong, nanshan) if role == "supervisor-pudong" else (nanshan, pudong)
        own[role] = mine
        other[role] = replace(theirs, key_id=spare["supervisor"], login_username="supervisor")
    cases = [c["tracking_no"] for c, _ in (*ordinary.values(), *serious.values())] + evaluated
    return World(own, other, cases, [*verification.values(), *evaluation.values()], list(users.values()))


async def _reported(api: Api, label: str) -> bool:
    return (await api.get(f"/api/reports/{label}", as_="auditor")).status_code == 200


async def send(api: Api, probe: Probe, ctx: Ctx, headers: dict[str, str] | None = None) -> Any:
    sent = {**ctx.headers, **(headers or {})}
    if probe.auth and ctx.username:
        sent["Authorization"] = f"Bearer {ctx.token(probe.auth)}"
    if probe.files:  # a dry run of a one-row export: it creates nothing
        export = {"file": ("export.csv", csv_bytes([good_row(0)]), "text/csv")}
        return await api.http.post(probe.url(ctx), files=export, data={"dry_run": "true"}, headers=sent)
    body = probe.body(ctx) if probe.body else None
    return await api.http.request(probe.method, probe.url(ctx), json=body, headers=sent)


async def snapshot(api: Api, world: World) -> dict[str, Any]:
    """Everything a refused request might have changed, as a supervisor and an admin see it."""
    seen: dict[str, Any] = {}
    for no in world.cases:
        view = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
        seen[no] = {k: v for k, v in view.items() if k != "overdue"}
    for task in world.tasks:
        seen[task] = (await api.get(f"/api/tasks/{task}", as_="supervisor")).json()
    for code in world.enterprises:
        seen[code] = (await api.get(f"/api/enterprises/{code}/supervision", as_="supervisor")).json()
    seen["keys"] = (await api.get("/api/keys", as_="admin")).json()
    seen["accounts"] = (await api.get("/api/accounts", as_="admin")).json()
    return seen


async def settled(api: Api, world: World) -> dict[str, Any]:
    """A snapshot once nothing is still moving (read models and deadlines catch up)."""
    last: dict[str, Any] = {}

    async def still() -> dict[str, Any] | None:
        nonlocal last
        now = await snapshot(api, world)
        same, last = now == last, now
        return now if same else None

    return await eventually(still, what="the world settled", timeout=60)


def test_every_operation_has_a_probe(settings: Settings) -> None:
    schema = create_app(settings).openapi()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert operations == {(p.method, p.path) for p in PROBES}


async def test_no_role_reads_or_writes_another_partys_objects(
    api: Api, dev_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    world = await build_world(api, dev_env, worker, db)
    marker = await _last_audit_id(db)
    before = await settled(api, world)

    failures, writes = [], 0
    for role in SCOPED:
        ctx = world.other[role]
        for probe in (p for p in PROBES if p.owned):
            writes += probe.method != "GET"
            got = await send(api, probe, ctx, {"Idempotency-Key": OTHER_KEY})
            listed_only_mine = (
                got.status_code == 200 and probe.foreign and probe.foreign(ctx, got.json()) == []
            )
            if got.status_code not in REFUSED and not listed_only_mine:
                failures.append(
                    f"{role} {probe.method} {probe.url(ctx)} (other's): {got.status_code} {got.text[:200]}"
                )
    assert failures == []
    assert await snapshot(api, world) == before
    assert await rows(db, IdempotencyRecord, IdempotencyRecord.key == OTHER_KEY) == []
    audited = await rows(db, AuditEntry, AuditEntry.id > marker, AuditEntry.action.not_like("GET %"))
    assert len(audited) == writes and {e.outcome for e in audited} <= REFUSED

    for probe in PROBES:
        for role in ROLES:
            ctx = world.own[role]
            got = await send(api, probe, ctx)
            if may(probe, role):
                wrong = got.status_code not in REACHED or (
                    got.status_code == 200 and probe.foreign and probe.foreign(ctx, got.json())
                )
            else:
                wrong = got.status_code not in REFUSED
            if wrong:
                failures.append(
                    f"{role} {probe.method} {probe.url(ctx)} (own): {got.status_code} {got.text[:200]}"
                )
    assert failures == []


async def _last_audit_id(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(select(func.max(AuditEntry.id))) or 0

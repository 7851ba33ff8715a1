"""What operators watch: /metrics, for admins, parsed by Prometheus's own parser, its series
moving as a case moves; the logs as JSON lines, each request's with its id, the same id in the
audit log and in the signal's request id, and no consumer's phone, identity number or e-mail."""

import gc
import io
import json
import logging
import weakref
from collections.abc import Iterator

import httpx
import pytest
import structlog
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from application import create_app
from db.models import AuditEntry, CaseEventRow, Complaint
from db.session import Database
from settings import Settings
from telemetry import configure_logging, exposition, mask, tracing, watch_collector
from tests.support import eventually, rows
from tests.support.api import Api, complaint
from worker import build_worker, settle_collector

SERIES = {
    "aftersales_http_requests",
    "aftersales_http_request_duration_seconds",
    "aftersales_complaints_received",
    "aftersales_deadline_breach_lag_seconds",
    "aftersales_notification_deliveries",
    "aftersales_archive_batches",
    "aftersales_archived_cases",
    "aftersales_open_cases",
    "aftersales_overdue_cases",
    "aftersales_gc_pause_seconds",
}


async def scrape(api: Api) -> list[Sample]:
    answer = await api.get("/metrics", as_="admin")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(answer.text))
    assert {f.name for f in families} >= SERIES
    return [s for f in families for s in f.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 with none)."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


async def status_of(db: Database, tracking_no: str, status: str) -> bool:
    found = await rows(db, Complaint, Complaint.tracking_no == tracking_no)
    return bool(found) and found[0].status == status


async def test_the_metrics_are_for_operators_and_move_as_a_case_moves(api: Api, db: Database) -> None:
    assert (await api.get("/metrics")).status_code == 401
    assert (await api.get("/metrics", as_="supervisor")).status_code == 403
    before = await scrape(api)

    filed = await api.post("/api/complaints", complaint())
    assert filed.status_code == 201, filed.text
    no = filed.json()["tracking_no"]
    await eventually(lambda: status_of(db, no, "forwarded"), what="the case in the read model")
    filed_ = await scrape(api)

    assert value(filed_, "aftersales_complaints_received_total", channel="web") == (
        value(before, "aftersales_complaints_received_total", channel="web") + 1
    )
    posts = {"method": "POST", "route": "/api/complaints"}
    assert value(filed_, "aftersales_http_requests_total", status="201", **posts) == (
        value(before, "aftersales_http_requests_total", status="201", **posts) + 1
    )
    assert value(filed_, "aftersales_http_request_duration_seconds_count", **posts) >= 1
    assert value(filed_, "aftersales_open_cases", status="forwarded") == (
        value(before, "aftersales_open_cases", status="forwarded") + 1
    )

    answered = await api.post(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, as_="minghui")
    assert answered.status_code == 200, answered.text
    await eventually(lambda: status_of(db, no, "responded"), what="the answer in the read model")
    moved = await scrape(api)

    assert value(moved, "aftersales_open_cases", status="forwarded") == value(
        before, "aftersales_open_cases", status="forwarded"
    )
    assert value(moved, "aftersales_open_cases", status="responded") == (
        value(before, "aftersales_open_cases", status="responded") + 1
    )
    # A case's number never becomes a series: the route's pattern stands for it.
    assert not [s for s in moved if no in json.dumps(s.labels)]


def test_each_cycle_collection_is_timed_and_reaches_the_metrics() -> None:
    watch = watch_collector()
    full = watch.generations[2].count
    gc.collect()
    assert watch.generations[2].count == full + 1 and watch.generations[2].slowest > 0
    samples = [s for f in text_string_to_metric_families(exposition().decode()) for s in f.samples]
    assert value(samples, "aftersales_gc_pause_seconds_count", generation="2") >= 1


class Cycle:
    me: "Cycle"


def test_the_worker_sets_what_it_holds_for_good_apart_from_later_collections() -> None:
    try:
        settle_collector()
        assert gc.get_freeze_count() > 0
        later = Cycle()
        later.me = later
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None  # what is made afterwards is collected as before
    finally:
        gc.unfreeze()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The process's log as JSON lines, into a buffer; the test's logging as it was after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("api", style="json", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.contextvars.unbind_contextvars("component")


async def test_the_logs_carry_the_request_id_and_no_personal_data(
    api: Api, db: Database, log_lines: io.StringIO
) -> None:
    phone, id_number, email = "13912345678", "11010519491231002X", "canary.person@example.com"
    consumer = {"name": "金丝雀", "phone": phone, "id_number": id_number, "email": email}
    filed = await api.post("/api/complaints", complaint(consumer=consumer))
    assert filed.status_code == 201, filed.text
    no = filed.json()["tracking_no"]
    answered = await api.post(
        f"/api/complaints/{no}/response",
        {"message": f"已致电 {phone}"},  # personal data in what was said: kept out of the logs
        as_="minghui",
        headers={"X-Request-ID": "canary-request-1"},
    )
    assert answered.status_code == 200 and answered.headers["x-request-id"] == "canary-request-1"
    logging.getLogger("aftersales.test").warning("a consumer %s, %s, %s", phone, id_number, email)

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    text = log_lines.getvalue()
    assert phone not in text and id_number not in text and email not in text
    assert mask(phone) in text and "c***@example.com" in text
    [request] = [line for line in lines if line.get("route") == "/api/complaints/{tracking_no}/response"]
    assert request["request_id"] == "canary-request-1" and request["status"] == 200
    assert request["component"] == "api" and request["level"] == "info"
    async with db.sessions() as session:
        audited = (await session.scalars(select(AuditEntry).where(AuditEntry.object_ref == no))).all()
    assert "canary-request-1" in {a.request_id for a in audited}

    async def responded() -> list[CaseEventRow]:
        return await rows(db, CaseEventRow, CaseEventRow.tracking_no == no, CaseEventRow.kind == "responded")

    [event] = await eventually(responded, what="the response in the read model")
    assert ":canary-request-1:" in event.data["request_id"]


async def test_a_trace_follows_a_complaint_from_the_api_through_the_worker(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, tokens: dict[str, str]
) -> None:
    """With tracing on, Temporal's interceptor makes one trace of the intake: the API's start of
    the case's workflow, and the workflow and its activities as the worker runs them."""
    exporter = InMemorySpanExporter()
    client = await Client.connect(
        dev_env.client.service_client.config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=dev_env.client.data_converter,
        interceptors=tracing("test", "", exporter=exporter),
    )
    app = create_app(settings, temporal=client, db=db)
    async with (
        build_worker(client, settings, db),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        filed = await Api(http, tokens, app).post("/api/complaints", complaint())
        assert filed.status_code == 201, filed.text

    spans = exporter.get_finished_spans()
    [start] = [s for s in spans if s.name == "StartUpdateWithStartWorkflow:ComplaintWorkflow"]
    assert start.context is not None
    trace = [s for s in spans if s.context is not None and s.context.trace_id == start.context.trace_id]
    names = {s.name for s in trace}
    assert "RunWorkflow:ComplaintWorkflow" in names, names
    assert {"RunActivity:prepare_case", "RunActivity:record_case", "HandleUpdate:registered"} <= names, names
    assert tracing("test", "") == []  # off unless an endpoint is set

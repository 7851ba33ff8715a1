"""What operators watch: Prometheus metrics and structured logs, the same in the API and the
workers.

Metrics are this process's counters and histograms; when PROMETHEUS_MULTIPROC_DIR names a folder
(`aftersales run` gives its processes one), every process of the system writes there and one
scrape of the API gives them all. The cases' gauges are read from the read model when scraped.

Logs are JSON lines (or, at a terminal, lines for people), each with the id of the request it
belongs to; phone numbers, identity card numbers and e-mail addresses in them are masked.

Traces, when an OTLP endpoint is set: Temporal's interceptor makes a span of each workflow
started, signalled, updated and queried, and of each workflow and activity run, one trace from
the API's call through the worker's tasks.
"""

import gc
import logging
import os
import re
import sys
import time
from collections import deque
from collections.abc import Iterable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")

HTTP_REQUESTS = Counter(
    "aftersales_http_requests_total",
    "HTTP requests answered, by route and status",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "aftersales_http_request_duration_seconds",
    "Time to answer an HTTP request, by route",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INTAKES = Counter(
    "aftersales_complaints_received_total", "Complaints recorded, by channel and how", ["channel", "via"]
)
BREACH_LAG = Histogram(
    "aftersales_deadline_breach_lag_seconds",
    "From a deadline to its breach recorded in the read model (the case shown escalated), by deadline",
    ["deadline"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
DELIVERIES = Counter(
    "aftersales_notification_deliveries_total",
    "Deliveries tried, by channel and result",
    ["channel", "result"],
)
GC_PAUSES = Histogram(
    "aftersales_gc_pause_seconds",
    "Time a process stood still for Python's cycle collector, by generation: a full collection (2) "
    "walks every object the process holds, the worker's cases kept in memory among them",
    ["generation"],
    buckets=(0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ARCHIVE_RUNS = Counter("aftersales_archive_batches_total", "Archiving batches run")
ARCHIVED = Counter("aftersales_archived_cases_total", "Closed cases archived")


@dataclass(frozen=True)
class Gauge:
    """A gauge read when scraped: its samples, each its label values and value."""

    name: str
    help: str
    labels: tuple[str, ...]
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)


class _Read(Collector):
    def __init__(self, gauges: Iterable[Gauge]) -> None:
        self.gauges = list(gauges)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for g in self.gauges:
            family = GaugeMetricFamily(g.name, g.help, labels=list(g.labels))
            for values, value in g.samples:
                family.add_metric(list(values), value)
            yield family


@dataclass
class Pauses:
    """One generation's collections in this process so far."""

    count: int = 0
    seconds: float = 0.0
    slowest: float = 0.0


class CollectorWatch:
    """Times each of Python's cycle collections. Its callback runs inside the collector, which may
    have started in the middle of a histogram's update, holding that histogram's lock: so it
    only notes the time, and `publish`, called from ordinary code, observes what was noted."""

    def __init__(self) -> None:
        self.generations = [Pauses(), Pauses(), Pauses()]
        self._started = 0.0
        self._noted: deque[tuple[int, float]] = deque(maxlen=10_000)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        pauses = self.generations[info["generation"]]
        pauses.count += 1
        pauses.seconds += took
        pauses.slowest = max(pauses.slowest, took)
        self._noted.append((info["generation"], took))

    def publish(self) -> None:
        while self._noted:
            generation, took = self._noted.popleft()
            GC_PAUSES.labels(str(generation)).observe(took)


COLLECTIONS = CollectorWatch()


def watch_collector() -> CollectorWatch:
    """This process's cycle collections timed from now on (once, however often asked)."""
    if COLLECTIONS not in gc.callbacks:
        gc.callbacks.append(COLLECTIONS)
    return COLLECTIONS


def exposition(gauges: Iterable[Gauge] = ()) -> bytes:
    """Every process's metrics, and `gauges`, in Prometheus's text format."""
    COLLECTIONS.publish()  # this process's; the workers publish theirs as they go
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        counted = generate_latest(processes)
    else:
        counted = generate_latest(REGISTRY)
    read = CollectorRegistry()
    read.register(_Read(gauges))
    return counted + generate_latest(read)


# --- logs ---------------------------------------------------------------------------------------

MASKS = (
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobile numbers
    (re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])"), r"\1********\2"),  # ID cards
    (re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.-]+)"), r"\1***@\2"),  # e-mail addresses
)


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _masked(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = mask(value)
    return event


def _request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if request_id := REQUEST_ID.get():
        event.setdefault("request_id", request_id)
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _request_id,
    structlog.processors.format_exc_info,
]


def _through_the_standard_library() -> None:
    """structlog's loggers hand their events to the standard library's, whose handlers (none
    until `configure_logging`) write them."""
    structlog.configure(
        # Below the logger's level an event is dropped first, before any work on it.
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def configure_logging(
    component: str, *, style: str = "auto", level: int = logging.INFO, stream: IO[str] | None = None
) -> None:
    """Every log line of the process (the standard library's loggers too), on standard error or
    `stream`: JSON, or for people at a terminal (`style` auto); each with the component, the
    request id and masked personal data."""
    out = stream or sys.stderr
    human = style == "console" or (style == "auto" and out.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False) if human else structlog.processors.JSONRenderer()
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _masked,
            renderer,
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _through_the_standard_library()
    structlog.contextvars.bind_contextvars(component=component)


_through_the_standard_library()


# --- traces -------------------------------------------------------------------------------------


def tracing(component: str, endpoint: str, *, exporter: Any = None) -> list[Any]:
    """The Temporal client's interceptors for tracing: none without an OTLP/HTTP endpoint (or an
    exporter of one's own); spans sent in batches, named for the service and the component."""
    if not endpoint and exporter is None:
        return []
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from temporalio.contrib.opentelemetry import TracingInterceptor

    provider = TracerProvider(
        resource=Resource.create({"service.name": "aftersales", "component": component})
    )
    if exporter is None:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return [TracingInterceptor(provider.get_tracer("aftersales"))]

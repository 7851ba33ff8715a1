"""Builds and runs the worker: every workflow and activity on one task queue."""

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import prometheus_client
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.archive import ArchiveActivities
from activities.assignment import AssignmentActivities
from activities.deadlines import DeadlineActivities
from activities.delivery import DeliveryActivities, Notifier
from activities.imports import ImportActivities
from activities.intake import IntakeActivities
from activities.projection import ProjectionActivities
from activities.reports import ReportActivities
from activities.sending import Outbox
from activities.supervision import SupervisionActivities
from db.policies import PolicyStore
from db.session import Database
from delivery.mail import MailRelay, SmtpServer
from delivery.sms import FileSmsSink, HttpSmsGateway, SmsGateway
from domain.ids import CYCLE_REPORT, HISTORY_ARCHIVE
from domain.policy import Policy
from processes import run_loop
from settings import Settings
from telemetry import configure_logging, watch_collector
from temporal_client import connect, key_ring
from workflows.archive import ArchiveWorkflow
from workflows.registry import DELIVERY_WORKFLOWS, WORKFLOWS
from workflows.report import CycleReportWorkflow, ReportInput

log = logging.getLogger("aftersales.worker")


def sms_gateway(settings: Settings) -> SmsGateway | None:
    if settings.sms_gateway == "file":
        return FileSmsSink(settings.sms_file)
    if settings.sms_gateway == "http":
        return HttpSmsGateway(
            url=settings.sms_url,
            app_key=settings.sms_app_key,
            secret=settings.sms_secret.get_secret_value() if settings.sms_secret else "",
            sign_name=settings.sms_sign_name,
            form=settings.sms_form,
        )
    return None


def outbox(settings: Settings) -> Outbox:
    mail = None
    if settings.smtp_host:
        server = SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else "",
            ca_file=settings.smtp_ca_file,
        )
        mail = MailRelay(server, sessions=settings.smtp_sessions)
    return Outbox(
        mail=mail,
        sender=settings.mail_from,
        reply_to=settings.mail_reply_to,
        public_url=settings.site_url,
        retry=settings.delivery_retry(),
        ring=key_ring(settings),
        sms=sms_gateway(settings),
        sms_templates=settings.sms_templates,
        development=settings.environment == "development",
    )


def activities(client: Client, settings: Settings, db: Database, notifier: Notifier) -> list[Any]:
    calendar = settings.working_calendar()
    policies = PolicyStore(settings.policy_file, db)
    intake = IntakeActivities(db, policies, calendar, settings.bureau_tree())
    deadlines = DeadlineActivities(calendar)
    supervision = SupervisionActivities(db, client, settings.task_queue, policies)
    projection = ProjectionActivities(db, notifier, supervision.report)
    assignment = AssignmentActivities(db)
    reports = ReportActivities(db, policies, calendar)
    archiver = ArchiveActivities(db, client)
    imports = ImportActivities(db, client, settings)
    return [
        archiver.archive_closed_cases,
        intake.prepare_case,
        deadlines.compute_deadlines,
        projection.record_case,
        projection.record_task,
        projection.record_supervision,
        assignment.assign_investigator,
        assignment.assign_agency,
        supervision.report_to_enterprise,
        supervision.supervision_level,
        reports.compute_cycle_report,
        reports.record_cycle_report,
        imports.import_file,
    ]


class Workers:
    """The workers of one process, run together: the cases' and the deliveries' (a notification's
    first try is made by the step that wrote it, within a few seconds; its retries go out on a
    task queue of their own, with bounded concurrency, so that a storm of retries — a mail
    server down, a webhook receiver gone — never delays a case's clocks, queries or signals),
    or either alone when the other runs in a process of its own."""

    def __init__(self, *workers: Worker, mail: MailRelay | None = None) -> None:
        self.workers, self.mail = workers, mail
        self._stack = contextlib.AsyncExitStack()

    @property
    def task_queue(self) -> str:
        return self.workers[0].task_queue

    async def __aenter__(self) -> Worker:
        if self.mail is not None:  # its kept sessions closed once the workers have stopped
            self._stack.push_async_callback(self.mail.close)
        for worker in self.workers:
            await self._stack.enter_async_context(worker)
        return self.workers[0]

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()


GRACE = timedelta(seconds=10)  # how long a stopping worker lets its running tasks finish


def build_worker(
    client: Client, settings: Settings, db: Database, *, deliveries: bool = True, **options: Any
) -> Workers:
    """The cases' worker, and the deliveries' unless they run in a process of their own:
    `options` are the cases' worker's."""
    options.setdefault("graceful_shutdown_timeout", GRACE)
    options.setdefault("max_cached_workflows", settings.worker_cached_workflows)
    if not settings.workflow_sandbox:
        options.setdefault("workflow_runner", UnsandboxedWorkflowRunner())
    notifier = Notifier(client, settings.delivery_task_queue, outbox(settings), db)
    main = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(client, settings, db, notifier),
        **options,
    )
    if not deliveries:  # the first tries are made here all the same
        return Workers(main, mail=notifier.outbox.mail)
    return Workers(
        main, _delivery_worker(notifier, options["graceful_shutdown_timeout"]), mail=notifier.outbox.mail
    )


def build_delivery_worker(client: Client, settings: Settings, db: Database) -> Workers:
    """The deliveries' worker alone, for a process of its own."""
    notifier = Notifier(client, settings.delivery_task_queue, outbox(settings), db)
    return Workers(_delivery_worker(notifier, GRACE), mail=notifier.outbox.mail)


def _delivery_worker(notifier: Notifier, grace: timedelta) -> Worker:
    delivery = DeliveryActivities(notifier)
    return Worker(
        notifier.client,
        task_queue=notifier.task_queue,
        workflows=list(DELIVERY_WORKFLOWS),
        activities=[
            delivery.plan_deliveries,
            delivery.deliver,
            delivery.dead_letter,
            delivery.raise_undelivered,
        ],
        max_concurrent_activities=20,
        max_concurrent_local_activities=20,  # a redelivery's first try, in its run's first task
        max_concurrent_workflow_tasks=20,
        graceful_shutdown_timeout=grace,
    )


async def check_policy(settings: Settings, db: Database) -> Policy:
    """Fail at start, not in a case, if the policy file is invalid or reuses a version."""
    policy = await PolicyStore(settings.policy_file, db).sync()
    log.info("policy %s (effective %s) from %s", policy.version, policy.effective_from, settings.policy_file)
    return policy


def report_schedule(settings: Settings, policy: Policy) -> Schedule:
    """At `hour_after_cycle` o'clock, Beijing time, on the first day of each month or quarter."""
    if policy.reports.cycle == "month":
        months = [ScheduleRange(1, 12)]
    else:
        months = [ScheduleRange(m) for m in (1, 4, 7, 10)]
    when = ScheduleCalendarSpec(
        hour=[ScheduleRange(policy.reports.hour_after_cycle)],
        day_of_month=[ScheduleRange(1)],
        month=months,
        comment=f"the {policy.reports.cycle} just closed",
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CycleReportWorkflow.run, ReportInput(), id=CYCLE_REPORT, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(calendars=[when], time_zone_name=policy.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=7)),
    )


def archive_schedule(settings: Settings) -> Schedule:
    """Every hour: closed cases archived well within Temporal's retention (a day at the least)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ArchiveWorkflow.run, id=HISTORY_ARCHIVE, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def _ensure(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create the Schedule, or bring an existing one in line with this one."""
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(schedule_id).update(lambda _: ScheduleUpdate(schedule=schedule))


async def ensure_report_schedule(client: Client, settings: Settings, policy: Policy) -> None:
    await _ensure(client, CYCLE_REPORT, report_schedule(settings, policy))


async def ensure_schedules(client: Client, settings: Settings, policy: Policy) -> None:
    await ensure_report_schedule(client, settings, policy)
    await _ensure(client, HISTORY_ARCHIVE, archive_schedule(settings))


def settle_collector() -> None:
    """What the process holds for good once started (its modules, the policy, the pools) set
    apart from Python's cycle collector: a full collection walks every object the process holds,
    and with thousands of cases kept in memory stops it for a second or two (BENCHMARKS.md,
    *notifications*); these need not be walked again."""
    gc.collect()
    gc.freeze()


async def publish_collections(every: float = 10.0) -> None:
    """This process's collections' pauses into their histogram, every `every` seconds."""
    watch = watch_collector()
    while True:
        await asyncio.sleep(every)
        watch.publish()


def sdk_runtime(settings: Settings) -> Runtime | None:
    """A runtime whose SDK metrics are served on their port, if one is set."""
    if not settings.temporal_metrics_port:
        return None
    address = f"{settings.api_host}:{settings.temporal_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


def part_of(argv: Sequence[str]) -> str:
    parser = argparse.ArgumentParser(
        prog="aftersales worker",
        description="Run the worker: the cases' and the deliveries' together, or either alone "
        "(the deliveries in a process of their own: `aftersales run` starts them so).",
    )
    parser.add_argument("part", nargs="?", choices=("all", "cases", "deliveries"), default="all")
    return str(parser.parse_args(argv).part)


def run(part: str = "all") -> None:
    """Run the worker of `part`: the cases' and the deliveries' together, or either alone."""
    settings = Settings()
    configure_logging(f"worker {part}", style=settings.log_style)
    run_loop(main(part, settings))


async def main(part: str, settings: Settings) -> None:
    if settings.worker_metrics_port:
        prometheus_client.start_http_server(settings.worker_metrics_port, addr=settings.api_host)
    db = Database(settings.database)
    client = await connect(settings, runtime=sdk_runtime(settings), component=f"worker {part}")
    if part == "deliveries":
        worker = build_delivery_worker(client, settings, db)
        queue = settings.delivery_task_queue
    else:
        policy = await check_policy(settings, db)
        await ensure_schedules(client, settings, policy)
        worker = build_worker(client, settings, db, deliveries=part == "all")
        queue = settings.task_queue
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    settle_collector()
    publishing = asyncio.create_task(publish_collections())
    async with worker:
        log.info("worker (%s) polling task queue %r at %s", part, queue, settings.temporal)
        await stop.wait()
        log.info("shutting down")
    publishing.cancel()
    await db.dispose()


if __name__ == "__main__":
    run(part_of(sys.argv[1:]))

"""The cycle report: run by a Temporal Schedule at the start of each cycle, it computes every
figure of the cycle just closed against the one before, stores it and tells the supervisors."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import Message
    from domain.reports import ReportRequest
    from workflows import activities


class ReportInput(Message):
    period: str | None = None  # a label such as 2026-11; None: the cycle that has just closed


class ReportSummary(Message):
    label: str
    headline: str


@workflow.defn
class CycleReportWorkflow:
    @workflow.run
    async def run(self, input: ReportInput) -> ReportSummary:
        report = await activities.compute_cycle_report(
            ReportRequest(period=input.period, as_of=workflow.now())
        )
        await activities.record_cycle_report(report)
        return ReportSummary(label=report.label, headline=report.headline())

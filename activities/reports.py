"""Cycle reports: computed from the read model, stored, and announced to the supervisors."""

from sqlalchemy import select
from temporalio import activity

from db.metrics import compute, compute_areas
from db.models import CycleReportRow, NotificationRow
from db.policies import PolicyStore
from db.session import Database
from db.writes import insert_missing
from domain.bureaus import areas
from domain.calendar import WorkingCalendar
from domain.enums import Role
from domain.ids import ActivityName
from domain.metrics import DIMENSIONS, Figures, cycle_before, parse_period
from domain.reports import CycleReport, ReportRequest, ScopeFigures, compare


class ReportActivities:
    def __init__(self, db: Database, policies: PolicyStore, calendar: WorkingCalendar) -> None:
        self.db, self.policies, self.calendar = db, policies, calendar

    @activity.defn(name=ActivityName.COMPUTE_CYCLE_REPORT)
    async def compute_cycle_report(self, request: ReportRequest) -> CycleReport:
        policy = await self.policies.in_force(request.as_of)
        if request.period:
            period = parse_period(request.period)
        else:
            period = cycle_before(request.as_of.astimezone(policy.tz).date(), policy.reports.cycle)
        previous = period.previous()
        scopes: list[ScopeFigures] = []
        async with self.db.sessions() as session:
            for dimension in ("total", *DIMENSIONS):
                by = () if dimension == "total" else (dimension,)
                now = await compute(session, policy, self.calendar, period, by)
                before = await compute(session, policy, self.calendar, previous, by)
                if dimension == "total":
                    scopes.append(compare("total", "", now.total, before.total))
                    continue
                earlier = {row.key[dimension]: row.figures for row in before.rows}
                for row in now.rows:
                    key = row.key[dimension]
                    scopes.append(compare(dimension, key, row.figures, earlier.get(key, Figures())))
                if dimension == "bureau":  # and each area the bureaus lie in: what a bureau reads
                    codes = areas([*earlier, *(row.key[dimension] for row in now.rows)])
                    this_cycle = await compute_areas(session, policy, self.calendar, period, codes)
                    last_cycle = await compute_areas(session, policy, self.calendar, previous, codes)
                    scopes += [compare("area", c, this_cycle[c], last_cycle[c]) for c in codes]
        return CycleReport(
            label=period.label,
            cycle=period.kind,
            period_start=period.start,
            period_end=period.end,
            previous_label=previous.label,
            as_of=request.as_of,
            policy_version=policy.version,
            scopes=scopes,
        )

    @activity.defn(name=ActivityName.RECORD_CYCLE_REPORT)
    async def record_cycle_report(self, report: CycleReport) -> None:
        """Store the report (a later run for the same cycle replaces it) and tell the supervisors once."""
        async with self.db.transaction() as session:
            row = (
                await session.execute(select(CycleReportRow).where(CycleReportRow.label == report.label))
            ).scalar_one_or_none()
            fields = {
                "label": report.label,
                "cycle": report.cycle,
                "period_start": report.period_start,
                "period_end": report.period_end,
                "previous_label": report.previous_label,
                "as_of": report.as_of,
                "policy_version": report.policy_version,
                "headline": report.headline(),
                "body": report.model_dump(mode="json"),
            }
            if row is None:
                session.add(CycleReportRow(**fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
            await insert_missing(
                session,
                NotificationRow,
                [
                    {
                        "key": f"report:{report.label}:{report.as_of.isoformat()}",
                        "recipient_kind": "role",
                        "recipient_ref": Role.SUPERVISOR.value,
                        "topic": "cycle_report",
                        "tracking_no": "",
                        "subject": f"Cycle report {report.label}: {report.headline()}",
                    }
                ],
                ["key"],
            )

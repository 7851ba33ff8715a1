"""The facts the evaluation system needs, read from the read model for a period."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Complaint, SupervisionMeasure, Task, ViolationRow
from domain.bureaus import area_prefix
from domain.calendar import WorkingCalendar
from domain.enums import CaseStatus, TaskKind, TaskStatus
from domain.metrics import (
    CaseFacts,
    Figures,
    MeasureFacts,
    Metrics,
    MetricsRow,
    Period,
    PeriodOut,
    SeriesPoint,
    buckets,
    figures,
    group,
    series,
)
from domain.policy import Policy


def bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time(0), tz), datetime.combine(period.end, time(0), tz)


async def load_facts(
    session: AsyncSession,
    period: Period,
    tz: ZoneInfo,
    *,
    enterprise: str | None = None,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
) -> tuple[list[CaseFacts], list[MeasureFacts]]:
    """Cases received in the period, and violations, warnings and penalties dated in it; with a
    bureau, those of its area only."""
    start, end = bounds(period, tz)
    filters = [Complaint.enterprise_code == enterprise] if enterprise else []
    area = area_prefix(bureau) if bureau else ""
    if area:
        filters.append(Complaint.bureau_code.startswith(area, autoescape=True))
    if region:
        filters.append(Complaint.region_code == region)
    if category:
        filters.append(Complaint.category == category)
    evaluation = and_(
        Task.tracking_no == Complaint.tracking_no,
        Task.kind == TaskKind.EVALUATION.value,
        Task.status == TaskStatus.DONE.value,
    )
    # Columns, not entities: a year of a province's cases is a hundred thousand rows.
    rows = await session.execute(
        select(
            Complaint.enterprise_code,
            Complaint.region_code,
            Complaint.category,
            Complaint.received_at,
            Complaint.responded_at,
            Complaint.response_due,
            Complaint.response_breached,
            Complaint.resolution_due,
            Complaint.resolved_at,
            Complaint.resolution_breached,
            Complaint.status,
            Complaint.outcome,
            Complaint.repeat_complaint,
            Complaint.channel,
            Complaint.bureau_code,
            Complaint.admission,
            Complaint.transfers,
            Complaint.transferred_at,
            Complaint.mediation_timed_out,
            Task.result,
        )
        .outerjoin(Task, evaluation)
        .where(Complaint.received_at >= start, Complaint.received_at < end, *filters)
    )
    closed = CaseStatus.CLOSED.value
    cases = [
        CaseFacts(
            enterprise=c.enterprise_code,
            region=c.region_code,
            category=c.category,
            received_at=c.received_at,
            responded_at=c.responded_at,
            response_due=c.response_due,
            response_breached=c.response_breached,
            resolution_due=c.resolution_due,
            resolved_at=c.resolved_at,
            resolution_breached=c.resolution_breached,
            closed=c.status == closed,
            outcome=c.outcome,
            repeat=c.repeat_complaint,
            satisfaction=(c.result or {}).get("satisfaction"),
            service_attitude=(c.result or {}).get("service_attitude"),
            evaluated_resolved=(c.result or {}).get("resolved"),
            channel=c.channel,
            bureau=c.bureau_code or "",
            admission=c.admission,
            transfers=c.transfers,
            transferred_at=c.transferred_at,
            mediation_timed_out=c.mediation_timed_out,
        )
        for c in rows
    ]

    violations = await session.execute(
        select(
            ViolationRow.at,
            Complaint.enterprise_code,
            Complaint.region_code,
            Complaint.category,
            Complaint.channel,
            Complaint.bureau_code,
        )
        .join(Complaint, Complaint.tracking_no == ViolationRow.tracking_no)
        .where(ViolationRow.at >= start, ViolationRow.at < end, ViolationRow.withdrawn_at.is_(None), *filters)
    )
    measures = [MeasureFacts("violation", *found) for found in violations]

    issued = (
        (
            await session.execute(
                select(SupervisionMeasure).where(
                    SupervisionMeasure.issued_at >= start,
                    SupervisionMeasure.issued_at < end,
                    SupervisionMeasure.status.not_in(("dropped", "withdrawn")),
                    *([SupervisionMeasure.enterprise_code == enterprise] if enterprise else []),
                )
            )
        )
        .scalars()
        .all()
    )
    first_cases = {m.tracking_nos[0] for m in issued if m.tracking_nos}
    where = {}
    if first_cases:
        found = await session.execute(
            select(
                Complaint.tracking_no,
                Complaint.region_code,
                Complaint.category,
                Complaint.channel,
                Complaint.bureau_code,
            ).where(Complaint.tracking_no.in_(first_cases))
        )
        where = {no: (reg, cat, chan, bur) for no, reg, cat, chan, bur in found}
    for m in issued:
        first = where.get(m.tracking_nos[0]) if m.tracking_nos else None
        reg, cat, chan, bur = first or (None, None, None, None)
        if (region and reg != region) or (category and cat != category):
            continue
        if area and not (bur or "").startswith(area):
            continue
        measures.append(MeasureFacts(m.kind, m.issued_at, m.enterprise_code, reg, cat, chan, bur))
    return cases, measures


async def compute(
    session: AsyncSession,
    policy: Policy,
    calendar: WorkingCalendar,
    period: Period,
    by: tuple[str, ...],
    *,
    enterprise: str | None = None,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
) -> Metrics:
    """Every figure for the period: in total, and by the dimensions in `by`."""
    cases, measures = await load_facts(
        session, period, policy.tz, enterprise=enterprise, region=region, category=category, bureau=bureau
    )
    return _metrics(cases, measures, policy, calendar, period, by)


async def compute_areas(
    session: AsyncSession, policy: Policy, calendar: WorkingCalendar, period: Period, codes: list[str]
) -> dict[str, Figures]:
    """Each bureau's area's figures for the period, as `compute` gives them with its `bureau`,
    from the period's facts read once."""
    cases, measures = await load_facts(session, period, policy.tz)
    out = {}
    for code in codes:
        area = area_prefix(code)
        inside = [c for c in cases if c.bureau.startswith(area)]
        dated = [m for m in measures if (m.bureau or "").startswith(area)]
        out[code] = figures(inside, dated, calendar, policy.tz, policy.scorecard)
    return out


async def compute_over_time(
    session: AsyncSession,
    policy: Policy,
    calendar: WorkingCalendar,
    period: Period,
    by: tuple[str, ...],
    grain: str,
    *,
    region: str | None = None,
    category: str | None = None,
    bureau: str | None = None,
) -> tuple[Metrics, list[SeriesPoint]]:
    """`compute`, and every figure for each day, week or month of the period, from one read."""
    cases, measures = await load_facts(
        session, period, policy.tz, region=region, category=category, bureau=bureau
    )
    cuts = buckets(period, grain)
    return _metrics(cases, measures, policy, calendar, period, by), series(
        cases, measures, cuts, calendar, policy.tz, policy.scorecard
    )


def _metrics(
    cases: list[CaseFacts],
    measures: list[MeasureFacts],
    policy: Policy,
    calendar: WorkingCalendar,
    period: Period,
    by: tuple[str, ...],
) -> Metrics:
    rows = (
        [
            MetricsRow(key=g.key, figures=figures(g.cases, g.measures, calendar, policy.tz, policy.scorecard))
            for g in group(cases, measures, by)
        ]
        if by
        else []
    )
    return Metrics(
        period=PeriodOut(label=period.label, start=str(period.start), end=str(period.end)),
        group_by=list(by),
        rows=rows,
        total=figures(cases, measures, calendar, policy.tz, policy.scorecard),
    )

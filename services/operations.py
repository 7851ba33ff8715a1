"""What operators scrape: every process's counters and histograms, and the cases' gauges read
from the read model now (open cases by status and priority, overdue ones)."""

from sqlalchemy import func, select

from db.models import Complaint
from domain.enums import CaseStatus, Role
from services.context import Context
from services.principal import Principal
from telemetry import Gauge, exposition

OPERATORS = (Role.ADMIN,)


async def scrape(ctx: Context, *, principal: Principal) -> bytes:
    principal.require(OPERATORS, "the system's metrics")
    open_cases = Complaint.status != CaseStatus.CLOSED.value
    by = await ctx.session.execute(
        select(Complaint.status, Complaint.priority, func.count())
        .where(open_cases)
        .group_by(Complaint.status, Complaint.priority)
    )
    overdue = await ctx.session.execute(
        select(Complaint.priority, func.count())
        .where(open_cases, Complaint.overdue)
        .group_by(Complaint.priority)
    )
    return exposition(
        [
            Gauge(
                "aftersales_open_cases",
                "Cases not closed, by status and priority",
                ("status", "priority"),
                [((status, priority), n) for status, priority, n in by],
            ),
            Gauge(
                "aftersales_overdue_cases",
                "Open cases with a deadline passed unmet, by priority",
                ("priority",),
                [((priority,), n) for priority, n in overdue],
            ),
        ]
    )

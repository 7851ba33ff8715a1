"""Deadlines from the policy and the working-day calendar. Computed here, in an activity, so
each result is in the case's history and a replay never consults the calendar again."""

from datetime import timedelta

from temporalio import activity

from domain.calendar import WorkingCalendar, local_date
from domain.deadlines import Deadline, DeadlineRequest, DeadlinesInput
from domain.ids import ActivityName
from domain.policy import Policy


def compute_deadline(policy: Policy, request: DeadlineRequest, calendar: WorkingCalendar) -> Deadline:
    window = request.window or getattr(policy.windows, request.kind.value)
    tz = policy.tz
    due = window.end(request.start, calendar, tz)
    warn_at = request.start + timedelta(
        seconds=(due - request.start).total_seconds() * policy.warning_fraction
    )
    if window.hours is not None:
        basis = "wall clock"
    else:
        basis = calendar.basis(local_date(request.start, tz), local_date(due, tz))
    # Local times carry their offset through the history, so the workflow can show them as such.
    return Deadline(
        kind=request.kind,
        round=request.round,
        subject=request.subject,
        started_at=request.start,
        due=due.astimezone(tz),
        warn_at=warn_at.replace(microsecond=0).astimezone(tz),
        window=window.describe(),
        basis=f"policy {policy.version}; {basis}",
    )


class DeadlineActivities:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    @activity.defn(name=ActivityName.COMPUTE_DEADLINES)
    async def compute_deadlines(self, input: DeadlinesInput) -> list[Deadline]:
        return [compute_deadline(input.policy, r, self.calendar) for r in input.requests]

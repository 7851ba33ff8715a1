"""Cycle reports: every figure for a closed cycle beside the cycle before, and the change."""

from datetime import date, datetime

from pydantic import Field

from domain.messages import Message
from domain.metrics import FIGURE_NAMES, Figures, change


class ReportRequest(Message):
    period: str | None = None  # a label (2026-11); None: the last whole cycle before `as_of`
    as_of: datetime


class ScopeFigures(Message):
    """One scope's figures: the whole region's ("total"), or one enterprise's, region's or category's."""

    scope: str  # total | enterprise | region | category | channel | bureau | area (a bureau's whole area)
    key: str  # "" for the total
    current: Figures
    previous: Figures
    changes: dict[str, float | None] = Field(default_factory=dict)  # per cent


class CycleReport(Message):
    label: str
    cycle: str
    period_start: date
    period_end: date
    previous_label: str
    as_of: datetime
    policy_version: str
    scopes: list[ScopeFigures]

    @property
    def total(self) -> ScopeFigures:
        return next(s for s in self.scopes if s.scope == "total")

    def headline(self) -> str:
        """The changes a supervisor reads first, e.g. 'satisfaction +12.0 %, handling time −20.0 %'."""
        changes = self.total.changes
        parts = [
            (name, changes.get(field))
            for name, field in (
                ("complaints", "volume"),
                ("satisfaction", "satisfaction"),
                ("handling time", "resolution_days_median"),
                ("response within 24 h", "response_within_24h"),
                ("success rate", "resolution_success_rate"),
            )
        ]
        text = [f"{name} {value:+.1f} %".replace("-", "−") for name, value in parts if value is not None]
        return ", ".join(text) or "no comparable figures for the cycle before"


def compare(scope: str, key: str, current: Figures, previous: Figures) -> ScopeFigures:
    now, before = current.model_dump(), previous.model_dump()
    return ScopeFigures(
        scope=scope,
        key=key,
        current=current,
        previous=previous,
        changes={name: change(now[name], before[name]) for name in FIGURE_NAMES},
    )

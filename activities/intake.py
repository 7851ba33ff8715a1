"""Intake: the policy in force, triage, the case's first two deadlines, the bureau that
handles it, and whether the enterprise's licence was revoked, in one activity."""

from datetime import timedelta

from sqlalchemy import func, or_, select
from temporalio import activity

from activities.deadlines import compute_deadline
from db.models import Complaint, Enterprise, EnterpriseSupervision
from db.policies import PolicyStore
from db.session import Database
from domain.bureaus import BureauTree, Domicile
from domain.calendar import WorkingCalendar
from domain.complaint.io import CaseSetup
from domain.complaint.messages import ComplaintIntake
from domain.deadlines import DeadlineRequest
from domain.enums import DeadlineKind, Outcome
from domain.ids import ActivityName
from domain.triage import triage


class IntakeActivities:
    def __init__(
        self, db: Database, policies: PolicyStore, calendar: WorkingCalendar, bureaus: BureauTree
    ) -> None:
        self.db = db
        self.policies = policies
        self.calendar = calendar
        self.bureaus = bureaus

    @activity.defn(name=ActivityName.PREPARE_CASE)
    async def prepare_case(self, intake: ComplaintIntake) -> CaseSetup:
        received = intake.received_at
        policy = await self.policies.in_force(received)
        window_start = received - timedelta(days=policy.triage.repeat_window_days)
        async with self.db.sessions() as session:
            earlier = await session.scalar(
                select(func.count())
                .select_from(Complaint)
                .where(
                    Complaint.enterprise_code == intake.enterprise.credit_code,
                    Complaint.received_at >= window_start,
                    Complaint.received_at <= received,
                    Complaint.tracking_no != intake.tracking_no,
                    # A complaint confirmed as another's duplicate counts once, as the original.
                    or_(Complaint.outcome.is_(None), Complaint.outcome != Outcome.REJECTED_DUPLICATE.value),
                )
            )
            supervision = await session.get(EnterpriseSupervision, intake.enterprise.credit_code)
            registered = await session.get(Enterprise, intake.enterprise.credit_code)
            platform = (
                await session.get(Enterprise, intake.platform.credit_code)
                if intake.platform and policy.jurisdiction.platform_merchants == "platform"
                else None
            )
        result = triage(
            policy.triage,
            category=intake.category,
            channel=intake.channel,
            description=intake.description,
            product_name=intake.product.name,
            amount=intake.product.amount,
            earlier_complaints=earlier or 0,
        )
        deadlines = [
            compute_deadline(policy, DeadlineRequest(kind=kind, start=received), self.calendar)
            for kind in (DeadlineKind.RESPONSE, DeadlineKind.RESOLUTION, DeadlineKind.ACCEPTANCE)
        ]
        return CaseSetup(
            policy=policy,
            triage=result,
            deadlines=deadlines,
            enterprise_revoked_at=supervision.revoked_at if supervision else None,
            routing=self.bureaus.route(
                enterprise_division=registered.division if registered else None,
                complaint_division=intake.region_code,
                platform=_domicile(platform),
            ),
        )


def _domicile(platform: Enterprise | None) -> Domicile | None:
    """A platform's operator where the registry places it; one it does not place has none to go by."""
    if platform is None or platform.division is None:
        return None
    return Domicile(name=platform.name, division=platform.division)

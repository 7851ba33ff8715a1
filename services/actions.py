"""What each party sends to act on a case, and the command and signal each action becomes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator, model_validator

from domain.complaint.messages import (
    Accept,
    Admit,
    Decline,
    Dispute,
    Escalate,
    OrderedMeasure,
    Propose,
    RecordSiteVisit,
    Reject,
    RequestEvidence,
    Respond,
    SubmitEvidence,
    SubmitFindings,
    SubmitRectification,
    Transfer,
    Withdraw,
    duplicate_named,
    offence_named,
)
from domain.enums import Action, DeclineGround, Measure, Offence, RejectionReason, Verdict
from domain.messages import Actor, Command
from services.fields import (
    BureauCode,
    CaseNumber,
    Input,
    IsoDate,
    LongText,
    Money,
    Note,
    ShortText,
    Text,
    requires,
    stated,
)
from services.outputs import DISPLAY_TZ
from workflows.complaint import ComplaintWorkflow


class ResponseIn(Input):
    message: Text


class ProposalIn(Input):
    measures: list[Measure] = Field(min_length=1, max_length=6)
    amount: Money | None = None
    detail: Text


class AcceptIn(Input):
    comment: Note = ""


class DisputeIn(Input):
    reason: Text


class WithdrawIn(Input):
    reason: Note = ""


class RejectIn(Input):
    model_config = stated(requires("duplicate_of", reason=[RejectionReason.DUPLICATE.value]))

    reason: RejectionReason
    duplicate_of: CaseNumber | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _duplicate(self) -> "RejectIn":
        if problem := duplicate_named(self.reason, self.duplicate_of):
            raise ValueError(problem)
        return self


class EscalateIn(Input):
    reason: Text


class TransferIn(Input):
    to_bureau: BureauCode = Field(description="the competent bureau the case passes to")
    reason: Text


class AdmitIn(Input):
    note: Note = ""


class DeclineIn(Input):
    ground: DeclineGround = Field(description="why the bureau does not accept it, as the SAMR measures list")
    note: Note = ""


class EvidenceRequestIn(Input):
    items: Text


class EvidenceIn(Input):
    description: Text
    documents: list[ShortText] = Field(default_factory=list, max_length=20)


class SiteVisitIn(Input):
    visited_on: IsoDate = Field(description="not after today (Beijing date)")
    location: ShortText
    notes: LongText

    @field_validator("visited_on")
    @classmethod
    def _not_future(cls, v: Any) -> Any:
        if v > datetime.now(DISPLAY_TZ).date():
            raise ValueError("is in the future")
        return v


class MeasureIn(Input):
    kind: Measure
    detail: Note = ""
    amount: Money | None = None


class FindingsIn(Input):
    model_config = stated(requires("offence", verdict=[v.value for v in Verdict if v.substantiated]))

    verdict: Verdict
    offence: Offence | None = None
    measures: list[MeasureIn] = Field(default_factory=list, max_length=10)
    summary: LongText

    @model_validator(mode="after")
    def _offence(self) -> "FindingsIn":
        if problem := offence_named(self.verdict, self.offence):
            raise ValueError(problem)
        return self


class RectificationIn(Input):
    cause_analysis: LongText
    improvement_measures: LongText
    implementation_effect: LongText


def _plain(command_type: type[Command]) -> Callable[[Input, str, Actor], Command]:
    return lambda body, request_id, actor: command_type(
        **body.model_dump(), request_id=request_id, actor=actor
    )


def _findings(body: Input, request_id: str, actor: Actor) -> Command:
    assert isinstance(body, FindingsIn)
    return SubmitFindings(
        **body.model_dump(exclude={"measures"}),
        measures=[OrderedMeasure(**m.model_dump()) for m in body.measures],
        request_id=request_id,
        actor=actor,
    )


@dataclass(frozen=True)
class CaseAction:
    body: type[Input]
    command: Callable[[Input, str, Actor], Command]  # (body, request id, actor)
    signal: Any  # the workflow's signal method
    summary: str


ACTIONS: dict[Action, CaseAction] = {
    Action.RESPOND: CaseAction(
        ResponseIn, _plain(Respond), ComplaintWorkflow.respond, "The enterprise responds"
    ),
    Action.PROPOSE: CaseAction(
        ProposalIn, _plain(Propose), ComplaintWorkflow.propose, "The enterprise proposes a resolution"
    ),
    Action.ACCEPT: CaseAction(
        AcceptIn, _plain(Accept), ComplaintWorkflow.accept, "The consumer accepts the proposal"
    ),
    Action.DISPUTE: CaseAction(
        DisputeIn, _plain(Dispute), ComplaintWorkflow.dispute, "The consumer disputes the proposal"
    ),
    Action.WITHDRAW: CaseAction(
        WithdrawIn, _plain(Withdraw), ComplaintWorkflow.withdraw, "The consumer withdraws the complaint"
    ),
    Action.REJECT: CaseAction(
        RejectIn, _plain(Reject), ComplaintWorkflow.reject, "A supervisor rejects: duplicate or out of scope"
    ),
    Action.ESCALATE: CaseAction(
        EscalateIn, _plain(Escalate), ComplaintWorkflow.escalate, "A supervisor opens an investigation"
    ),
    Action.ADMIT: CaseAction(
        AdmitIn,
        _plain(Admit),
        ComplaintWorkflow.admit,
        "The bureau accepts the complaint (within 7 working days)",
    ),
    Action.TRANSFER: CaseAction(
        TransferIn,
        _plain(Transfer),
        ComplaintWorkflow.transfer,
        "A bureau not competent passes the case to another, before acceptance is decided",
    ),
    Action.DECLINE: CaseAction(
        DeclineIn,
        _plain(Decline),
        ComplaintWorkflow.decline,
        "The bureau does not accept the complaint, on a ground the law gives (within 7 working days)",
    ),
    Action.REQUEST_EVIDENCE: CaseAction(
        EvidenceRequestIn,
        _plain(RequestEvidence),
        ComplaintWorkflow.request_evidence,
        "The investigator asks the enterprise for evidence",
    ),
    Action.SUBMIT_EVIDENCE: CaseAction(
        EvidenceIn,
        _plain(SubmitEvidence),
        ComplaintWorkflow.submit_evidence,
        "The enterprise submits evidence",
    ),
    Action.RECORD_SITE_VISIT: CaseAction(
        SiteVisitIn,
        _plain(RecordSiteVisit),
        ComplaintWorkflow.record_site_visit,
        "The investigator records an on-site visit",
    ),
    Action.SUBMIT_FINDINGS: CaseAction(
        FindingsIn, _findings, ComplaintWorkflow.submit_findings, "The investigator records findings"
    ),
    Action.SUBMIT_RECTIFICATION: CaseAction(
        RectificationIn,
        _plain(SubmitRectification),
        ComplaintWorkflow.submit_rectification,
        "The enterprise hands in its rectification report",
    ),
}

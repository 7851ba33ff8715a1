"""The vocabulary every part of the system shares."""

from enum import StrEnum


class Channel(StrEnum):
    WEB = "web"
    PHONE = "phone"
    STORE = "store"
    PLATFORM = "platform"


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    SAFETY_HAZARD = "safety_hazard"
    REPAIR_SERVICE = "repair_service"
    RETURN_REFUND = "return_refund"
    SERVICE_ATTITUDE = "service_attitude"
    FALSE_ADVERTISING = "false_advertising"
    PRICING = "pricing"
    DELIVERY_INSTALLATION = "delivery_installation"
    OTHER = "other"


class Severity(StrEnum):
    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"

    @property
    def opens_investigation(self) -> bool:
        return self in (Severity.SERIOUS, Severity.CRITICAL)


class Priority(StrEnum):
    """P1 is first in line; the values sort in queue order."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"

    def raised(self) -> "Priority":
        order = list(Priority)
        return order[max(order.index(self) - 1, 0)]


class Role(StrEnum):
    CONSUMER = "consumer"
    CLERK = "clerk"
    ENTERPRISE = "enterprise"
    INVESTIGATOR = "investigator"
    EVALUATOR = "evaluator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"


class RecipientKind(StrEnum):
    """Whom a notification is for: an account, everyone in a role, an enterprise, an agency, the
    consumer of a case, or the supervisors of one bureau (by its division code)."""

    ROLE = "role"
    ACCOUNT = "account"
    ENTERPRISE = "enterprise"
    AGENCY = "agency"
    CONSUMER = "consumer"
    BUREAU = "bureau"


SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class CaseStatus(StrEnum):
    RECEIVED = "received"
    FORWARDED = "forwarded"
    RESPONDED = "responded"
    PROPOSED = "proposed"
    INVESTIGATING = "investigating"
    RECTIFYING = "rectifying"
    VERIFYING = "verifying"
    EVALUATING = "evaluating"
    CLOSED = "closed"


class DesiredOutcome(StrEnum):
    REPAIR = "repair"
    REPLACE = "replace"
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    OTHER = "other"


class Measure(StrEnum):
    """What an enterprise offers, or what findings order it to do."""

    REPAIR = "repair"
    REPLACE = "replace"
    REFUND = "refund"
    COMPENSATION = "compensation"
    RECALL = "recall"
    APOLOGY = "apology"


class Verdict(StrEnum):
    SUBSTANTIATED = "substantiated"
    PARTLY_SUBSTANTIATED = "partly_substantiated"
    NOT_SUBSTANTIATED = "not_substantiated"

    @property
    def substantiated(self) -> bool:
        return self is not Verdict.NOT_SUBSTANTIATED


class Offence(StrEnum):
    """The kind of wrong an investigator finds."""

    SERVICE_QUALITY = "service_quality"
    PRODUCT_QUALITY = "product_quality"
    PRODUCT_SAFETY = "product_safety"
    WARRANTY_REFUSAL = "warranty_refusal"
    FALSE_ADVERTISING = "false_advertising"
    UNFAIR_TERMS = "unfair_terms"
    OTHER = "other"


class ViolationKind(StrEnum):
    LATE_RESPONSE = "late_response"
    LATE_RESOLUTION = "late_resolution"
    LATE_EVIDENCE = "late_evidence"
    SUBSTANTIATED_COMPLAINT = "substantiated_complaint"
    LATE_RECTIFICATION = "late_rectification"
    INEFFECTIVE_RECTIFICATION = "ineffective_rectification"

    @property
    def failed_rectification(self) -> bool:
        """A rectification round that failed: its report late, or found not effective."""
        return self in (ViolationKind.LATE_RECTIFICATION, ViolationKind.INEFFECTIVE_RECTIFICATION)


class DeadlineKind(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"
    CONSUMER_DECISION = "consumer_decision"
    INVESTIGATION = "investigation"
    EVIDENCE = "evidence"
    RECTIFICATION = "rectification"
    VERIFICATION_CHECK = "verification_check"
    VERIFICATION = "verification"
    EVALUATION = "evaluation"
    RECTIFICATION_ORDER = "rectification_order"  # a warning's order to the enterprise
    STATEMENT = "statement"  # the enterprise's window to state its case before a penalty
    HEARING_REQUEST = "hearing_request"  # the enterprise's window to ask for a hearing
    PAYMENT = "payment"  # a fine's payment
    SUSPENSION_TERM = "suspension_term"  # the term a suspension was decided for
    ACCEPTANCE = "acceptance"  # the bureau decides whether it accepts the complaint (受理)
    MEDIATION = "mediation"  # mediation ends without agreement after this, from acceptance


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    BREACHED = "breached"
    MET_LATE = "met_late"
    CLOSED = "closed"  # no longer relevant: superseded, or the case ended first


class Outcome(StrEnum):
    RESOLVED = "resolved"
    RESOLVED_BY_DEFAULT = "resolved_by_default"
    RESOLVED_AFTER_RECTIFICATION = "resolved_after_rectification"
    NOT_SUBSTANTIATED = "not_substantiated"
    WITHDRAWN = "withdrawn"
    REJECTED_DUPLICATE = "rejected_duplicate"
    REJECTED_OUT_OF_SCOPE = "rejected_out_of_scope"
    NOT_ADMITTED = "not_admitted"  # the bureau decided not to accept it, on a ground the law gives
    MEDIATION_ENDED = "mediation_ended"  # no agreement within the mediation window


class RejectionReason(StrEnum):
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"


class DeclineGround(StrEnum):
    """The grounds on which a bureau does not accept a complaint (不予受理), as the SAMR Interim
    Measures on complaints and reports (2019) enumerate them."""

    OUTSIDE_DUTIES = "outside_duties"  # not within the bureau's duties or powers
    HANDLED_ELSEWHERE = "handled_elsewhere"  # a court, arbitration, another authority, a consumer association
    NOT_PERSONAL_CONSUMPTION = "not_personal_consumption"  # not for the consumer's own living needs
    OVER_THREE_YEARS = "over_three_years"  # more than three years after the consumer knew of the harm
    PARTICULARS_MISSING = "particulars_missing"  # the required particulars are missing


class Action(StrEnum):
    """Everything a party can ask of a case; each is a signal of the same name."""

    RESPOND = "respond"
    PROPOSE = "propose"
    ACCEPT = "accept"
    DISPUTE = "dispute"
    WITHDRAW = "withdraw"
    REJECT = "reject"
    ESCALATE = "escalate"
    REQUEST_EVIDENCE = "request_evidence"
    SUBMIT_EVIDENCE = "submit_evidence"
    RECORD_SITE_VISIT = "record_site_visit"
    SUBMIT_FINDINGS = "submit_findings"
    SUBMIT_RECTIFICATION = "submit_rectification"
    ADMIT = "admit"  # the bureau accepts the complaint for handling (受理)
    DECLINE = "decline"  # the bureau does not accept it, on a ground the law gives (不予受理)
    TRANSFER = "transfer"  # a bureau not competent passes the case to the one that is (移送)


class TaskKind(StrEnum):
    EVALUATION = "evaluation"
    VERIFICATION = "verification"


class TaskStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its opening date
    OPEN = "open"
    DONE = "done"
    EXPIRED = "expired"


class PenaltyKind(StrEnum):
    """The penalties of the Consumer Rights Protection Law art. 56, lightest first."""

    FINE = "fine"
    SUSPENSION = "suspension"  # of sales and business (责令停业整顿)
    REVOCATION = "revocation"  # of the business licence

    @property
    def weight(self) -> int:
        return list(PenaltyKind).index(self)


class WarningStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"  # rectification verified
    ESCALATED = "escalated"  # rectification overdue or not effective: a penalty followed
    SUPERSEDED = "superseded"  # the business licence was revoked while it stood
    WITHDRAWN = "withdrawn"  # its violations withdrawn: its case repeated an earlier one


class PenaltyStatus(StrEnum):
    """A penalty's life: proposed, decided, then as its kind has it. A fine is paid or falls
    overdue; a suspension is in force until verified rectification lifts it; a revocation is
    final. `confirmed` is a penalty decided before penalties had lives of their own."""

    PROPOSED = "proposed"  # the enterprise may state its case (and ask for a hearing)
    HEARING = "hearing"  # the enterprise asked for a hearing: it is held before the decision
    AWAITING_DECISION = "awaiting_decision"
    DROPPED = "dropped"
    PAYMENT_DUE = "payment_due"  # a fine decided, its payment window open
    PAID = "paid"
    OVERDUE = "overdue"  # a fine unpaid by its due date: the late-payment surcharge accrues
    IN_FORCE = "in_force"  # a suspension
    LIFTED = "lifted"  # a suspension ended by verified rectification
    REVOKED = "revoked"  # the business licence: the end of the ladder
    SUPERSEDED = "superseded"  # ended by the licence's revocation: a suspension, or a proposal from before
    CONFIRMED = "confirmed"

    @property
    def pending(self) -> bool:
        """Proposed and not yet decided."""
        return self in (PenaltyStatus.PROPOSED, PenaltyStatus.HEARING, PenaltyStatus.AWAITING_DECISION)

    @property
    def decided(self) -> bool:
        return not self.pending and self is not PenaltyStatus.DROPPED

    @property
    def standing(self) -> bool:
        """Still weighing on the enterprise: undecided, unpaid, in force, or final."""
        return self.pending or self in (
            PenaltyStatus.PAYMENT_DUE,
            PenaltyStatus.OVERDUE,
            PenaltyStatus.IN_FORCE,
            PenaltyStatus.REVOKED,
            PenaltyStatus.CONFIRMED,
        )


class DecisionOutcome(StrEnum):
    CONFIRM = "confirm"
    AMEND = "amend"
    DROP = "drop"


class SupervisionAction(StrEnum):
    """What parties ask of an enterprise's supervision; each is a signal of the same name."""

    SUBMIT_STATEMENT = "submit_statement"
    DECIDE_PENALTY = "decide_penalty"
    SUBMIT_ORDER_REPORT = "submit_order_report"
    VERIFY_ORDER = "verify_order"
    REQUEST_HEARING = "request_hearing"
    SCHEDULE_HEARING = "schedule_hearing"
    RECORD_HEARING = "record_hearing"
    RECORD_PAYMENT = "record_payment"
    VERIFY_SUSPENSION = "verify_suspension"

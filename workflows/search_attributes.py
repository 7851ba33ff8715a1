"""The custom search attributes cases and supervisions carry, declared once, and the values a
case gives them. None holds personal data."""

from temporalio import workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

with workflow.unsafe.imports_passed_through():
    from domain.complaint.messages import ComplaintIntake
    from domain.complaint.state import CaseState
    from domain.enums import CaseStatus
    from domain.supervision.state import EnterpriseState

CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
ENTERPRISE_CODE = SearchAttributeKey.for_keyword("EnterpriseCode")
REGION_CODE = SearchAttributeKey.for_keyword("RegionCode")
CATEGORY = SearchAttributeKey.for_keyword("Category")
PRIORITY = SearchAttributeKey.for_keyword("Priority")
SEVERITY = SearchAttributeKey.for_keyword("Severity")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
SUPERVISION_LEVEL = SearchAttributeKey.for_int("SupervisionLevel")

ALL = (
    CASE_STATUS,
    ENTERPRISE_CODE,
    REGION_CODE,
    CATEGORY,
    PRIORITY,
    SEVERITY,
    OVERDUE,
    ESCALATION_LEVEL,
    SUPERVISION_LEVEL,
)


def at_intake(intake: ComplaintIntake) -> TypedSearchAttributes:
    """What a case is found by from the moment it is started, before triage."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(CASE_STATUS, CaseStatus.RECEIVED.value),
            SearchAttributePair(ENTERPRISE_CODE, intake.enterprise.credit_code),
            SearchAttributePair(REGION_CODE, intake.region_code),
            SearchAttributePair(CATEGORY, intake.category.value),
        ]
    )


def of_case(case: CaseState) -> list[SearchAttributeUpdate]:
    """What a case is found by as it goes."""
    return [
        CASE_STATUS.value_set(case.status.value),
        ENTERPRISE_CODE.value_set(case.enterprise_code),
        REGION_CODE.value_set(case.intake.region_code),
        CATEGORY.value_set(case.triage.category.value),
        PRIORITY.value_set(case.triage.priority.value),
        SEVERITY.value_set(case.triage.severity.value),
        OVERDUE.value_set(case.overdue),
        ESCALATION_LEVEL.value_set(case.escalation_level),
    ]


def of_enterprise(state: EnterpriseState) -> list[SearchAttributeUpdate]:
    return [ENTERPRISE_CODE.value_set(state.credit_code), SUPERVISION_LEVEL.value_set(state.level)]


def cli_flags() -> list[str]:
    """`--search-attribute NAME=Type` for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "BOOL": "Bool", "INT": "Int"}
    return [f"--search-attribute={key.name}={kinds[key.indexed_value_type.name]}" for key in ALL]

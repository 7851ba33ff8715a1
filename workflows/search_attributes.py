"""The custom search attributes cases carry, declared once. None holds personal data."""

from temporalio.common import SearchAttributeKey

CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
ENTERPRISE_CODE = SearchAttributeKey.for_keyword("EnterpriseCode")
REGION_CODE = SearchAttributeKey.for_keyword("RegionCode")
CATEGORY = SearchAttributeKey.for_keyword("Category")
PRIORITY = SearchAttributeKey.for_keyword("Priority")
SEVERITY = SearchAttributeKey.for_keyword("Severity")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
SUPERVISION_LEVEL = SearchAttributeKey.for_int("SupervisionLevel")

# What a complaint workflow keeps up to date, in this order.
CASE = (CASE_STATUS, ENTERPRISE_CODE, REGION_CODE, CATEGORY, PRIORITY, SEVERITY, OVERDUE, ESCALATION_LEVEL)
ALL = (*CASE, SUPERVISION_LEVEL)


def cli_flags() -> list[str]:
    """`--search-attribute NAME=Type` for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "BOOL": "Bool", "INT": "Int"}
    return [f"--search-attribute={key.name}={kinds[key.indexed_value_type.name]}" for key in ALL]

"""Rule-based triage from the policy."""

from decimal import Decimal

from domain.enums import Category, Channel, Priority, Severity
from domain.policy import parse_policy
from domain.triage import triage
from settings import DEFAULTS

RULES = parse_policy((DEFAULTS / "policy.toml").read_text()).triage


def run(
    description: str = "用了两周坏了",
    category: Category = Category.PRODUCT_QUALITY,
    amount: str | None = "199",
    earlier: int = 0,
    product: str = "电热水壶",
):  # type: ignore[no-untyped-def]
    return triage(
        RULES,
        category=category,
        channel=Channel.WEB,
        description=description,
        product_name=product,
        amount=Decimal(amount) if amount else None,
        earlier_complaints=earlier,
    )


def test_a_safety_hazard_is_critical_and_first_in_line() -> None:
    result = run("充电时冒烟,差点起火")
    assert (result.category, result.severity, result.priority, result.rule) == (
        Category.SAFETY_HAZARD,
        Severity.CRITICAL,
        Priority.P1,
        "safety-hazard",
    )
    assert result.reasons == ["safety-hazard: mentions '起火', '冒烟'"]


def test_english_keywords_match_whole_words_only() -> None:
    assert run("the heater caught fire").rule == "safety-hazard"
    assert run("the technician was fired and never came back").rule == "default"


def test_rules_apply_in_order() -> None:
    assert run(category=Category.FALSE_ADVERTISING).rule == "fraud"
    assert run(amount="12000").rule == "high-value" and run(amount="12000").priority is Priority.P2
    assert run(amount=None).rule == "default"
    attitude = run("客服态度很差", category=Category.SERVICE_ATTITUDE)
    assert (attitude.severity, attitude.priority) == (Severity.MINOR, Priority.P4)


def test_repeat_complaints_against_one_enterprise_raise_priority() -> None:
    assert run(earlier=1).priority is Priority.P3
    repeated = run(earlier=2)
    assert repeated.priority is Priority.P2 and repeated.rule == "default+repeat-enterprise"
    assert "2 earlier complaints in 90 days" in repeated.reasons[1]
    assert run("起火了", earlier=5).priority is Priority.P1  # nothing above first in line

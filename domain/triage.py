"""Rule-based triage: category, severity and priority from the policy's ordered rules."""

import re
from decimal import Decimal

from pydantic import BaseModel

from domain.enums import Category, Channel, Priority, Severity
from domain.policy import TriagePolicy, TriageRule


class Triage(BaseModel):
    category: Category
    severity: Severity
    priority: Priority
    rule: str
    reasons: list[str]
    repeat: bool = False  # earlier complaints against the enterprise raised the priority


def _keyword_hit(keyword: str, text: str) -> bool:
    if keyword.isascii():
        return re.search(rf"\b{re.escape(keyword)}\b", text) is not None
    return keyword in text


def _matches(
    rule: TriageRule, category: Category, channel: Channel, text: str, amount: Decimal | None
) -> list[str] | None:
    """The reasons the rule matches, or None."""
    reasons = []
    if rule.categories:
        if category not in rule.categories:
            return None
        reasons.append(f"category {category}")
    if rule.channels:
        if channel not in rule.channels:
            return None
        reasons.append(f"channel {channel}")
    if rule.keywords:
        hits = [k for k in rule.keywords if _keyword_hit(k, text)]
        if not hits:
            return None
        reasons.append("mentions " + ", ".join(repr(k) for k in hits))
    if rule.min_amount is not None:
        if amount is None or amount < rule.min_amount:
            return None
        reasons.append(f"amount {amount} ≥ {rule.min_amount}")
    return reasons


def triage(
    policy: TriagePolicy,
    *,
    category: Category,
    channel: Channel,
    description: str,
    product_name: str,
    amount: Decimal | None,
    earlier_complaints: int,
) -> Triage:
    """Apply the first matching rule, then raise priority for a repeatedly complained-of enterprise."""
    text = f"{product_name}\n{description}".lower()
    for rule in policy.rules:
        reasons = _matches(rule, category, channel, text, amount)
        if reasons is not None:
            break
    else:  # unreachable: the policy guarantees a catch-all last rule
        raise ValueError("no triage rule matched")
    result = Triage(
        category=rule.set_category or category,
        severity=rule.severity,
        priority=rule.priority,
        rule=rule.name,
        reasons=[f"{rule.name}: " + ("; ".join(reasons) or rule.description or "no other rule matched")],
    )
    if earlier_complaints >= policy.repeat_threshold:
        raised = result.priority.raised()
        result.reasons.append(
            f"repeat-enterprise: {earlier_complaints} earlier complaints in "
            f"{policy.repeat_window_days} days, priority {result.priority} → {raised}"
        )
        result.priority, result.repeat = raised, True
        result.rule += "+repeat-enterprise"
    return result

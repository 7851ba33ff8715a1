"""The policy file: typed, versioned, and refused when it does not make sense."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.policy import Window, parse_policy
from settings import DEFAULTS

DEFAULT = (DEFAULTS / "policy.toml").read_text()


def test_the_default_policy_holds_the_plans_windows() -> None:
    policy = parse_policy(DEFAULT)
    assert policy.version == "2026.5" and policy.timezone == "Asia/Shanghai"
    assert policy.windows.response == Window(hours=24)
    assert policy.windows.resolution == Window(working_days=3)
    assert policy.warning_fraction == 0.75
    assert policy.triage.rules[-1].catch_all and len(policy.digest) == 64


def test_the_default_policy_holds_the_penalty_procedures_figures() -> None:
    """Administrative Penalty Law 2021 art. 63, 64, 67, 72 and 85, as the file states them."""
    policy = parse_policy(DEFAULT)
    windows, rules = policy.windows, policy.supervision
    assert windows.statement == windows.hearing_request == Window(working_days=5)
    assert windows.payment == Window(days=15, extend_past_rest_days=True)
    assert rules.hearing.fine_threshold == 100000 and rules.hearing.notice == Window(working_days=7)
    assert [k.value for k in rules.hearing.kinds] == ["suspension", "revocation"]
    assert (rules.late_payment.daily_rate, rules.late_payment.cap) == (Decimal("0.03"), Decimal(1))


def test_the_digest_follows_the_content() -> None:
    assert parse_policy(DEFAULT).digest != parse_policy(DEFAULT + "\n# a comment\n").digest


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace('version = "2026.5"\n', ""), "version"),
        (
            lambda t: t.replace("response = { hours = 24 }", "response = { hours = 24, days = 1 }"),
            "exactly one",
        ),
        (
            lambda t: t.replace("response = { hours = 24 }", "response = { hours = 0 }"),
            "greater than or equal to 1",
        ),
        (lambda t: t.replace("warning_fraction = 0.75", "warning_fraction = 1.5"), "less than 1"),
        (
            lambda t: t.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'),
            "not a known time zone",
        ),
        (
            lambda t: t.replace(
                'name = "default"\ndescription = "Every other complaint"\n',
                'name = "default"\ndescription = "x"\nchannels = ["web"]\n',
            ),
            "last triage rule",
        ),
        (lambda t: t.replace('name = "fraud"', 'name = "high-value"'), "unique"),
        (lambda t: t + "\nsurprise = 1\n", "Extra inputs"),
        (lambda t: t.replace('priority = "p4"', 'priority = "p9"'), "priority"),
        (
            lambda t: t.replace('kinds = ["suspension", "revocation"]', 'kinds = ["fine", "revocation"]'),
            "a fine is heard by its amount",
        ),
        (lambda t: t.replace("daily_rate = 0.03", "daily_rate = 0"), "greater than 0"),
    ],
)
def test_a_policy_that_does_not_make_sense_is_refused(change, problem: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValidationError, ValueError), match=problem):
        parse_policy(change(DEFAULT))

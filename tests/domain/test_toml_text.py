"""A policy written back as TOML reads as the same policy."""

import tomllib
from datetime import date

from domain.policy import parse_policy
from domain.toml_text import dumps
from settings import DEFAULTS


def test_the_policy_in_force_reads_the_same_once_written_back() -> None:
    text = (DEFAULTS / "policy.toml").read_text()
    data = tomllib.loads(text)
    again = dumps(data)
    assert tomllib.loads(again) == data
    assert parse_policy(again).model_dump(exclude={"digest"}) == parse_policy(text).model_dump(
        exclude={"digest"}
    )


def test_each_kind_of_value_survives() -> None:
    data = {
        "name": '引号 " 与 \\ 反斜杠',
        "on": True,
        "n": 3,
        "share": 0.75,
        "day": date(2026, 1, 1),
        "list": [1, 2],
        "inline": [{"days": 30}, {"working_days": 5, "extend": False}],
        "a": {"b": {"c": "deep"}, "x": 1},
        "odd key": 1,
    }
    assert tomllib.loads(dumps(data)) == data

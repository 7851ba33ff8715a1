"""The charts drawn as SVG: each bar as long as its value against the axis' top, a gap where
there is no figure, every text escaped, and the chart named for a screen reader."""

import re

from web.core.charts import FOOT, HEAD, Bar, columns, rows


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\w+)="([^"]*)"', r)) for r in re.findall(r"<rect ([^>]*)>", svg)]


def test_columns_stand_as_tall_as_their_values_on_a_round_top() -> None:
    svg = columns(
        "收到的投诉",
        [Bar("11-01", 0, "0"), Bar("11-02", 40, "40"), Bar("11-03", None, "—"), Bar("11-04", 80, "80")],
    )
    assert svg.startswith('<svg class="chart"') and 'role="img" aria-label="收到的投诉"' in svg
    drawn = rects(svg)
    assert len(drawn) == 3  # no column where there is no figure
    plot = 200 - FOOT - HEAD
    assert [float(r["height"]) for r in drawn] == [0.0, plot / 2, plot]  # the top: 80, itself round
    assert "<title>11-02: 40</title>" in svg and ">80<" in svg and ">40<" in svg
    assert ">8<" in columns("t", [Bar("a", 7, "7")])  # 7 rounds up to a top of 8
    assert ">60<" in columns("t", [Bar("a", 45, "45")])


def test_rows_lie_as_long_as_their_share_of_the_top_given() -> None:
    svg = rows(
        "按企业",
        [
            ("<甲>", [Bar("in_time", 0.5, "50.0%"), Bar("resolved", 1.0, "100.0%")]),
            ("乙", [Bar("in_time", None, "—"), Bar("resolved", 0.25, "25.0%")]),
        ],
        top=1.0,
    )
    drawn = rects(svg)
    assert [r["class"] for r in drawn] == ["s0", "s1", "s1"]
    widths = [float(r["width"]) for r in drawn]
    assert widths[0] * 2 == widths[1] == widths[2] * 4
    assert "&lt;甲&gt;" in svg and "<甲>" not in svg  # names escaped
    assert ">50%<" in rows("t", [("a", [Bar("x", 0.3, "30.0%")])], top=1.0, percent=True)

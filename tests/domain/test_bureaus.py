"""The bureaus as their division codes make them: the tree, each bureau's area, and the bureau
that handles a complaint."""

import pytest

from domain.bureaus import TOP, BureauLevel, BureauTree, Domicile, area_prefix, covers
from settings import DEFAULTS

TREE = BureauTree.parse(
    """
[bureaus]
"000000" = "总局"
"440000" = "广东省局"
"440300" = "深圳市局"
"440305" = "南山局"
"440306" = "宝安局"
"440106" = "天河区局"
"""
)


def test_each_bureau_hangs_under_the_nearest_bureau_above_it() -> None:
    parents = {code: b.parent for code, b in TREE.bureaus.items()}
    assert parents == {
        "000000": None,
        "440000": "000000",
        "440300": "440000",
        "440305": "440300",
        "440306": "440300",
        "440106": "440000",  # no Guangzhou bureau: the province's
    }
    assert [TREE.bureaus[c].level for c in ("440305", "440300", "440000", TOP)] == [
        BureauLevel.COUNTY,
        BureauLevel.CITY,
        BureauLevel.PROVINCE,
        BureauLevel.TOP,
    ]
    assert [b.code for b in TREE.within("440300")] == ["440300", "440305", "440306"]


def test_an_area_is_every_division_its_code_begins() -> None:
    assert [area_prefix(c) for c in (TOP, "440000", "440300", "440305")] == ["", "44", "4403", "440305"]
    assert covers("440300", "440305") and covers("440000", "440106") and covers(TOP, "110108")
    assert not covers("440305", "440306") and not covers("440300", "440106") and not covers("440305", None)


def test_a_complaint_goes_to_the_county_bureau_where_the_enterprise_is_registered() -> None:
    routed = TREE.route(enterprise_division="440305", complaint_division="310115")
    assert (routed.bureau, routed.rule, routed.name) == ("440305", "enterprise-division", "南山局")
    unknown = TREE.route(enterprise_division=None, complaint_division="440306")
    assert (unknown.bureau, unknown.rule) == ("440306", "complaint-division")
    assert "not in the registry" in unknown.reason


def test_a_platforms_merchant_goes_to_the_platform_operators_bureau_when_the_policy_says_so() -> None:
    platform = Domicile(name="某电商平台", division="440306")
    routed = TREE.route(enterprise_division="440305", complaint_division="310115", platform=platform)
    assert (routed.bureau, routed.rule) == ("440306", "platform-domicile")
    assert "某电商平台" in routed.reason and "440306" in routed.reason


def test_without_a_county_bureau_the_nearest_above_handles_it_and_outside_every_area_the_top() -> None:
    city = TREE.route(enterprise_division="440307", complaint_division="440307")
    assert city.bureau == "440300" and "city-level" in city.reason
    outside = TREE.route(enterprise_division="320102", complaint_division="320102")
    assert (outside.bureau, outside.rule) == (TOP, "top")


def test_a_bureaus_file_names_its_top_and_six_digit_codes() -> None:
    with pytest.raises(ValueError, match="the top"):
        BureauTree.parse('[bureaus]\n"440000" = "广东省局"\n')
    with pytest.raises(ValueError, match="6-digit"):
        BureauTree.parse('[bureaus]\n"000000" = "总局"\n"4403" = "深圳"\n')


def test_the_demo_serves_a_province_with_cities_and_counties() -> None:
    demo = BureauTree.load(DEFAULTS / "bureaus.toml")
    levels = {b.level for b in demo.within("440000")}
    assert levels == {BureauLevel.PROVINCE, BureauLevel.CITY, BureauLevel.COUNTY}
    assert demo.competent("440305").code == "440305" and demo.competent("310115").code == "310115"

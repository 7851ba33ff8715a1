"""Credit codes (GB 32100), identity numbers (GB 11643), phones, division codes, masks."""

import pytest

from db.seed import ENTERPRISES
from domain import identifiers
from domain.masking import mask_name, mask_phone


@pytest.mark.parametrize("code", [e[0] for e in ENTERPRISES] + ["91350100M000100Y43"])
def test_valid_credit_codes(code: str) -> None:
    assert identifiers.credit_code(code.lower()) == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character is '4', GB 32100 gives '3'"),
        ("91350100M000100Y4", "must be 18 characters"),
        ("91350100M0001O0Y43", "never uses: O"),
        ("B1350100M000100Y43", "registration authority"),
        ("913501A0M000100Y43", "division code"),
    ],
)
def test_invalid_credit_codes(code: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        identifiers.credit_code(code)


def test_identity_numbers() -> None:
    assert identifiers.resident_id_number("11010519491231002x") == "11010519491231002X"
    for number, reason in [
        ("110105194912310021", "check character"),
        ("110105194902300028", "birth date"),
        ("99010519491231002X", "province"),
    ]:
        with pytest.raises(ValueError, match=reason):
            identifiers.resident_id_number(number)


def test_phone_numbers_are_normalised() -> None:
    assert identifiers.phone_number("+86 138 1234 1234") == "13812341234"
    assert identifiers.phone_number("021-62345678") == "021-62345678"
    for bad in ("12812341234", "1381234123", "62345678"):
        with pytest.raises(ValueError):
            identifiers.phone_number(bad)


def test_division_codes() -> None:
    assert identifiers.division_code("440300") == "440300"
    with pytest.raises(ValueError, match="province-level"):
        identifiers.division_code("990000")


def test_masks() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("021-62345678") == "021-****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧***"
    assert mask_name("John Smith") == "J*** S****"

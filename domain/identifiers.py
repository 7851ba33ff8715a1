"""Checks for the identifiers a complaint carries: each returns the normalised value or raises
ValueError with the reason, so pydantic reports it against the field."""

import re
from datetime import date

# GB 32100-2015: the unified social credit code uses 31 characters (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_REGISTRATION_AUTHORITIES = set("123456789ANY")

# Province-level prefixes of GB/T 2260 division codes.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 18:
        raise ValueError(f"must be 18 characters, got {len(code)}")
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValueError(f"contains characters a credit code never uses: {''.join(bad)}")
    if code[0] not in _REGISTRATION_AUTHORITIES:
        raise ValueError(f"registration authority code {code[0]!r} does not exist")
    if not code[2:8].isdigit():
        raise ValueError("characters 3-8 must be the registering authority's division code")
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValueError(f"check character is {code[17]!r}, GB 32100 gives {expected!r}")
    return code


def division_code(value: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError("must be a 6-digit administrative division code")
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"{code[:2]} is not a province-level division")
    return code


def phone_number(value: str) -> str:
    """A mainland mobile (11 digits) or landline with area code; +86 and spaces are dropped."""
    number = re.sub(r"[\s()]", "", value)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if _MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number):
        return number
    raise ValueError("must be a mainland mobile number (11 digits) or a landline with its area code")


def resident_id_number(value: str) -> str:
    """An 18-character resident identity card number (GB 11643), check digit and birth date verified."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueError("must be 17 digits and a check character (digit or X)")
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"{number[:2]} is not a province-level division")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("the birth date it holds does not exist") from None
    if born.year < 1900:
        raise ValueError("the birth date it holds is not possible")
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise ValueError(f"check character is {number[17]!r}, expected {expected!r}")
    return number

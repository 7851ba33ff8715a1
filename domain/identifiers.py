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

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


# The shapes each identifier takes, as the API's schema states them (ECMA-262 regular
# expressions, which Python reads alike). What a check character or a birth date adds is
# checked by the functions below; the schema names it as the format.
CREDIT_CODE_SHAPE = (
    "[1-9ANYany][0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy][0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}"
)
RESIDENT_ID_SHAPE = "[1-8][0-9]{16}[0-9Xx]"
DIVISION_CODE_PATTERN = "(?:" + "|".join(sorted(PROVINCE_PREFIXES)) + ")[0-9]{4}"
_MOBILE = "1[3-9][0-9](?:[ -]?[0-9]{4}){2}"
_LANDLINE = r"(?:0[0-9]{2,3}|\(0[0-9]{2,3}\))[ -]?[0-9]{7,8}(?:-[0-9]{1,6})?"
PHONE_PATTERN = rf"(?:\+86|0086)? ?(?:{_MOBILE}|{_LANDLINE})"


def anchored(pattern: str) -> str:
    """The pattern as the schema states it: the whole value."""
    return f"^(?:{pattern})$"


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def resident_id_check_character(first17: str) -> str:
    """The 18th character of a resident identity card number whose first 17 digits are given."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


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
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValueError("must be a 6-digit administrative division code")
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"{code[:2]} is not a province-level division")
    return code


def phone_number(value: str) -> str:
    """A mainland mobile (11 digits, spaced or hyphenated in groups of 3-4-4) or a landline
    with its area code; +86 and spaces are dropped."""
    number = value.strip()
    if not re.fullmatch(PHONE_PATTERN, number):
        raise ValueError("must be a mainland mobile number (11 digits) or a landline with its area code")
    number = re.sub(r"^(\+86|0086)", "", number).replace(" ", "").replace("(", "").replace(")", "")
    return number.replace("-", "") if number.startswith("1") else number


def resident_id_number(value: str) -> str:
    """An 18-character resident identity card number (GB 11643), check digit and birth date verified."""
    number = value.strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValueError("must be 17 digits and a check character (digit or X)")
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"{number[:2]} is not a province-level division")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("the birth date it holds does not exist") from None
    if born.year < 1900:
        raise ValueError("the birth date it holds is not possible")
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        raise ValueError(f"check character is {number[17]!r}, expected {expected!r}")
    return number

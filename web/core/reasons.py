"""Why a field was refused, in the page's language: the same reasons the API gives, translated.

The API's reasons are English. Pydantic's own are translated by their error type and its
context; the project's own rules by their English text, each a message of the catalogs with
its varying parts named (`must be 18 characters, got {count}`), so the catalog's translation is
filled with the same parts. A reason no catalog message matches is shown as the API gives it.
"""

import re
from collections.abc import Iterable
from functools import cache

from services.errors import FieldError
from services.fields import SPACE
from web.core.i18n import N_, Language

# Pydantic's errors, by type; the context's names fill the message.
BY_KIND = {
    "missing": N_("is required"),
    "string_too_short": N_("must be at least {min_length} characters long"),
    "string_too_long": N_("must be at most {max_length} characters long"),
    "string_pattern_mismatch": N_("is not in the expected form"),
    "enum": N_("must be one of the choices offered"),
    "literal_error": N_("must be one of the choices offered"),
    "bool_parsing": N_("must be yes or no"),
    "bool_type": N_("must be yes or no"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "greater_than": N_("must be more than {gt}"),
    "too_short": N_("choose at least {min_length}"),
    "too_long": N_("choose at most {max_length}"),
    "decimal_max_places": N_("must have at most {decimal_places} decimal places"),
    "decimal_max_digits": N_("must have at most {max_digits} digits"),
    "extra_forbidden": N_("unknown field"),
    "timezone_aware": N_("must include a time zone, e.g. 2026-12-01T09:30:00+08:00"),
}
# A text field that must hold something besides white space says so by its pattern.
NOT_BLANK = N_("must not be empty")

# The project's own reasons; `{name}` stands for a part that varies.
OWN = [
    N_("must not be empty"),
    N_("must be an amount in yuan, e.g. 199 or 199.50"),
    N_("must be a date written YYYY-MM-DD"),
    N_("must be a date and time, e.g. 2026-12-01T09:30:00+08:00"),
    N_("must include a time zone, e.g. 2026-12-01T09:30:00+08:00"),
    N_("is in the future"),
    N_("is before 1980"),
    N_("is more than 30 days ago"),
    N_("is after the complaint was received"),
    N_("required for an enterprise not yet in the registry"),
    N_("must be 18 characters, got {count}"),
    N_("contains characters a credit code never uses: {chars}"),
    N_("registration authority code {code} does not exist"),
    N_("characters 3-8 must be the registering authority's division code"),
    N_("check character is {given}, GB 32100 gives {expected}"),
    N_("must be a 6-digit administrative division code"),
    N_("{code} is not a province-level division"),
    N_("must be a mainland mobile number (11 digits) or a landline with its area code"),
    N_("must be 17 digits and a check character (digit or X)"),
    N_("the birth date it holds does not exist"),
    N_("the birth date it holds is not possible"),
    N_("check character is {given}, expected {expected}"),
    N_("is not a valid e-mail address"),
    N_("must not be in the future"),
    N_("unknown field"),
    N_("{name}: is not a PDF, JPEG, PNG or office document"),
    N_("{name}: is empty"),
    N_("{name}: is larger than {size}"),
    N_("{name}: a file's name holds no path or control characters"),
    N_("{name}: a file's name is at most {n} characters"),
    N_("{name}: has no name"),
    N_("at most {n} files at once"),
    N_("use a month (2026-11), a quarter (2026-Q4), a year (2026) or 2026-11-01..2026-12-01"),
    N_("the period ends before it starts"),
    N_("must not be before since"),
    N_("no such account"),
    N_("is taken"),
    N_("must be a month (2026-11), a quarter (2026-Q3) or a year (2026)"),
    N_("has not begun"),
    N_("with the late ones, more than every complaint"),
    N_("no such enterprise in the registry"),
    N_("no such agency"),
    N_("given only with the role it belongs to"),
    N_("an enterprise's account names its enterprise"),
    N_("only an enterprise's account names an enterprise"),
    N_("an evaluator's account names its agency"),
    N_("only an evaluator's account names an agency"),
    N_("must be in the future"),
    N_("must be within {n} days"),
    N_("must be one of the choices offered"),
    N_("more than {n} points: choose a longer grain"),
    N_("required: the time the complaint was received"),
    N_("was imported before with other content; correct that case instead"),
    N_("choose the export to import"),
    N_("is larger than {size}; split the export"),
    N_("the heading row lacks the columns: {columns}"),
    N_("the file is neither UTF-8 nor GB18030 text, nor an XLSX workbook"),
    N_("the file has no heading row"),
    N_("the workbook has no sheet"),
    N_("not an XLSX workbook: {error}"),
    N_("not a CSV file: {error}"),
    N_("is not UTF-8 text"),
    N_("is not TOML: {error}"),
]
_PART = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for message in OWN:
        pattern = "".join(
            f"(?P<{piece}>.+?)" if i % 2 else re.escape(piece) for i, piece in enumerate(_PART.split(message))
        )
        out.append((re.compile(pattern + r"\Z"), message))
    return out


def translate(error: FieldError, lang: Language) -> str:
    """The reason for a field, in the page's language."""
    if error.kind == "string_pattern_mismatch" and SPACE in str(error.context.get("pattern", "")):
        return lang.gettext(NOT_BLANK)
    if error.kind.startswith("value_error") and error.reason.startswith("value is not a valid email address"):
        return lang.gettext("is not a valid e-mail address")
    if error.kind in BY_KIND and not error.kind.startswith("value_error"):
        try:
            return lang.gettext(BY_KIND[error.kind], **error.context)
        except (KeyError, IndexError):
            pass
    for pattern, message in _patterns():
        if found := pattern.match(error.reason):
            return lang.gettext(message, **{k: v.strip("'") for k, v in found.groupdict().items()})
    return error.reason


def by_field(errors: Iterable[FieldError], lang: Language) -> dict[str, str]:
    """Each refused field's reason (the first, where a field has several), by its dotted name."""
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error.field, translate(error, lang))
    return out

"""Schemathesis hooks (`SCHEMATHESIS_HOOKS`): values for the formats the API's schema names but a
generator cannot know, so that generated requests the schema calls valid are valid.

- `gb32100-credit-code`: the registered demo enterprises' codes (an unregistered enterprise is
  named in the request, which the schema cannot make depend on the registry);
- `gb11643-id-number`: numbers with a real birth date and their check character;
- `period`: the metrics' periods, one of each kind;
- `date`, `date-time`: days and moments within what the schema's descriptions allow (receipt
  within the last 30 days, purchases since 1980 and before receipt, visits not in the future), and
  the audit log's window running forward;
- `staff-username`: a supervisor's or an admin's username, who may preside over a hearing;
- `agency-id`: the demo's evaluation agencies, which an evaluator's account names;
- `bureau-code`: the bureaus the demo serves, one of which a staff account may belong to;
- `notice-date-time`: a hearing's moment, the policy's notice ahead (weeks ahead, past any
  holiday);
- `expiry-date-time`: when an API key stops working, ahead and within the 732 days allowed;
- `hotline-export`, `import-mapping`: a bulk import's file, a CSV of good rows under the
  template's headings, and its mapping, the template's own.
"""

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.hooks import HookContext

from db.seed import AGENCIES, ENTERPRISES
from domain.bureaus import BureauTree
from domain.identifiers import resident_id_check_character
from settings import DEFAULTS
from tests.support.exports import csv_bytes, good_row

CREDIT_CODES = [code for code, _, _ in ENTERPRISES]


def _id_number(born: date, serial: int) -> str:
    first = f"110105{born:%Y%m%d}{serial:03d}"
    return first + resident_id_check_character(first)


now = datetime.now(UTC).replace(microsecond=0)


def _ago(seconds: int) -> str:
    return (now - timedelta(seconds=seconds)).isoformat()


schemathesis.openapi.format("gb32100-credit-code", st.sampled_from(CREDIT_CODES))
schemathesis.openapi.format(
    "gb11643-id-number",
    st.builds(_id_number, st.dates(date(1930, 1, 1), date(2008, 1, 1)), st.integers(0, 999)),
)
PERIODS = ["2026-11", "2026-Q4", "2026", "2026-11-01..2026-12-01"]
schemathesis.openapi.format("period", st.sampled_from(PERIODS))
schemathesis.openapi.format(
    "date", st.dates(date(1980, 1, 1), (now - timedelta(days=31)).date()).map(date.isoformat)
)
schemathesis.openapi.format(
    "date-time",
    st.integers(60, 29 * 86400).map(_ago),
)
schemathesis.openapi.format("staff-username", st.sampled_from(["supervisor", "admin"]))
schemathesis.openapi.format("agency-id", st.sampled_from([agency for agency, _ in AGENCIES]))
BUREAUS = sorted(BureauTree.load(DEFAULTS / "bureaus.toml").bureaus)
schemathesis.openapi.format("bureau-code", st.sampled_from(BUREAUS))
schemathesis.openapi.format("notice-date-time", st.integers(30 * 86400, 90 * 86400).map(lambda s: _ago(-s)))
schemathesis.openapi.format(
    "hotline-export",
    st.integers(0, 999).map(lambda i: csv_bytes([good_row(i)], "utf-8").decode("utf-8")),
)
schemathesis.openapi.format("import-mapping", st.just((DEFAULTS / "import_template.toml").read_text()))
schemathesis.openapi.format("expiry-date-time", st.integers(3600, 700 * 86400).map(lambda s: _ago(-s)))


@schemathesis.hook
def map_query(context: HookContext, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audit log's window runs forward: `until` not before `since`, as its description says."""
    if not query or context.operation is None or context.operation.path != "/api/audit-log":
        return query
    try:
        since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
    except (KeyError, TypeError, ValueError):
        return query
    if since > until:
        query["since"], query["until"] = query["until"], query["since"]
    return query


_keys = itertools.count()


@schemathesis.hook
def map_headers(context: HookContext, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    """A valid Idempotency-Key is a new one each time: a key used again for another request is
    refused, as it should be, and generated requests are not meant as repeats."""
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[!-~]{8,100}", key):
        assert headers is not None
        headers["Idempotency-Key"] = f"{key[:80]}-{next(_keys)}"
    return headers

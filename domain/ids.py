"""Every name built from parts, each by one function: tracking numbers and the consumer's
access code, workflow ids, task ids, the ids of warnings, penalties and notices, notification
keys, and the names of activities and Schedules. No id carries personal data.

The access code is derived from the tracking number with the server's secret (HMAC-SHA256),
so it is never stored and can be shown again for a repeated intake request.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.enums import TaskKind

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
TRACKING_PREFIX = "CP"
ACCESS_CODE_LENGTH = 10


def new_tracking_no(received_at: datetime, tz: ZoneInfo) -> str:
    """`CP20261201-7KQ2MX`: the day of receipt and six random characters."""
    day = received_at.astimezone(tz).strftime("%Y%m%d")
    return f"{TRACKING_PREFIX}{day}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def access_code(secret: bytes, tracking_no: str) -> str:
    digest = hmac.new(secret, f"access:{tracking_no}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(ACCESS_CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def access_code_matches(secret: bytes, tracking_no: str, code: str) -> bool:
    given = code.strip().upper().replace("-", "").replace(" ", "")
    return hmac.compare_digest(access_code(secret, tracking_no), given)


# --- workflows ---------------------------------------------------------------------------------


def complaint_workflow_id(tracking_no: str) -> str:
    return f"complaint-{tracking_no}"


def enterprise_workflow_id(credit_code: str) -> str:
    return f"enterprise-{credit_code}"


def task_id(case_workflow_id: str, kind: TaskKind, round_: int, attempt: int = 1) -> str:
    """`complaint-<no>-verification-1`; a task started again after a failure gets `-2`, `-3`, …"""
    return f"{case_workflow_id}-{kind}-{round_}" + (f"-{attempt}" if attempt > 1 else "")


def task_key(kind: TaskKind, round_: int) -> str:
    """A task's kind and round, which its attempts share: `verification-1`."""
    return f"{kind}-{round_}"


CYCLE_REPORT = "cycle-report"  # the Schedule, and the workflow id of the runs it starts
HISTORY_ARCHIVE = "history-archive"


# --- what a supervision issues ------------------------------------------------------------------


def warning_id(number: int) -> str:
    return f"W{number}"


def penalty_id(number: int) -> str:
    return f"P{number}"


def notice_id(number: int) -> str:
    return f"N{number}"


def notification_key(source: str, seq: int, topic: str, recipient_kind: str, recipient_ref: str) -> str:
    """Unique per source (a workflow or task), event, topic and recipient: written once."""
    return f"{source}:{seq}:{topic}:{recipient_kind}:{recipient_ref}"


def notification_workflow_id(key: str) -> str:
    """The workflow that delivers one notification: started once however often it is asked."""
    return f"notification-{key}"


def violation_key(tracking_no: str, seq: int) -> str:
    """A violation as its supervision counts it: a report that arrives twice counts once."""
    return f"{tracking_no}:{seq}"


def withdrawal_key(tracking_no: str) -> str:
    """A duplicate case's withdrawal of its violations: one per case."""
    return f"{tracking_no}:withdrawn"


def verification_key(tracking_no: str, round_: int) -> str:
    return f"{tracking_no}:verification-{round_}"


class ActivityName(StrEnum):
    """The activities workflows call, by name: workflows import no activity code."""

    PREPARE_CASE = "prepare_case"
    COMPUTE_DEADLINES = "compute_deadlines"
    RECORD_CASE = "record_case"
    RECORD_TASK = "record_task"
    ASSIGN_INVESTIGATOR = "assign_investigator"
    ASSIGN_AGENCY = "assign_agency"
    REPORT_TO_ENTERPRISE = "report_to_enterprise"
    SUPERVISION_LEVEL = "supervision_level"
    RECORD_SUPERVISION = "record_supervision"
    COMPUTE_CYCLE_REPORT = "compute_cycle_report"
    RECORD_CYCLE_REPORT = "record_cycle_report"
    ARCHIVE_CLOSED_CASES = "archive_closed_cases"
    IMPORT_FILE = "import_file"
    PLAN_DELIVERIES = "plan_deliveries"
    DELIVER = "deliver"
    DEAD_LETTER = "dead_letter"
    RAISE_UNDELIVERED = "raise_undelivered"

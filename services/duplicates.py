"""Complaints filed twice, through two channels: the same consumer (their phone, compared by a
keyed hash, never in clear), the same enterprise and the same product, received within the
window (`AFTERSALES_DUPLICATE_WINDOW_DAYS`, 30 days). Each intake (one at a time or imported)
leaves its fingerprint and is compared with the others; a match marks the new case as a possible
duplicate of the earliest, with the reason. A supervisor confirms it — the case rejected as a
duplicate, naming the original — or dismisses it."""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from pydantic import Field
from sqlalchemy import select

from db.models import Complaint, DuplicateSuspicion, IntakeFingerprint
from db.session import Database
from db.writes import insert_missing
from domain.complaint.messages import ComplaintIntake
from domain.enums import Action, RejectionReason, Role
from services import cases
from services.actions import RejectIn
from services.case_view import CaseView
from services.context import Context
from services.errors import Conflict
from services.fields import Input, Note, Text
from services.outputs import ActionAccepted, LocalTime, Output
from services.principal import Principal
from settings import Settings

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)
STATUSES = ("open", "confirmed", "dismissed")


def phone_key(secret: bytes, phone: str) -> str:
    """The phone's keyed hash: the same number however written (spaces, dashes, +86)."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return hmac.new(secret, f"phone:{digits}".encode(), hashlib.sha256).hexdigest()


def product_key(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold()[:200]


async def note_intake(db: Database, settings: Settings, intake: ComplaintIntake) -> DuplicateSuspicion | None:
    """Leave the case's fingerprint; the earlier case it may repeat, if one matches."""
    key = phone_key(settings.secret, intake.consumer.phone)
    product = product_key(intake.product.name)
    window = timedelta(days=settings.duplicate_window_days)
    received = intake.received_at
    async with db.sessions() as session:
        original = await session.scalar(
            select(IntakeFingerprint)
            .where(
                IntakeFingerprint.phone_key == key,
                IntakeFingerprint.enterprise_code == intake.enterprise.credit_code,
                IntakeFingerprint.product_key == product,
                IntakeFingerprint.received_at >= received - window,
                IntakeFingerprint.received_at <= received + window,
                IntakeFingerprint.tracking_no != intake.tracking_no,
            )
            .order_by(IntakeFingerprint.received_at, IntakeFingerprint.tracking_no)
            .limit(1)
        )
        fingerprint = {
            "tracking_no": intake.tracking_no,
            "phone_key": key,
            "enterprise_code": intake.enterprise.credit_code,
            "product_key": product,
            "channel": intake.channel.value,
            "received_at": received,
        }
        await insert_missing(session, IntakeFingerprint, [fingerprint], ["tracking_no"])
        if original is not None:
            days = abs((received - original.received_at).total_seconds()) / 86400
            order = "before" if original.received_at <= received else "after"
            reason = (
                f"the same consumer's phone, enterprise and product as {original.tracking_no} "
                f"({original.channel}), received {days:.0f} days {order} it"
            )
            suspicion = {
                "tracking_no": intake.tracking_no,
                "original": original.tracking_no,
                "reason": reason,
                "status": "open",
                "found_at": datetime.now(UTC),
                "note": "",
            }
            await insert_missing(session, DuplicateSuspicion, [suspicion], ["tracking_no"])
        await session.commit()
        return await session.get(DuplicateSuspicion, intake.tracking_no)


# --- for the supervisors ------------------------------------------------------------------------


class CaseBrief(Output):
    tracking_no: str
    channel: str
    received_at: LocalTime
    status: str
    enterprise_code: str
    product_name: str
    consumer_phone_masked: str


class DuplicateOut(Output):
    tracking_no: str = Field(description="the case that may be a duplicate")
    original: str = Field(description="the earlier case it may repeat")
    reason: str
    status: str = Field(description="open, confirmed or dismissed")
    found_at: LocalTime
    decided_by: str | None = None
    decided_at: LocalTime | None = None
    note: str = ""
    case: CaseBrief | None = None
    original_case: CaseBrief | None = None


class ConfirmIn(Input):
    note: Note = ""


class DismissIn(Input):
    reason: Text = Field(description="why the two are different complaints")


def _brief(row: Complaint | None) -> CaseBrief | None:
    if row is None:
        return None
    return CaseBrief(
        tracking_no=row.tracking_no,
        channel=row.channel,
        received_at=row.received_at,
        status=row.status,
        enterprise_code=row.enterprise_code,
        product_name=row.product_name,
        consumer_phone_masked=row.consumer_phone_masked,
    )


async def _out(ctx: Context, found: list[DuplicateSuspicion], principal: Principal) -> list[DuplicateOut]:
    numbers = {s.tracking_no for s in found} | {s.original for s in found}
    rows = {
        c.tracking_no: c
        for c in (
            await ctx.session.scalars(select(Complaint).where(Complaint.tracking_no.in_(numbers)))
        ).all()
    }
    return [
        DuplicateOut(
            tracking_no=s.tracking_no,
            original=s.original,
            reason=s.reason,
            status=s.status,
            found_at=s.found_at,
            decided_by=s.decided_by,
            decided_at=s.decided_at,
            note=s.note,
            case=_brief(_seen(rows.get(s.tracking_no), principal)),
            original_case=_brief(_seen(rows.get(s.original), principal)),
        )
        for s in found
    ]


def _seen(row: Complaint | None, principal: Principal) -> Complaint | None:
    """A case of the pair, if it is in the reader's bureau's area (an original may be elsewhere)."""
    return row if row is not None and principal.covers(row.bureau_code) else None


async def pairs(
    ctx: Context, *, principal: Principal, status: str = "open", limit: int = 100
) -> list[DuplicateOut]:
    """The possible duplicates with their originals, newest first."""
    principal.require(READERS, "possible duplicates")
    mine = select(Complaint.tracking_no).where(*cases.scope(principal))
    found = await ctx.session.scalars(
        select(DuplicateSuspicion)
        .where(DuplicateSuspicion.status == status, DuplicateSuspicion.tracking_no.in_(mine))
        .order_by(DuplicateSuspicion.found_at.desc())
        .limit(limit)
    )
    return await _out(ctx, list(found), principal)


async def open_among(ctx: Context, tracking_nos: list[str]) -> dict[str, str]:
    """Of these cases (listed to their reader), those open as possible duplicates, each with its
    original."""
    found = await ctx.session.execute(
        select(DuplicateSuspicion.tracking_no, DuplicateSuspicion.original).where(
            DuplicateSuspicion.tracking_no.in_(tracking_nos), DuplicateSuspicion.status == "open"
        )
    )
    return {no: original for no, original in found}


async def of_case(ctx: Context, tracking_no: str, principal: Principal) -> list[DuplicateOut]:
    """The case's own suspicion, and those naming it as the original (for its page; the caller
    has seen the case)."""
    found = await ctx.session.scalars(
        select(DuplicateSuspicion).where(
            (DuplicateSuspicion.tracking_no == tracking_no) | (DuplicateSuspicion.original == tracking_no)
        )
    )
    return await _out(ctx, list(found), principal)


async def _open(ctx: Context, principal: Principal, tracking_no: str) -> DuplicateSuspicion:
    await cases.visible_case(ctx, principal, tracking_no)
    principal.require(DECIDERS, "deciding a possible duplicate")
    suspicion = await ctx.session.get(DuplicateSuspicion, tracking_no)
    if suspicion is None or suspicion.status != "open":
        raise Conflict(f"{tracking_no} is not an open possible duplicate")
    return suspicion


async def confirm(
    ctx: Context, *, principal: Principal, tracking_no: str, body: ConfirmIn, idempotency_key: str | None
) -> CaseView | ActionAccepted:
    """The case rejected as a duplicate of its original (the workflow's own rejection), then the
    suspicion marked confirmed."""
    suspicion = await _open(ctx, principal, tracking_no)
    original = suspicion.original
    rejection = RejectIn(reason=RejectionReason.DUPLICATE, duplicate_of=original, note=body.note)
    done = await cases.act(
        ctx,
        principal=principal,
        tracking_no=tracking_no,
        action=Action.REJECT,
        body=rejection,
        idempotency_key=idempotency_key,
    )
    # The request's session was given back while the workflow acted: the mark in a session of its own.
    async with ctx.resources.db.sessions() as session:
        confirmed = await session.get(DuplicateSuspicion, tracking_no)
        assert confirmed is not None
        _decided(confirmed, "confirmed", principal, body.note)
        await session.commit()
    return done


async def dismiss(ctx: Context, *, principal: Principal, tracking_no: str, body: DismissIn) -> DuplicateOut:
    suspicion = await _open(ctx, principal, tracking_no)
    _decided(suspicion, "dismissed", principal, body.reason)
    await ctx.session.commit()
    [out] = await _out(ctx, [suspicion], principal)
    return out


def _decided(suspicion: DuplicateSuspicion, status: str, principal: Principal, note: str) -> None:
    suspicion.status, suspicion.note = status, note
    suspicion.decided_by, suspicion.decided_at = principal.actor.id, datetime.now(UTC)

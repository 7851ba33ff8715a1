"""Who am I, and what the system has told me."""

from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import and_, func, or_, select

from db.models import Account, Complaint, Enterprise, NotificationRead, NotificationRow, utcnow
from db.writes import insert_missing
from domain.bureaus import TOP
from domain.enums import RecipientKind, Role
from services import cases
from services.context import Context
from services.errors import Forbidden
from services.fields import Email, Input, Phone, RowId, requires_if_listed, stated
from services.outputs import LocalTime, Output, Page, PageRequest, paginate
from services.principal import Principal


class Me(Output):
    id: str
    username: str
    display_name: str
    role: str
    enterprise_code: str | None
    agency_id: str | None
    bureau_code: str | None = Field(default=None, description="staff: its bureau; none: the top")


class Preferences(Output):
    """How the account is told of its notifications, besides its list."""

    email: str | None
    phone: str | None
    locale: Literal["zh_CN", "en"]
    channels: list[Literal["email", "sms"]]


class PreferencesIn(Input):
    model_config = stated(
        requires_if_listed("email", "channels", "email"), requires_if_listed("phone", "channels", "sms")
    )

    email: Email | None = None
    phone: Phone | None = None
    locale: Literal["zh_CN", "en"] = "zh_CN"
    channels: list[Literal["email", "sms"]] = Field(
        default_factory=list, max_length=2, json_schema_extra={"uniqueItems": True}
    )

    @model_validator(mode="after")
    def _reachable(self) -> "PreferencesIn":
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels: a channel is named twice")
        if "email" in self.channels and not self.email:
            raise ValueError("email: needed to be told by e-mail")
        if "sms" in self.channels and not self.phone:
            raise ValueError("phone: needed to be told by text message")
        return self


class NotificationItem(Output):
    id: int
    topic: str
    subject: str  # as the workflow recorded it (English)
    tracking_no: str
    enterprise_code: str | None
    enterprise_name: str | None
    recipient_kind: str
    recipient_ref: str
    created_at: LocalTime
    delivered_at: LocalTime | None  # when the first of its e-mails (or other channels) went out
    read: bool


class Unread(Output):
    unread: int


class ReadIn(Input):
    """Which notifications were read: these, or (none given) every one of the reader's."""

    ids: list[RowId] | None = Field(default=None, max_length=500)


def me(principal: Principal) -> Me:
    return Me.model_validate(principal.account)


def _preferences(account: Account) -> Preferences:
    return Preferences.model_validate(
        {
            "email": account.email,
            "phone": account.phone,
            "locale": "en" if account.locale == "en" else "zh_CN",
            "channels": [c for c in account.channels if c in ("email", "sms")],
        }
    )


def preferences(principal: Principal) -> Preferences:
    if principal.account is None:
        raise Forbidden("preferences are an account's")
    return _preferences(principal.account)


async def set_preferences(ctx: Context, *, principal: Principal, chosen: PreferencesIn) -> Preferences:
    """The account's addresses, language and channels, all at once."""
    if principal.account is None:
        raise Forbidden("preferences are an account's")
    account = await ctx.session.get(Account, principal.account.id)
    assert account is not None
    account.email, account.phone = chosen.email, chosen.phone
    account.locale, account.channels = chosen.locale, list(chosen.channels)
    await ctx.session.commit()
    ctx.audit.detail = f"notification preferences: {', '.join(chosen.channels) or 'the list only'}"
    return _preferences(account)


def _addressed_to(principal: Principal) -> Any:
    """The outbox entries for this account, its role, its enterprise or its agency; for a role,
    of a bureau's staff, those about a case or an enterprise of its bureau's area (or about
    neither, such as a cycle report)."""
    actor = principal.actor

    def to(kind: RecipientKind, ref: str) -> Any:
        return and_(NotificationRow.recipient_kind == kind.value, NotificationRow.recipient_ref == ref)

    role = to(RecipientKind.ROLE, actor.role.value)
    if principal.bureau is not None:
        area = select(Complaint.tracking_no).where(cases.in_area(principal.bureau))
        enterprises = select(Enterprise.credit_code).where(cases.enterprise_in_area(principal.bureau))
        about_no_case = and_(
            NotificationRow.tracking_no == "",
            or_(NotificationRow.enterprise_code.is_(None), NotificationRow.enterprise_code.in_(enterprises)),
        )
        role = and_(role, or_(about_no_case, NotificationRow.tracking_no.in_(area)))
    mine = [to(RecipientKind.ACCOUNT, actor.id), role]
    if actor.role is Role.SUPERVISOR:  # its own bureau's supervisors
        mine.append(to(RecipientKind.BUREAU, principal.bureau or TOP))
    if actor.org and actor.role is Role.ENTERPRISE:
        mine.append(to(RecipientKind.ENTERPRISE, actor.org))
    if actor.org and actor.role is Role.EVALUATOR:
        mine.append(to(RecipientKind.AGENCY, actor.org))
    return or_(*mine)


def _item(row: Any) -> NotificationItem:
    n, name, read_at = row
    fields = {c: getattr(n, c) for c in NotificationItem.model_fields if hasattr(n, c)}
    return NotificationItem(**fields, enterprise_name=name, read=read_at is not None)


async def notifications(
    ctx: Context, *, principal: Principal, paging: PageRequest, unread: bool = False
) -> Page[NotificationItem]:
    """The newest first; only those not read yet, if asked."""
    read = and_(
        NotificationRead.notification_id == NotificationRow.id,
        NotificationRead.account_id == principal.actor.id,
    )
    statement = (
        select(NotificationRow, Enterprise.name, NotificationRead.read_at)
        .outerjoin(Enterprise, Enterprise.credit_code == NotificationRow.enterprise_code)
        .outerjoin(NotificationRead, read)
        .where(_addressed_to(principal))
        .order_by(NotificationRow.id.desc())
    )
    if unread:
        statement = statement.where(NotificationRead.read_at.is_(None))
    return await paginate(ctx.session, statement, paging, _item)


async def unread_count(ctx: Context, *, principal: Principal) -> Unread:
    read = and_(
        NotificationRead.notification_id == NotificationRow.id,
        NotificationRead.account_id == principal.actor.id,
    )
    statement = (
        select(func.count())
        .select_from(NotificationRow)
        .outerjoin(NotificationRead, read)
        .where(_addressed_to(principal), NotificationRead.read_at.is_(None))
    )
    return Unread(unread=await ctx.session.scalar(statement) or 0)


async def mark_read(ctx: Context, *, principal: Principal, ids: list[int] | None) -> Unread:
    """Mark these notifications read (all of the reader's, with None); others' are ignored."""
    statement = select(NotificationRow.id).where(_addressed_to(principal))
    if ids is not None:
        statement = statement.where(NotificationRow.id.in_(ids))
    mine = list(await ctx.session.scalars(statement))
    rows = [{"account_id": principal.actor.id, "notification_id": i, "read_at": utcnow()} for i in mine]
    for start in range(0, len(rows), 500):
        await insert_missing(
            ctx.session, NotificationRead, rows[start : start + 500], ["account_id", "notification_id"]
        )
    await ctx.session.commit()
    return await unread_count(ctx, principal=principal)

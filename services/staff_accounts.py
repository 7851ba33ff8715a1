"""The staff's accounts, for the admins: who may sign in, with which role, for which enterprise
or agency. A password is made by the system and shown once; resetting it or disabling the
account ends the account's logins at once, and a disabled account's API keys stop working."""

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator
from sqlalchemy import select, update

from db.models import Account, Agency, Enterprise, LoginSession
from db.seed import hash_password
from domain.bureaus import TOP
from domain.enums import Role
from domain.identifiers import anchored
from services.context import Context
from services.errors import Conflict, NotFound, invalid
from services.fields import BureauCode, CreditCode, Email, Input, Name, Phone, stated
from services.outputs import LocalTime, Output
from services.principal import Principal

# The roles an account may have: every one but the consumer's (a case's access code) and the
# system's own.
StaffRole = Literal["clerk", "enterprise", "investigator", "evaluator", "supervisor", "admin", "auditor"]
USERNAME_PATTERN = r"[a-z][a-z0-9._-]{2,39}"
Username = Annotated[
    str,
    Field(
        pattern=anchored(USERNAME_PATTERN),
        description="3-40 characters: a lower-case letter, then lower-case letters, digits, '.', '_' or '-'",
    ),
]
AgencyId = Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"format": "agency-id"})]
NO_BUREAU = ("enterprise", "evaluator")  # accounts of no bureau: they see their own organisation's
_BUREAU_RULE = {
    "if": {"properties": {"role": {"enum": list(NO_BUREAU)}}, "required": ["role"]},
    "then": {"properties": {"bureau_code": {"type": "null"}}},
}


def _only_for(field: str, role: str) -> dict[str, Any]:
    """The schema's statement of an organisation's rule: `field` is given for `role`, and only
    then (the model's own validator gives the reason)."""
    return {
        "if": {"properties": {"role": {"const": role}}, "required": ["role"]},
        "then": {"properties": {field: {"not": {"type": "null"}}}, "required": [field]},
        "else": {"properties": {field: {"type": "null"}}},
    }


def _organisation_problem(role: str, enterprise_code: str | None, agency_id: str | None) -> str:
    if role == Role.ENTERPRISE and not enterprise_code:
        return "enterprise_code: an enterprise's account names its enterprise"
    if role != Role.ENTERPRISE and enterprise_code:
        return "enterprise_code: only an enterprise's account names an enterprise"
    if role == Role.EVALUATOR and not agency_id:
        return "agency_id: an evaluator's account names its agency"
    if role != Role.EVALUATOR and agency_id:
        return "agency_id: only an evaluator's account names an agency"
    return ""


def _bureau_problem(role: str | None, bureau_code: str | None) -> str:
    if role in NO_BUREAU and bureau_code:
        return f"bureau_code: an {role}'s account belongs to no bureau"
    return ""


class AccountCreate(Input):
    model_config = stated(
        _only_for("enterprise_code", "enterprise"), _only_for("agency_id", "evaluator"), _BUREAU_RULE
    )

    username: Username
    display_name: Name
    role: StaffRole
    enterprise_code: CreditCode | None = Field(default=None, description="for an enterprise's account")
    agency_id: AgencyId | None = Field(default=None, description="for an evaluator's account")
    bureau_code: BureauCode | None = Field(
        default=None, description="staff: the bureau whose area it works in"
    )
    email: Email | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _organisation(self) -> "AccountCreate":
        problem = _organisation_problem(self.role, self.enterprise_code, self.agency_id)
        if problem := problem or _bureau_problem(self.role, self.bureau_code):
            raise ValueError(problem)
        return self


class AccountChange(Input):
    """What changes; a field left out stays as it is. The role is given with its organisation
    (an enterprise's code, an evaluator's agency), which is named only with it."""

    model_config = stated(
        _only_for("enterprise_code", "enterprise"), _only_for("agency_id", "evaluator"), _BUREAU_RULE
    )

    display_name: Name | None = None
    role: StaffRole | None = None
    enterprise_code: CreditCode | None = None
    agency_id: AgencyId | None = None
    bureau_code: BureauCode | None = Field(
        default=None, description="staff: the bureau whose area it works in"
    )
    active: StrictBool | None = Field(default=None, description="false: the account is disabled")

    @model_validator(mode="after")
    def _organisation(self) -> "AccountChange":
        if self.role is None:
            if self.enterprise_code or self.agency_id:
                field = "enterprise_code" if self.enterprise_code else "agency_id"
                raise ValueError(f"{field}: given only with the role it belongs to")
        elif problem := _organisation_problem(self.role, self.enterprise_code, self.agency_id):
            raise ValueError(problem)
        if problem := _bureau_problem(self.role, self.bureau_code):
            raise ValueError(problem)
        return self


class AccountOut(Output):
    id: str
    username: str
    display_name: str
    role: str
    enterprise_code: str | None
    agency_id: str | None
    bureau_code: str | None
    email: str | None
    phone: str | None
    active: bool
    created_at: LocalTime


class NewPassword(Output):
    account: AccountOut
    password: str  # shown this once


async def list_accounts(ctx: Context, *, principal: Principal, role: str | None = None) -> list[AccountOut]:
    """Every account, by role then username; `role` only that role's."""
    principal.require([Role.ADMIN])
    statement = select(Account).order_by(Account.role, Account.username)
    if role:
        statement = statement.where(Account.role == role)
    return [AccountOut.model_validate(a) for a in await ctx.session.scalars(statement)]


async def account(ctx: Context, *, principal: Principal, account_id: str) -> AccountOut:
    principal.require([Role.ADMIN])
    return AccountOut.model_validate(await _found(ctx, account_id))


async def create_account(ctx: Context, *, principal: Principal, body: AccountCreate) -> NewPassword:
    """A new account with a password made for it, shown once."""
    principal.require([Role.ADMIN])
    if await ctx.session.scalar(select(Account.id).where(Account.username == body.username)):
        raise Conflict(f"the username {body.username} is taken")
    await _organisation_exists(ctx, body.enterprise_code, body.agency_id)
    _bureau_exists(ctx, body.bureau_code)
    password = _new_password()
    row = Account(
        id=f"acct-{secrets.token_hex(6)}",
        password_hash=hash_password(password),
        active=True,
        channels=["email"] if body.email else [],
        **body.model_dump(),
    )
    ctx.session.add(row)
    await ctx.session.commit()
    ctx.audit.detail = f"account {row.username} ({row.role}) created"
    return NewPassword(account=AccountOut.model_validate(row), password=password)


async def change_account(
    ctx: Context, *, principal: Principal, account_id: str, body: AccountChange
) -> AccountOut:
    """The account's name, role, organisation or whether it is active. An admin never disables
    their own account or gives up their own role: an admin always remains."""
    principal.require([Role.ADMIN])
    row = await _found(ctx, account_id)
    given = body.model_dump(exclude_unset=True)
    if row.id == principal.actor.id and (body.active is False or body.role not in (None, Role.ADMIN)):
        raise Conflict("an admin may not disable their own account or give up their own role")
    if body.role is not None:
        await _organisation_exists(ctx, body.enterprise_code, body.agency_id)
        row.role, row.enterprise_code, row.agency_id = body.role, body.enterprise_code, body.agency_id
        if row.role in NO_BUREAU:
            row.bureau_code = None
    if "bureau_code" in given:
        _bureau_exists(ctx, body.bureau_code)
        if body.bureau_code and row.role in NO_BUREAU:
            raise Conflict(f"the account is an {row.role}'s: it belongs to no bureau")
        row.bureau_code = body.bureau_code
    changed = [k for k in given if given[k] is not None]
    if body.display_name is not None:
        row.display_name = body.display_name
    if body.active is not None:
        row.active = body.active
        if not body.active:
            await _end_logins(ctx, row.id)
    await ctx.session.commit()
    ctx.audit.detail = f"account {row.username} changed: {', '.join(changed) or 'nothing'}"
    return AccountOut.model_validate(row)


async def reset_password(ctx: Context, *, principal: Principal, account_id: str) -> NewPassword:
    """A new password, shown once; the account's logins end."""
    principal.require([Role.ADMIN])
    row = await _found(ctx, account_id)
    password = _new_password()
    row.password_hash = hash_password(password)
    await _end_logins(ctx, row.id)
    await ctx.session.commit()
    ctx.audit.detail = f"password of {row.username} reset"
    return NewPassword(account=AccountOut.model_validate(row), password=password)


class Organisations(Output):
    """What an account may name: the registered enterprises and the agencies, as (id, name)."""

    enterprises: list[tuple[str, str]]
    agencies: list[tuple[str, str]]
    bureaus: list[tuple[str, str]]  # the top first, then each bureau after the one above it


async def organisations(ctx: Context, *, principal: Principal) -> Organisations:
    principal.require([Role.ADMIN])
    enterprises = await ctx.session.execute(
        select(Enterprise.credit_code, Enterprise.name)
        .where(Enterprise.registered.is_(True))
        .order_by(Enterprise.name)
    )
    agencies = await ctx.session.execute(select(Agency.id, Agency.name).order_by(Agency.id))
    tree = ctx.settings.bureau_tree()
    return Organisations(
        enterprises=[(c, n) for c, n in enterprises.all()],
        agencies=[(i, n) for i, n in agencies.all()],
        bureaus=[(b.code, b.name) for b in tree.within(TOP)],
    )


async def _found(ctx: Context, account_id: str) -> Account:
    row = await ctx.session.get(Account, account_id)
    if row is None:
        raise NotFound(f"no account {account_id}")
    return row


async def _organisation_exists(ctx: Context, enterprise_code: str | None, agency_id: str | None) -> None:
    if enterprise_code and await ctx.session.get(Enterprise, enterprise_code) is None:
        raise invalid("enterprise_code", "no such enterprise in the registry")
    if agency_id and await ctx.session.get(Agency, agency_id) is None:
        raise invalid("agency_id", "no such agency")


def _bureau_exists(ctx: Context, bureau_code: str | None) -> None:
    if bureau_code and ctx.settings.bureau_tree().get(bureau_code) is None:
        raise invalid("bureau_code", "no such bureau in the bureaus the system serves")


async def _end_logins(ctx: Context, account_id: str) -> None:
    await ctx.session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def _new_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits

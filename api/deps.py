"""Dependencies every router shares: settings, database, Temporal, and who is asking."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.access import access_code_matches
from db.models import Account
from db.seed import token_hash
from db.session import Database
from domain.enums import Role
from domain.messages import Actor
from settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


async def get_session(db: Annotated[Database, Depends(get_db)]) -> AsyncSession:  # type: ignore[misc]
    async with db.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a staff or enterprise account, or a consumer holding a case's access code."""

    actor: Actor
    account: Account | None = None

    @property
    def role(self) -> Role:
        return self.actor.role


async def optional_account(
    request: Request, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Authorization: expected 'Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    account = (
        await session.execute(select(Account).where(Account.token_hash == token_hash(token.strip())))
    ).scalar_one_or_none()
    if account is None or not account.active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Authorization: unknown or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    role = Role(account.role)
    org = account.enterprise_code if role is Role.ENTERPRISE else account.agency_id
    principal = Principal(
        actor=Actor(id=account.id, role=role, org=org, name=account.display_name), account=account
    )
    request.state.actor = principal.actor  # for the audit log
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_account)]


async def signed_in(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Authorization: a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def require(*roles: Role) -> Any:
    """A dependency that admits only the given roles."""

    async def check(principal: SignedIn) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(sorted(roles))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this is for: {allowed}")
        return principal

    return Depends(check)


def case_reader(
    request: Request,
    tracking_no: str,
    settings: SettingsDep,
    principal: OptionalPrincipal,
    x_access_code: Annotated[str | None, Header(description="the consumer's access code")] = None,
) -> Principal:
    """An account, or the consumer of this case proving it with the access code."""
    if principal is not None:
        return principal
    if x_access_code is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token, or the case's X-Access-Code, is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not access_code_matches(settings.secret, tracking_no, x_access_code):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {tracking_no} with this access code")
    consumer = Principal(actor=Actor(id="consumer", role=Role.CONSUMER, org=tracking_no, name="consumer"))
    request.state.actor = consumer.actor
    return consumer


CaseReader = Annotated[Principal, Depends(case_reader)]

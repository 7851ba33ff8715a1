"""Dependencies every router shares: settings, database, Temporal, and who is asking."""

from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.access import access_code_matches
from api.tokens import read_access
from db.models import Account, ApiKey, LoginSession
from db.seed import API_KEY_PREFIX, token_hash
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
    """Who is asking: an account (by login or API key), or a consumer holding a case's access code."""

    actor: Actor
    account: Account | None = None
    session_id: str | None = None  # the login, when signed in with a password

    @property
    def role(self) -> Role:
        return self.actor.role

    @classmethod
    def of(cls, account: Account, session_id: str | None = None) -> "Principal":
        role = Role(account.role)
        org = account.enterprise_code if role is Role.ENTERPRISE else account.agency_id
        return cls(
            actor=Actor(id=account.id, role=role, org=org, name=account.display_name),
            account=account,
            session_id=session_id,
        )


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, f"Authorization: {reason}", headers={"WWW-Authenticate": "Bearer"}
    )


async def optional_account(
    request: Request, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    """The account behind `Authorization: Bearer …`: an access token from a login, or an API key."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("expected 'Bearer <token>'")
    session_id = None
    if token.startswith(API_KEY_PREFIX):
        key = (
            await session.execute(select(ApiKey).where(ApiKey.key_hash == token_hash(token)))
        ).scalar_one_or_none()
        if key is None or key.revoked_at is not None:
            raise _unauthorized("unknown or revoked API key")
        account_id = key.account_id
    else:
        settings: Settings = request.app.state.settings
        try:
            claims = read_access(settings, token)
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the access token has expired; refresh it") from None
        except jwt.InvalidTokenError:
            raise _unauthorized("not a valid access token") from None
        login = await session.get(LoginSession, claims["sid"])
        if login is None or login.revoked_at is not None:
            raise _unauthorized("this login has ended")
        account_id, session_id = claims["sub"], login.id
    account = await session.get(Account, account_id)
    if account is None or not account.active:
        raise _unauthorized("the account is disabled")
    principal = Principal.of(account, session_id)
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

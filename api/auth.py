"""Logins and keys: staff sign in with a password (Argon2) for a short-lived access token
(a JWT, HS256 only, at most 30 minutes) and a refresh token; integrations use API keys.
Logging out ends the login at once; a revoked key stops working at once."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal, SessionDep, SettingsDep, SignedIn, require
from api.errors import invalid
from api.ratelimit import enforce, limit_logins
from api.schemas import Input, LocalTime, Output, ShortText
from api.tokens import issue_access
from db.models import Account, ApiKey, LoginSession
from db.seed import hash_password, new_api_key, token_hash, verify_password
from domain.enums import Role
from settings import Settings

router = APIRouter(tags=["auth"])
_NOBODY = hash_password(secrets.token_urlsafe(16))  # verified against when the username is unknown


Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Login(Input):
    username: ShortText
    password: Secret


class Refresh(Input):
    refresh_token: Secret


class Tokens(Output):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str


async def _open(session: AsyncSession, settings: Settings, account: Account) -> Tokens:
    refresh = secrets.token_urlsafe(32)
    login = LoginSession(
        id=str(uuid.uuid4()),
        account_id=account.id,
        refresh_hash=token_hash(refresh),
        expires_at=datetime.now(UTC) + timedelta(hours=settings.refresh_token_hours),
    )
    session.add(login)
    await session.commit()
    access, ttl = issue_access(settings, account, login.id)
    return Tokens(access_token=access, expires_in=ttl, refresh_token=refresh)


def _refused() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, "username or password is wrong", headers={"WWW-Authenticate": "Bearer"}
    )


@router.post(
    "/api/auth/login",
    response_model=Tokens,
    summary="Sign in with a password",
    dependencies=[Depends(limit_logins)],
)
async def login(body: Login, request: Request, session: SessionDep, settings: SettingsDep) -> Tokens:
    enforce(request.app.state.login_limiter, f"user:{body.username}", "sign-in attempts for this username")
    account = (
        await session.execute(select(Account).where(Account.username == body.username))
    ).scalar_one_or_none()
    if account is None or not account.password_hash:
        verify_password(body.password, _NOBODY)  # the same time, whoever asks
        raise _refused()
    if not verify_password(body.password, account.password_hash) or not account.active:
        raise _refused()
    request.state.actor = Principal.of(account).actor
    return await _open(session, settings, account)


@router.post(
    "/api/auth/refresh",
    response_model=Tokens,
    summary="A new access token for a refresh token",
    dependencies=[Depends(limit_logins)],
)
async def refresh(body: Refresh, session: SessionDep, settings: SettingsDep) -> Tokens:
    now = datetime.now(UTC)
    login = (
        await session.execute(
            select(LoginSession).where(LoginSession.refresh_hash == token_hash(body.refresh_token))
        )
    ).scalar_one_or_none()
    if login is None or login.revoked_at is not None or login.expires_at <= now:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "refresh_token: unknown, used, ended or expired")
    account = await session.get(Account, login.account_id)
    if account is None or not account.active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the account is disabled")
    new_refresh = secrets.token_urlsafe(32)  # each refresh token is good once
    login.refresh_hash = token_hash(new_refresh)
    await session.commit()
    access, ttl = issue_access(settings, account, login.id)
    return Tokens(access_token=access, expires_in=ttl, refresh_token=new_refresh)


@router.post("/api/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this login")
async def logout(principal: SignedIn, session: SessionDep) -> Response:
    if principal.session_id is None:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "an API key has no login to end; revoke the key instead"
        )
    login = await session.get(LoginSession, principal.session_id)
    if login is not None and login.revoked_at is None:
        login.revoked_at = datetime.now(UTC)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- API keys ---------------------------------------------------------------------------------


class KeyCreate(Input):
    account_id: ShortText
    name: ShortText


class KeyOut(Output):
    id: str
    account_id: str
    name: str
    prefix: str
    created_at: LocalTime
    revoked_at: LocalTime | None


class NewKey(KeyOut):
    key: str  # shown this once


@router.get("/api/keys", response_model=list[KeyOut], summary="API keys: all (admin), or my own")
async def list_keys(principal: SignedIn, session: SessionDep) -> list[KeyOut]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if principal.role is not Role.ADMIN:
        query = query.where(ApiKey.account_id == principal.actor.id)
    return [KeyOut.model_validate(k) for k in (await session.execute(query)).scalars()]


@router.post(
    "/api/keys",
    response_model=NewKey,
    status_code=status.HTTP_201_CREATED,
    summary="A new API key for an account (admin); the key is shown once",
)
async def create_key(
    body: KeyCreate, session: SessionDep, principal: Principal = require(Role.ADMIN)
) -> NewKey:
    account = await session.get(Account, body.account_id)
    if account is None:
        raise invalid("account_id", "no such account")
    key, row = new_api_key(account.id, body.name)
    session.add(row)
    await session.commit()
    return NewKey(**KeyOut.model_validate(row).model_dump(), key=key)


@router.delete(
    "/api/keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a key: an admin any key, anyone their own",
)
async def revoke_key(key_id: str, principal: SignedIn, session: SessionDep) -> Response:
    row = await session.get(ApiKey, key_id)
    if row is None or (principal.role is not Role.ADMIN and row.account_id != principal.actor.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

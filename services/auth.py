"""Who the caller is, and how they sign in.

Staff sign in with a password (Argon2) for a short-lived access token (a JWT, HS256 only, at
most 30 minutes) and a refresh token; integrations use API keys. Logging out ends the login at
once; a revoked key stops working at once. A consumer proves a case is theirs with its access
code. Sign-in is rate limited by address and by username."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from pydantic import Field, field_validator
from sqlalchemy import select

from db.models import Account, ApiKey, LoginSession
from db.seed import API_KEY_PREFIX, hash_password, new_api_key, token_hash, verify_password
from domain.enums import Role
from domain.ids import access_code_matches
from services.context import Context
from services.errors import BadRequest, NotFound, Unauthorized
from services.fields import AwareIsoDateTime, Input, ShortText
from services.outputs import LocalTime, Output
from services.principal import Principal
from services.tokens import issue_access, read_access

_NOBODY = hash_password(secrets.token_urlsafe(16))  # verified against when the username is unknown
# A password or a token: text as any other, stripped of the white space a paste brings, and the
# schema's pattern says so (white space alone is none).
Secret = ShortText


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


# --- who is asking -------------------------------------------------------------------------------


async def authenticate(ctx: Context, token: str) -> Principal:
    """The account behind a bearer token: an access token from a login, or an API key."""
    session_id, read_only = None, False
    if token.startswith(API_KEY_PREFIX):
        key = (
            await ctx.session.execute(select(ApiKey).where(ApiKey.key_hash == token_hash(token)))
        ).scalar_one_or_none()
        if key is None or key.revoked_at is not None:
            raise Unauthorized("unknown or revoked API key")
        if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
            raise Unauthorized("the API key has expired")
        account_id, read_only = key.account_id, key.scope == KeyScope.READ
    else:
        try:
            claims = read_access(ctx.settings, token)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; refresh it") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("not a valid access token") from None
        login = await ctx.session.get(LoginSession, claims["sid"])
        if login is None or login.revoked_at is not None:
            raise Unauthorized("this login has ended")
        account_id, session_id = claims["sub"], login.id
    account = await ctx.session.get(Account, account_id)
    if account is None or not account.active:
        raise Unauthorized("the account is disabled")
    principal = Principal.of(account, session_id, read_only=read_only)
    ctx.audit.actor = principal.actor
    return principal


def consumer(ctx: Context, tracking_no: str, code: str) -> Principal:
    """The consumer of a case, proved by its access code. A wrong code and an unknown number
    look the same: credentials that do not hold."""
    if not access_code_matches(ctx.settings.secret, tracking_no, code):
        raise Unauthorized(f"no case {tracking_no} with this access code")
    principal = Principal.consumer(tracking_no)
    ctx.audit.actor = principal.actor
    return principal


# --- signing in ----------------------------------------------------------------------------------


def _refused() -> Unauthorized:
    return Unauthorized("username or password is wrong")


async def _open(ctx: Context, account: Account) -> tuple[LoginSession, str]:
    """A new login, and its refresh token (shown this once)."""
    refresh = secrets.token_urlsafe(32)
    login = LoginSession(
        id=str(uuid.uuid4()),
        account_id=account.id,
        refresh_hash=token_hash(refresh),
        expires_at=datetime.now(UTC) + timedelta(hours=ctx.settings.refresh_token_hours),
    )
    ctx.session.add(login)
    await ctx.session.commit()
    return login, refresh


async def _limit_address(ctx: Context) -> None:
    await ctx.resources.login_limiter.enforce(ctx.client, "sign-in attempts from this address")


async def _password_holds(ctx: Context, credentials: Login) -> Account:
    """The account, if the password holds. Whoever asks, a refusal takes the same time and says
    the same; attempts are limited by address and by username."""
    await _limit_address(ctx)
    limiter = ctx.resources.login_limiter
    await limiter.enforce(f"user:{credentials.username}", "sign-in attempts for this username")
    account = (
        await ctx.session.execute(select(Account).where(Account.username == credentials.username))
    ).scalar_one_or_none()
    if account is None or not account.password_hash:
        verify_password(credentials.password, _NOBODY)
        raise _refused()
    if not verify_password(credentials.password, account.password_hash) or not account.active:
        raise _refused()
    ctx.audit.actor = Principal.of(account).actor
    return account


async def login(ctx: Context, *, credentials: Login) -> Tokens:
    """Sign in with a password, for an access token and a refresh token."""
    account = await _password_holds(ctx, credentials)
    login, refresh = await _open(ctx, account)
    access, ttl = issue_access(ctx.settings, account, login.id)
    return Tokens(access_token=access, expires_in=ttl, refresh_token=refresh)


async def sign_in(ctx: Context, *, credentials: Login) -> Principal:
    """Sign in with a password for the pages: a login, which the browser's session names
    (`Principal.session_id`) until it ends or expires."""
    account = await _password_holds(ctx, credentials)
    login, _ = await _open(ctx, account)
    return Principal.of(account, login.id)


async def signed_in_as(ctx: Context, login_id: str) -> Principal:
    """The account a page's session stands for, while its login holds."""
    login = await ctx.session.get(LoginSession, login_id)
    if login is None or login.revoked_at is not None or login.expires_at <= datetime.now(UTC):
        raise Unauthorized("this sign-in has ended; sign in again")
    account = await ctx.session.get(Account, login.account_id)
    if account is None or not account.active:
        raise Unauthorized("the account is disabled")
    principal = Principal.of(account, login.id)
    ctx.audit.actor = principal.actor
    return principal


async def refresh(ctx: Context, *, body: Refresh) -> Tokens:
    """A new access token for a refresh token; each refresh token is good once."""
    await _limit_address(ctx)
    now = datetime.now(UTC)
    login = (
        await ctx.session.execute(
            select(LoginSession).where(LoginSession.refresh_hash == token_hash(body.refresh_token))
        )
    ).scalar_one_or_none()
    if login is None or login.revoked_at is not None or login.expires_at <= now:
        raise Unauthorized("refresh_token: unknown, used, ended or expired")
    account = await ctx.session.get(Account, login.account_id)
    if account is None or not account.active:
        raise Unauthorized("the account is disabled")
    new_refresh = secrets.token_urlsafe(32)
    login.refresh_hash = token_hash(new_refresh)
    await ctx.session.commit()
    access, ttl = issue_access(ctx.settings, account, login.id)
    return Tokens(access_token=access, expires_in=ttl, refresh_token=new_refresh)


async def logout(ctx: Context, *, principal: Principal) -> None:
    """End this login."""
    if principal.session_id is None:
        raise BadRequest("an API key has no login to end; revoke the key instead")
    login = await ctx.session.get(LoginSession, principal.session_id)
    if login is not None and login.revoked_at is None:
        login.revoked_at = datetime.now(UTC)
        await ctx.session.commit()


# --- API keys ------------------------------------------------------------------------------------


class KeyScope(StrEnum):
    FULL = "full"  # whatever its account may do
    READ = "read"  # only reads: GET requests


MAX_KEY_DAYS = 2 * 366  # a key lives at most about two years
# A named format: "in the future, within 732 days" is what the schema cannot say itself.
Expiry = Annotated[AwareIsoDateTime, Field(json_schema_extra={"format": "expiry-date-time"})]


class KeyCreate(Input):
    account_id: ShortText
    name: ShortText
    scope: KeyScope = Field(
        default=KeyScope.FULL, description="full: whatever the account may do; read: only GET"
    )
    expires_at: Expiry | None = Field(
        default=None,
        description="when the key stops working, an ISO 8601 date and time with its offset, in the "
        "future and within 732 days; none: until revoked",
    )

    @field_validator("expires_at")
    @classmethod
    def _ahead(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            now = datetime.now(UTC)
            if value <= now:
                raise ValueError("must be in the future")
            if value > now + timedelta(days=MAX_KEY_DAYS):
                raise ValueError(f"must be within {MAX_KEY_DAYS} days")
        return value


class KeyOut(Output):
    id: str
    account_id: str
    name: str
    prefix: str
    scope: KeyScope
    created_at: LocalTime
    expires_at: LocalTime | None
    revoked_at: LocalTime | None


class NewKey(KeyOut):
    key: str  # shown this once


class AccountItem(Output):
    id: str
    username: str
    display_name: str
    role: str
    active: bool


async def key_holders(ctx: Context, *, principal: Principal) -> list[AccountItem]:
    """The active accounts an admin may make a key for, by username."""
    principal.require([Role.ADMIN])
    found = await ctx.session.scalars(
        select(Account).where(Account.active.is_(True)).order_by(Account.username)
    )
    return [AccountItem.model_validate(a) for a in found]


async def list_keys(ctx: Context, *, principal: Principal) -> list[KeyOut]:
    """All keys for an admin; anyone else's own."""
    statement = select(ApiKey).order_by(ApiKey.created_at)
    if principal.role is not Role.ADMIN:
        statement = statement.where(ApiKey.account_id == principal.actor.id)
    return [KeyOut.model_validate(k) for k in (await ctx.session.execute(statement)).scalars()]


async def create_key(ctx: Context, *, principal: Principal, body: KeyCreate) -> NewKey:
    """A new API key for an account (admin only); the key is shown once."""
    principal.require([Role.ADMIN])
    account = await ctx.session.get(Account, body.account_id)
    if account is None:
        raise NotFound(f"no account {body.account_id}")
    key, row = new_api_key(account.id, body.name)
    row.scope, row.expires_at = body.scope.value, body.expires_at
    ctx.session.add(row)
    await ctx.session.commit()
    return NewKey(**KeyOut.model_validate(row).model_dump(), key=key)


async def revoke_key(ctx: Context, *, principal: Principal, key_id: str) -> None:
    """Revoke a key: an admin any key, anyone their own."""
    row = await ctx.session.get(ApiKey, key_id)
    if row is None or (principal.role is not Role.ADMIN and row.account_id != principal.actor.id):
        raise NotFound(f"no key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await ctx.session.commit()

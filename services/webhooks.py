"""An enterprise's webhook endpoints: registered by the enterprise (or an admin for it), each
with a signing secret shown once; rotated with an overlap; removed. Notifications to the
enterprise are then POSTed to each, signed (Standard Webhooks)."""

from datetime import datetime, timedelta

from pydantic import Field
from sqlalchemy import select

from db.models import Enterprise, WebhookEndpoint, utcnow
from delivery.webhooks import SEALED_AS, new_secret, shown, url_problem
from domain.enums import Role
from services.context import Context
from services.errors import Conflict, NotFound, invalid
from services.fields import Input
from services.outputs import LocalTime, Output
from services.principal import Principal
from temporal_client import key_ring

MANAGERS = frozenset({Role.ENTERPRISE, Role.ADMIN})
OVERLAP = timedelta(hours=24)  # a rotated secret still signs this long
MAX_ENDPOINTS = 5  # an enterprise's endpoints: each event goes to every one


URL = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?$"


class EndpointIn(Input):
    url: str = Field(
        min_length=1,
        max_length=2000,
        pattern=URL,
        json_schema_extra={"format": "uri"},
        description="https (http in development), a host name or address, no user or password",
    )


class EndpointOut(Output):
    id: int
    enterprise_code: str
    url: str
    shown: str
    created_at: LocalTime
    rotated_at: LocalTime | None
    previous_until: LocalTime | None


class EndpointWithSecret(EndpointOut):
    secret: str  # shown this once: the receiver verifies signatures with it


def _out(e: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=e.id,
        enterprise_code=e.enterprise_code,
        url=e.url,
        shown=shown(e.url),
        created_at=e.created_at,
        rotated_at=e.rotated_at,
        previous_until=e.previous_until,
    )


def _may_manage(principal: Principal, code: str) -> None:
    principal.require(MANAGERS)
    if principal.role is Role.ENTERPRISE and principal.org != code:
        raise NotFound(f"no enterprise {code}")


async def _endpoint(ctx: Context, code: str, endpoint_id: int) -> WebhookEndpoint:
    found = await ctx.session.get(WebhookEndpoint, endpoint_id)
    if found is None or found.enterprise_code != code or found.removed_at is not None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return found


async def list_endpoints(ctx: Context, *, principal: Principal, code: str) -> list[EndpointOut]:
    _may_manage(principal, code)
    found = await ctx.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.enterprise_code == code, WebhookEndpoint.removed_at.is_(None))
        .order_by(WebhookEndpoint.id)
    )
    return [_out(e) for e in found]


async def register(
    ctx: Context, *, principal: Principal, code: str, endpoint: EndpointIn
) -> EndpointWithSecret:
    _may_manage(principal, code)
    if await ctx.session.get(Enterprise, code) is None:
        raise NotFound(f"no enterprise {code}")
    problem = url_problem(endpoint.url, development=ctx.settings.environment == "development")
    if problem:
        raise invalid("url", problem)
    if len(await list_endpoints(ctx, principal=principal, code=code)) >= MAX_ENDPOINTS:
        raise Conflict(f"an enterprise has at most {MAX_ENDPOINTS} endpoints: remove one first")
    secret = new_secret()
    row = WebhookEndpoint(
        enterprise_code=code,
        url=endpoint.url,
        secret=key_ring(ctx.settings).seal(secret.encode(), SEALED_AS),
        created_by=principal.actor.id,
        created_at=utcnow(),
    )
    ctx.session.add(row)
    await ctx.session.commit()
    ctx.audit.detail = f"webhook endpoint {row.id} registered for {code}: {shown(row.url)}"
    return EndpointWithSecret(**_out(row).model_dump(), secret=secret)


async def rotate(ctx: Context, *, principal: Principal, code: str, endpoint_id: int) -> EndpointWithSecret:
    """A new secret; the one it replaces still signs for a day, beside it."""
    _may_manage(principal, code)
    row = await _endpoint(ctx, code, endpoint_id)
    now: datetime = utcnow()
    secret = new_secret()
    row.previous_secret, row.previous_until = row.secret, now + OVERLAP
    row.secret, row.rotated_at = key_ring(ctx.settings).seal(secret.encode(), SEALED_AS), now
    await ctx.session.commit()
    ctx.audit.detail = f"webhook endpoint {row.id} of {code}: secret rotated"
    return EndpointWithSecret(**_out(row).model_dump(), secret=secret)


async def remove(ctx: Context, *, principal: Principal, code: str, endpoint_id: int) -> None:
    _may_manage(principal, code)
    row = await _endpoint(ctx, code, endpoint_id)
    row.removed_at = utcnow()
    await ctx.session.commit()
    ctx.audit.detail = f"webhook endpoint {row.id} of {code} removed"

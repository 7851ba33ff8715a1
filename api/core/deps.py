"""Dependencies every route shares: the use cases' context, who is asking, and paging."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from services import auth
from services.context import Audit, Context, Resources
from services.errors import Forbidden, Unauthorized
from services.outputs import MAX_PAGE, PageRequest
from services.principal import Principal

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="an access token from `POST /api/auth/login`, or an API key (`ask_…`)",
)
ACCESS_CODE = APIKeyHeader(
    name="X-Access-Code",
    auto_error=False,
    scheme_name="accessCode",
    description="a consumer's access code, with the case's tracking number in the path",
)


def resources(request: Request) -> Resources:
    return request.app.state.resources


def audit(request: Request) -> Audit:
    """The request's audit note, which the audit middleware writes out."""
    note: Audit | None = getattr(request.state, "audit", None)
    if note is None:
        note = request.state.audit = Audit()
    return note


async def context(request: Request) -> AsyncIterator[Context]:
    system = resources(request)
    async with system.db.sessions() as session:
        yield Context(
            system,
            session,
            client=request.client.host if request.client else "unknown",
            audit=audit(request),
        )


ContextDep = Annotated[Context, Depends(context)]


READS = frozenset({"GET", "HEAD", "OPTIONS"})  # all a read-only API key may ask


async def optional_principal(
    request: Request,
    ctx: ContextDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal | None:
    """The account behind `Authorization: Bearer …`, or None if the header is absent."""
    if bearer is None:
        if "authorization" in request.headers:
            raise Unauthorized("Authorization: expected 'Bearer <token>'")
        return None
    token = bearer.credentials.strip()
    if not token:
        raise Unauthorized("Authorization: expected 'Bearer <token>'")
    try:
        principal = await auth.authenticate(ctx, token)
    except Unauthorized as refused:
        raise Unauthorized(f"Authorization: {refused.reason}") from None
    if principal.read_only and request.method not in READS:
        raise Forbidden("this API key may only read (GET)")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def signed_in(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthorized("Authorization: a bearer token is required")
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def case_reader(
    tracking_no: str,
    ctx: ContextDep,
    principal: OptionalPrincipal,
    access_code: Annotated[str | None, Depends(ACCESS_CODE)],
) -> Principal:
    """An account, or the consumer of this case proving it with the access code."""
    if principal is not None:
        return principal
    if access_code is None:
        raise Unauthorized("a bearer token, or the case's X-Access-Code, is required")
    return auth.consumer(ctx, tracking_no, access_code)


CaseReader = Annotated[Principal, Depends(case_reader)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=100,
        pattern="^[!-~]+$",  # printable ASCII, no spaces: HTTP trims a header's surrounding spaces
        description="the same key with the same request is applied once, and answered alike",
    ),
]


def paging(default_size: int = 20, max_size: int = 100) -> Callable[..., Any]:
    """The `page` and `page_size` query parameters, as every list takes them."""

    def dependency(
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=max_size)] = default_size,
    ) -> PageRequest:
        return PageRequest(page=page, page_size=page_size)

    return dependency


Paging = Annotated[PageRequest, Depends(paging())]

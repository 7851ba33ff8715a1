"""The codec server's routes (the codec itself is `services.codec`).

The CLI sends its credentials as a header:
`--codec-endpoint http://127.0.0.1:8000/codec --codec-auth "Bearer <token>"`. The Web UI calls
`<endpoint>/decode` with no credentials of ours, so its endpoint carries a login's access token
in the path (`/codec/t/<token>`): it expires within 30 minutes, and access logs hide it.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path

from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from db.seed import API_KEY_PREFIX
from services import auth, codec
from services.codec import Payloads
from services.errors import Unauthorized
from services.principal import Principal

router = APIRouter(prefix="/codec", tags=["codec"])
PathToken = Annotated[str, Path(min_length=8, max_length=2000)]


async def _from_path(ctx: ContextDep, token: PathToken) -> Principal:
    if token.startswith(API_KEY_PREFIX):  # a key never expires: it does not belong in a URL
        raise Unauthorized("put a login's access token in the path, not an API key")
    try:
        return await auth.authenticate(ctx, token)
    except Unauthorized as refused:
        raise Unauthorized(f"Authorization: {refused.reason}") from None


async def _from_header(principal: SignedIn) -> Principal:
    return principal


def _endpoint(encode: bool, caller: Callable[..., Any]) -> Callable[..., Any]:
    async def endpoint(
        body: Payloads,
        ctx: ContextDep,
        principal: Annotated[Principal, Depends(caller)],
        x_namespace: Annotated[str, Header(max_length=200)] = "-",
    ) -> Payloads:
        return await codec.convert(ctx, principal=principal, body=body, encode=encode, namespace=x_namespace)

    endpoint.__name__ = ("encode" if encode else "decode") + (
        "_with_path_token" if caller is _from_path else ""
    )
    return endpoint


ROUTES: list[tuple[str, bool, Callable[..., Any], str]] = [
    ("/decode", False, _from_header, "Decode payloads (Authorization header)"),
    ("/encode", True, _from_header, "Encode payloads (Authorization header)"),
    ("/t/{token}/decode", False, _from_path, "Decode payloads (a login's token in the path, for the Web UI)"),
    ("/t/{token}/encode", True, _from_path, "Encode payloads (a login's token in the path, for the Web UI)"),
]
for path, encode, caller, summary in ROUTES:
    router.add_api_route(
        path,
        _endpoint(encode, caller),
        methods=["POST"],
        response_model=Payloads,
        response_model_exclude_defaults=True,
        summary=summary,
        responses=answers(401, 403),
    )

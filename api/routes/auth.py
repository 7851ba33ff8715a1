"""Sign-in, refresh and sign-out, and API keys."""

from fastapi import APIRouter, Response, status

from api.core.deps import ContextDep, SignedIn
from api.core.errors import answers
from services import auth
from services.auth import KeyCreate, KeyOut, Login, NewKey, Refresh, Tokens

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/login",
    response_model=Tokens,
    responses=answers(401, 429),
    summary="Sign in with a password",
)
async def login(body: Login, ctx: ContextDep) -> Tokens:
    return await auth.login(ctx, credentials=body)


@router.post(
    "/api/auth/refresh",
    response_model=Tokens,
    responses=answers(401, 429),
    summary="A new access token for a refresh token",
)
async def refresh(body: Refresh, ctx: ContextDep) -> Tokens:
    return await auth.refresh(ctx, body=body)


@router.post(
    "/api/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(400, 401),
    summary="End this login",
)
async def logout(ctx: ContextDep, principal: SignedIn) -> Response:
    await auth.logout(ctx, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/keys",
    response_model=list[KeyOut],
    responses=answers(401),
    summary="API keys: all (admin), or my own",
)
async def list_keys(ctx: ContextDep, principal: SignedIn) -> list[KeyOut]:
    return await auth.list_keys(ctx, principal=principal)


@router.post(
    "/api/keys",
    response_model=NewKey,
    status_code=status.HTTP_201_CREATED,
    responses=answers(401, 403, 404),
    summary="A new API key for an account (admin); the key is shown once",
)
async def create_key(body: KeyCreate, ctx: ContextDep, principal: SignedIn) -> NewKey:
    return await auth.create_key(ctx, principal=principal, body=body)


@router.delete(
    "/api/keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(401, 404),
    summary="Revoke a key: an admin any key, anyone their own",
)
async def revoke_key(key_id: str, ctx: ContextDep, principal: SignedIn) -> Response:
    await auth.revoke_key(ctx, principal=principal, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

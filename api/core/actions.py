"""One way to route a request that asks a workflow to act: an action on a case, a step on a
supervision, a task's result. Each answers with what the workflow now shows, or 202 when the
workflow has not applied it yet."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel

from api.core.deps import ContextDep, IdempotencyKey
from api.core.errors import answers
from services.context import Context
from services.outputs import ActionAccepted
from services.principal import Principal

# (context, principal, the path's target, the body, the Idempotency-Key) → the answer
Perform = Callable[[Context, Principal, Any, Any, str | None], Awaitable[Any]]


def add_action_route(
    router: APIRouter,
    path: str,
    *,
    name: str,
    summary: str,
    body: type[BaseModel],
    target: Callable[..., Any],
    caller: Callable[..., Any],
    perform: Perform,
    response_model: type[BaseModel],
) -> None:
    """`target` reads what the path names; `caller` says who is asking."""

    async def endpoint(
        payload: body,  # type: ignore[valid-type]
        response: Response,
        ctx: ContextDep,
        principal: Annotated[Principal, Depends(caller)],
        named: Annotated[Any, Depends(target)],
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        done = await perform(ctx, principal, named, payload, idempotency_key)
        if isinstance(done, ActionAccepted):
            response.status_code = status.HTTP_202_ACCEPTED
        return done

    endpoint.__name__ = name
    endpoint.__doc__ = summary
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=response_model,
        summary=summary,
        responses={202: {"model": ActionAccepted}, **answers(401, 403, 404, 409, 503)},
    )

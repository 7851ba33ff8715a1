"""Sending an action to a workflow: ask first, signal, then wait to see it applied.

The workflow is the judge: the API asks with a query whether the action fits (409 with the
reason if not), sends the signal with the actor and a request id, and waits until the
workflow reports the request applied or refused. A repeated Idempotency-Key reuses the
request id, so the workflow applies it once and the API answers as it did the first time.
"""

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import HTTPException, status
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.errors import Conflict

QUERY_TIMEOUT = timedelta(seconds=5)


@dataclass
class Sent:
    request_id: str
    applied: bool  # False: sent, but not yet seen applied within the wait


async def query(
    handle: WorkflowHandle[Any, Any],
    name: str,
    arg: Any = None,
    result_type: Any = None,
    *,
    missing_ok: bool = False,
) -> Any:
    """A workflow query; 503 if the workflow does not answer. With `missing_ok`, None for a
    workflow that does not exist."""
    try:
        if arg is None:
            return await handle.query(name, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
        return await handle.query(name, arg, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if missing_ok and exc.status is RPCStatusCode.NOT_FOUND:
            return None
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the case did not answer ({exc.message}); try again shortly"
        ) from exc


async def send(
    client: Client, workflow_id: str, *, signal: str, command: Any, check: Any, wait_seconds: float
) -> Sent:
    """Check, signal and wait. Raises Conflict when the workflow refuses the action."""
    handle = client.get_workflow_handle(workflow_id)
    earlier = await query(handle, "request_outcome", command.request_id, str | None)
    if earlier is None:
        reason = await query(handle, "check", check, str | None)
        if reason:
            raise Conflict(reason)
        try:
            await handle.signal(signal, command)
        except RPCError as exc:  # it closed between the check and the signal, or Temporal is away
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise Conflict("the case has just closed") from exc
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"Temporal: {exc.message}") from exc
    outcome = earlier or await _wait_outcome(handle, command.request_id, wait_seconds)
    if outcome is None:
        return Sent(command.request_id, applied=False)
    if outcome != "applied":
        raise Conflict(outcome)
    return Sent(command.request_id, applied=True)


async def _wait_outcome(handle: WorkflowHandle[Any, Any], request: str, wait_seconds: float) -> str | None:
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + wait_seconds, 0.02
    while True:
        outcome = await query(handle, "request_outcome", request, str | None)
        if outcome is not None or loop.time() >= deadline:
            return outcome
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)

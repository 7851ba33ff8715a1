"""Sending an action to a workflow: ask first, signal, then wait to see it applied.

The workflow is the judge: the service asks with a query whether the action fits (a
`Conflict` with the reason if not), sends the signal with the actor and a request id, and
waits until the workflow reports the request applied or refused. A repeated Idempotency-Key
reuses the request id, so the workflow applies it once and the answer is what it was the
first time. Every workflow that takes requests has the queries `check` and `request_outcome`.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.ledger import APPLIED
from domain.messages import Command
from services.errors import Conflict, Unavailable

QUERY_TIMEOUT = timedelta(seconds=5)
log = logging.getLogger("aftersales.signals")


@dataclass(frozen=True)
class Sent:
    request_id: str
    applied: bool  # False: sent, but not yet seen applied within the wait


async def query(handle: WorkflowHandle[Any, Any], query: Any, *args: Any, missing_ok: bool = False) -> Any:
    """A workflow query (a query method of the workflow class); `Unavailable` if the workflow
    does not answer, or its worker fails to answer (logged: a worker that cannot rebuild the
    workflow from its history fails every query of it). With `missing_ok`, None for a workflow
    that does not exist."""
    try:
        return await handle.query(query, *args, rpc_timeout=QUERY_TIMEOUT)
    except WorkflowQueryFailedError as exc:
        log.error("the query %s of %s failed: %s", getattr(query, "__name__", query), handle.id, exc)
        raise Unavailable(f"the workflow failed to answer ({exc}); try again shortly") from exc
    except RPCError as exc:
        if missing_ok and exc.status is RPCStatusCode.NOT_FOUND:
            return None
        raise Unavailable(f"the case did not answer ({exc.message}); try again shortly") from exc


async def send(
    handle: WorkflowHandle[Any, Any],
    workflow: type,
    *,
    signal: Any,
    command: Command,
    check: Any,
    wait_seconds: float,
) -> Sent:
    """Check, signal and wait, on a workflow of class `workflow`. Raises Conflict when the
    workflow refuses the action."""
    outcome_of = workflow.request_outcome  # type: ignore[attr-defined]
    earlier = await query(handle, outcome_of, command.request_id)
    if earlier is None:
        reason = await query(handle, workflow.check, check)  # type: ignore[attr-defined]
        if reason:
            raise Conflict(reason)
        try:
            await handle.signal(signal, command)
        except RPCError as exc:  # it closed between the check and the signal, or Temporal is away
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise Conflict("the case has just closed") from exc
            raise Unavailable(f"Temporal: {exc.message}") from exc
    outcome = earlier or await _wait_outcome(handle, outcome_of, command.request_id, wait_seconds)
    if outcome is None:
        return Sent(command.request_id, applied=False)
    if outcome != APPLIED:
        raise Conflict(outcome)
    return Sent(command.request_id, applied=True)


async def _wait_outcome(
    handle: WorkflowHandle[Any, Any], outcome_of: Any, request: str, wait_seconds: float
) -> str | None:
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + wait_seconds, 0.02
    while True:
        outcome: str | None = await query(handle, outcome_of, request)
        if outcome is not None or loop.time() >= deadline:
            return outcome
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)

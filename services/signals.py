"""Sending an action to a workflow: ask first, signal, then wait to see it applied.

The workflow is the judge: the service asks with a query whether the action fits (a
`Conflict` with the reason if not), sends the signal with the actor and a request id, and
waits until the workflow reports the request applied or refused. A repeated Idempotency-Key
reuses the request id, so the workflow applies it once and the answer is what it was the
first time. Every workflow that takes requests has the queries `check` and `answer`; the
answer to an applied request carries the workflow's view after it, so showing the result takes
no query more.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.ledger import APPLIED, Answer
from domain.messages import Command
from services.errors import Conflict, Unavailable
from services.polling import polled

QUERY_TIMEOUT = timedelta(seconds=5)
log = logging.getLogger("aftersales.signals")


@dataclass(frozen=True)
class Sent:
    request_id: str
    applied: bool  # False: sent, but not yet seen applied within the wait
    view: Any = None  # once applied: the workflow's view after it (its `answer` query's)


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
    fresh: bool,
) -> Sent:
    """Check, signal and wait, on a workflow of class `workflow`. Raises Conflict when the
    workflow refuses the action. A `fresh` request id was made for this request, so the workflow
    is not asked what became of it before it is sent."""
    answer_of = workflow.answer  # type: ignore[attr-defined]
    answer: Answer[Any] | None = None if fresh else await query(handle, answer_of, command.request_id)
    if answer is None or answer.outcome is None:  # not seen yet: check it, send it, wait for it
        reason = await query(handle, workflow.check, check)  # type: ignore[attr-defined]
        if reason:
            raise Conflict(reason)
        try:
            await handle.signal(signal, command)
        except RPCError as exc:  # it closed between the check and the signal, or Temporal is away
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise Conflict("the case has just closed") from exc
            raise Unavailable(f"Temporal: {exc.message}") from exc
        answer = await _wait_answer(handle, answer_of, command.request_id, wait_seconds)
    if answer.outcome is None:
        return Sent(command.request_id, applied=False)
    if answer.outcome != APPLIED:
        raise Conflict(answer.outcome)
    return Sent(command.request_id, applied=True, view=answer.view)


async def _wait_answer(
    handle: WorkflowHandle[Any, Any], answer_of: Any, request: str, wait_seconds: float
) -> Answer[Any]:
    """The workflow's answer once it has one, or its last (the outcome None) after `wait_seconds`.
    Its queries see every signal sent before them, so the first usually has it."""

    async def look() -> Answer[Any]:
        answer: Answer[Any] = await query(handle, answer_of, request)
        return answer

    return await polled(look, lambda a: a.outcome is not None, wait_seconds, first=0.02, most=0.25)

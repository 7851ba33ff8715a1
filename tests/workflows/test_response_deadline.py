from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.models import NotificationRow, ViolationRow
from db.session import Database
from domain.enums import CaseStatus, DeadlineKind, DeadlineState
from domain.wording import sentence_for
from tests.support import case_state, intake, rows, start_case, wait_for_state


async def test_an_enterprise_that_never_responds_is_escalated_after_24_hours(
    ts_env: WorkflowEnvironment, worker: Worker, db: Database
) -> None:
    case = intake(received_at=(await ts_env.get_current_time()).replace(microsecond=0))
    handle = await start_case(ts_env.client, worker.task_queue, case)
    state = await wait_for_state(handle, lambda s: s.status is CaseStatus.FORWARDED, "forwarded")
    response = state.deadline(DeadlineKind.RESPONSE)
    assert response is not None and response.due == case.received_at + timedelta(hours=24)
    assert state.escalation_level == 0

    await ts_env.sleep(timedelta(hours=24, seconds=1))

    state = await wait_for_state(handle, lambda s: s.overdue, "response overdue", db=db)
    assert state.deadline(DeadlineKind.RESPONSE).state is DeadlineState.BREACHED
    assert state.escalation_level == 1
    violations = await rows(db, ViolationRow, ViolationRow.tracking_no == case.tracking_no)
    assert [v.kind for v in violations] == ["late_response"]
    notes = await rows(
        db,
        NotificationRow,
        NotificationRow.tracking_no == case.tracking_no,
        NotificationRow.topic == "response_overdue",
    )
    assert {(n.recipient_kind, n.recipient_ref) for n in notes} == {
        ("role", "supervisor"),
        ("enterprise", case.enterprise.credit_code),
    }
    # Told once: the notice says overdue and escalated; no second notice of the escalation.
    told = await rows(db, NotificationRow, NotificationRow.tracking_no == case.tracking_no)
    assert "escalated" not in {n.topic for n in told}
    said = sentence_for("response_overdue", "zh_CN", recorded="", tracking_no=case.tracking_no, enterprise="")
    assert said.endswith("已升级")
    assert (await case_state(handle)).status is CaseStatus.FORWARDED

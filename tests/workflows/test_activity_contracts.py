"""Each typed call in `workflows/activities.py` names an activity the worker registers, and
sends and expects what that activity takes and gives."""

import inspect
import typing

from activities.archive import ArchiveActivities
from activities.assignment import AssignmentActivities
from activities.deadlines import DeadlineActivities
from activities.delivery import DeliveryActivities
from activities.imports import ImportActivities
from activities.intake import IntakeActivities
from activities.projection import ProjectionActivities
from activities.reports import ReportActivities
from activities.supervision import SupervisionActivities
from domain.ids import ActivityName
from workflows import activities as calls

CLASSES = (
    ArchiveActivities,
    AssignmentActivities,
    DeadlineActivities,
    DeliveryActivities,
    ImportActivities,
    IntakeActivities,
    ProjectionActivities,
    ReportActivities,
    SupervisionActivities,
)


def implementations() -> dict[str, object]:
    found = {}
    for cls in CLASSES:
        for _, method in inspect.getmembers(cls, inspect.isfunction):
            definition = getattr(method, "__temporal_activity_definition", None)
            if definition is not None:
                found[definition.name] = method
    return found


def signature(function: object, *, drop_self: bool) -> tuple[list[object], object]:
    """What is sent and what comes back; a call's keyword-only options (how it retries) are not
    sent to the activity."""
    hints = typing.get_type_hints(function)
    returned = hints.pop("return")
    parameters = inspect.signature(function).parameters  # type: ignore[arg-type]
    params = [p for p, v in parameters.items() if v.kind is not inspect.Parameter.KEYWORD_ONLY]
    if drop_self:
        params = params[1:]
    return [hints[p] for p in params], returned


def test_every_activity_has_one_typed_call_with_its_signature() -> None:
    registered = implementations()
    assert set(registered) == {name.value for name in ActivityName}
    for name in ActivityName:
        call = getattr(calls, name.value)
        assert signature(call, drop_self=False) == signature(registered[name.value], drop_self=True), name

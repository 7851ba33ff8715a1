"""A list's page and its total, read at one moment."""

from typing import Any

from sqlalchemy import select, update

from db.models import Complaint
from db.session import Database
from services.outputs import PageRequest, paginate
from settings import Settings
from tests.support.metrics_data import generate, store
from tests.support.statements import committed_apart, each_statement

AREA = "440305"


async def test_a_case_moved_between_the_total_and_the_page_counts_in_both_or_neither(
    db: Database, settings: Settings
) -> None:
    """The total and the page are two statements: a case moved out of the list between them is
    in both (as the list was when the total was read), never counted and missing."""
    cases = generate(seed=7, n=80)[0]
    await store(db, (Complaint, cases))
    inside = sorted(c["tracking_no"] for c in cases if c["bureau_code"] == AREA)
    listed = select(Complaint).where(Complaint.bureau_code == AREA).order_by(Complaint.tracking_no)
    paging = PageRequest(page_size=100)
    assert 1 < len(inside) <= paging.page_size

    def move() -> None:
        moved = update(Complaint).where(Complaint.tracking_no == inside[0]).values(bureau_code="440306")
        committed_apart(settings.database, moved)

    selects: list[str] = []

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)
            if len(selects) == 1:  # after the total, before the page
                move()

    async with db.sessions() as session:
        with each_statement(db, between):
            during = await paginate(session, listed, paging, lambda c: c.tracking_no)
        after = await paginate(session, listed, paging, lambda c: c.tracking_no)
    assert len(selects) == 2
    assert (during.total, during.items) == (len(inside), inside)
    assert (after.total, after.items) == (len(inside) - 1, inside[1:])

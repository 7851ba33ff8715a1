"""What use cases answer with: models that show times in Beijing time (+08:00), pages of a
list, and the one way a list is paged."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, PlainSerializer
from sqlalchemy import Select, func
from sqlalchemy.ext.asyncio import AsyncSession

from db.session import one_moment

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")

LocalTime = Annotated[
    datetime, PlainSerializer(lambda d: d.astimezone(DISPLAY_TZ).isoformat(), return_type=str)
]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ActionAccepted(Output):
    """The signal is sent; the workflow has not shown it applied yet."""

    request_id: str
    status: str = "pending"
    detail: str


T = TypeVar("T")


class Page(Output, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


# The furthest page a list is read to: past it the offset would outgrow what a query takes.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    @classmethod
    def within(cls, page: int, page_size: int) -> "PageRequest":
        """The page a link or a typed address asks for, brought within 1 and MAX_PAGE."""
        return cls(page=min(max(page, 1), MAX_PAGE), page_size=page_size)


async def paginate(
    session: AsyncSession, statement: Select, paging: PageRequest, item: Callable[[Any], T]
) -> Page[T]:
    """One page of what `statement` selects (filtered and ordered), and how many there are in
    all, both read at one moment (a row written between them counts in both or neither). `item`
    makes a list item of each row: the entity itself when one is selected."""
    counting = statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    async with one_moment(session):
        total = await session.scalar(counting) or 0
        result = await session.execute(
            statement.offset((paging.page - 1) * paging.page_size).limit(paging.page_size)
        )
        rows = result.scalars().all() if len(statement.column_descriptions) == 1 else result.all()
    return Page[T](items=[item(r) for r in rows], total=total, page=paging.page, page_size=paging.page_size)

"""Public notices: the penalties published, for anyone to read. No consumer's personal data."""

from datetime import date, datetime, time

from sqlalchemy import select

from db.models import PublicNoticeRow
from services.context import Context
from services.outputs import DISPLAY_TZ, LocalTime, Output, Page, PageRequest, paginate


class NoticeOut(Output):
    enterprise_code: str
    enterprise_name: str
    notice_id: str
    penalty_id: str
    published_at: LocalTime
    title: str
    text: str


async def public_notices(
    ctx: Context, *, enterprise: str | None, since: date | None, paging: PageRequest
) -> Page[NoticeOut]:
    """The newest first; of one enterprise, and published on or after a Beijing date, if asked."""
    where = []
    if enterprise:
        where.append(PublicNoticeRow.enterprise_code == enterprise)
    if since:
        where.append(PublicNoticeRow.published_at >= datetime.combine(since, time(0), DISPLAY_TZ))
    statement = select(PublicNoticeRow).where(*where).order_by(PublicNoticeRow.published_at.desc())
    return await paginate(ctx.session, statement, paging, NoticeOut.model_validate)

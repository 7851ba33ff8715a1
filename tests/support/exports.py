"""Hotline exports as the import reads them: rows under the template's headings, written as a
GB18030 CSV or an XLSX workbook."""

import contextlib
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from db.seed import ENTERPRISES
from domain.imports import template

BEIJING = ZoneInfo("Asia/Shanghai")
HEADINGS = list(template().columns.values())


def good_row(i: int, *, hours_ago: float = 3) -> dict[str, str]:
    code, _, region = ENTERPRISES[i % len(ENTERPRISES)]
    received = datetime.now(BEIJING) - timedelta(hours=hours_ago, minutes=i)
    return {
        "工单编号": f"12345-{i:06d}",
        "受理渠道": "12345热线",
        "受理时间": received.strftime("%Y/%m/%d %H:%M:%S"),
        "投诉人": "王小明",
        "联系电话": f"139{i:08d}",
        "统一社会信用代码": code,
        "商品名称": "电热水壶",
        "型号": "KT-15",
        "购买日期": (received.date() - timedelta(days=20)).isoformat(),
        "金额": "199.00",
        "行政区划代码": region,
        "投诉类别": "质量问题",
        "投诉内容": f"水壶用了两周底座松动,无法加热(第{i}件)。",
        "诉求": "换货",
    }


def csv_bytes(rows: list[dict[str, str]], encoding: str = "gb18030") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADINGS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(path: Path, rows: list[dict[str, str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADINGS)
    for row in rows:
        # A phone number typed into Excel is a number; a time, a date-time cell.
        cells: list[object] = [row.get(h, "") for h in HEADINGS]
        phone = HEADINGS.index("联系电话")
        if str(cells[phone]).isdigit():
            cells[phone] = int(str(cells[phone]))
        at = HEADINGS.index("受理时间")
        with contextlib.suppress(ValueError):
            cells[at] = datetime.strptime(str(cells[at]), "%Y/%m/%d %H:%M:%S")
        sheet.append(cells)
    book.save(path)
    return path

"""Bulk import on a page: a clerk uploads a hotline export, follows it to its summary, reads the
refused rows in Chinese and downloads them; a bad file or mapping is refused beside its field
with nothing recorded; the page is the recording staff's alone."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from db.models import Complaint, ImportRun
from db.session import Database
from tests.support import eventually
from tests.support.exports import csv_bytes, good_row
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


async def count(db: Database, table: type) -> int:
    async with db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(table)) or 0


async def test_a_clerk_imports_an_export_and_reads_the_refused_rows(
    signed_in: SignedIn, db: Database
) -> None:
    clerk = await signed_in("clerk")
    rows = [good_row(i) for i in range(3)]
    rows[1]["行政区划代码"] = "31011"
    upload = {"file": ("12345热线导出.csv", csv_bytes(rows), "text/csv")}

    answer = await clerk.submit("/staff/imports", {}, files=upload)

    assert answer.status_code == 200 and "/staff/imports/IM" in str(answer.url), answer.text
    run_page = str(answer.url).removeprefix("http://site")

    async def finished() -> str | None:
        text = (await clerk.get(run_page)).text
        return None if 'id="progress"' in text else text

    text = await eventually(finished, timeout=60, what="the import to finish")
    assert "12345热线导出.csv" in text and "3 行" in text
    summary = _cells(text, "summary")
    assert summary[:3] == [["已创建", "2"], ["此前已导入", "0"], ["已拒绝", "1"]], summary
    [problem] = _cells(text, "problems")
    assert problem[0] == "3" and problem[1].startswith("行政区划代码") and "6位" in problem[2], problem
    report = await clerk.get(f"{run_page}/problems.csv")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "field", "column", "reason"]
    assert lines[1][:3] == ["3", "region_code", "行政区划代码"] and "6位" in lines[1][3]
    assert await eventually(lambda: _complaints(db, 2), what="the two cases")

    listed = (await clerk.get("/staff/imports")).text
    assert run_page in listed and "12345热线导出.csv" in listed


async def _complaints(db: Database, n: int) -> bool:
    return await count(db, Complaint) == n


def _cells(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert body, f"no table {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(0), re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    clean = [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells]
    return [row for row in clean if row and not all(c == "" for c in row) and row[0] not in ("行", "Row")]


async def test_a_bad_file_or_mapping_is_refused_beside_its_field_and_nothing_is_recorded(
    signed_in: SignedIn, db: Database
) -> None:
    clerk = await signed_in("clerk")

    empty = await clerk.submit("/staff/imports", {}, files={"file": ("", b"", "text/csv")})
    assert empty.status_code == 422 and field_error(empty.text, "file") == "请选择要导入的导出文件"

    lacking = csv_bytes([good_row(0)]).decode("gb18030").replace("联系电话", "电话号码").encode("gb18030")
    answer = await clerk.submit("/staff/imports", {}, files={"file": ("x.csv", lacking, "text/csv")})
    assert answer.status_code == 422 and "联系电话" in field_error(answer.text, "file")

    mapping = b'[columns]\nbirthday = "\xe7\x94\x9f\xe6\x97\xa5"\n'
    files = {"file": ("x.csv", csv_bytes([good_row(0)]), "text/csv"), "mapping": ("m.toml", mapping, "x")}
    answer = await clerk.submit("/staff/imports", {"dry_run": "yes"}, files=files)
    assert answer.status_code == 422 and "birthday" in field_error(answer.text, "mapping")
    assert 'value="yes" checked' in answer.text

    assert await count(db, ImportRun) == 0


async def test_a_dry_run_on_the_page_creates_nothing(signed_in: SignedIn, db: Database) -> None:
    supervisor = await signed_in("supervisor")
    upload = {"file": ("平台.csv", csv_bytes([good_row(i) for i in range(2)]), "text/csv")}

    answer = await supervisor.submit("/staff/imports", {"dry_run": "yes"}, files=upload)

    run_page = str(answer.url).removeprefix("http://site")

    async def done() -> str | None:
        text = (await supervisor.get(run_page)).text
        return text if "没有被拒绝的行" in text else None

    text = await eventually(done, timeout=60, what="the dry run to finish")
    assert "试运行" in text and _cells(text, "summary")[0] == ["将创建", "2"]
    assert await count(db, Complaint) == 0


async def test_the_page_is_for_the_staff_who_record_complaints(signed_in: SignedIn) -> None:
    investigator = await signed_in("investigator1")
    answer = await investigator.get("/staff/imports")
    assert answer.status_code == 403

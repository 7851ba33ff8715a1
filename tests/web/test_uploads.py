"""Files handed in on a case through the pages: checked by their content, stored once under
their SHA-256 and encrypted, named in the workflow's history by that hash, and given back only to
whoever may see the case, each reading audited; bad files store nothing."""

import hashlib
import io
import zipfile

import pytest
from temporalio.testing import WorkflowEnvironment

from db.models import AuditEntry, CaseFile
from db.session import Database
from settings import Settings
from tests.support import eventually, rows
from tests.support.web import Browser, SignedIn, field_error, filed
from workflows.complaint import ComplaintWorkflow

pytestmark = pytest.mark.sqlite_only

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + "现场照片".encode()
PDF = b"%PDF-1.7\n" + "检测报告".encode() + b"\n%%EOF"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": 4096, "upload_max_files": 3})


async def investigating(browser: Browser, signed_in: SignedIn, **fields: str) -> tuple[str, Browser]:
    """A case a supervisor has put under investigation, and its investigator signed in."""
    case = await filed(browser, **fields)
    no, page = case["tracking_no"], f"/staff/cases/{case['tracking_no']}"
    supervisor = await signed_in("supervisor")
    await eventually(lambda: supervisor.get(page), what="the case")
    await supervisor.submit(f"{page}/escalate", {"escalate_reason": "需现场核查"}, form_at=page)

    async def assigned() -> str | None:
        text = (await supervisor.get(page)).text
        return next(
            (u for u, n in (("investigator1", "李强"), ("investigator2", "陈静")) if f"调查员：{n}" in text),
            None,
        )

    return no, await signed_in(await eventually(assigned, what="an investigator"))


async def test_files_of_a_site_visit_are_kept_encrypted_and_named_in_the_history_by_their_hash(
    browser: Browser,
    signed_in: SignedIn,
    db: Database,
    settings: Settings,
    dev_env: WorkflowEnvironment,
    tokens: dict[str, str],
) -> None:
    no, investigator = await investigating(browser, signed_in)
    page = f"/staff/cases/{no}"
    visit = {"visited_on": "2026-12-01", "location": "浦东门店", "notes": "底座松动属实"}
    files = [
        ("files", ("现场.png", PNG, "image/png")),
        ("files", ("报告.docx", docx(), "application/octet-stream")),
    ]
    done = await investigator.submit(f"{page}/record_site_visit", visit, form_at=page, files=files)
    assert done.status_code == 200 and "现场.png" in done.text and "报告.docx" in done.text

    digest = hashlib.sha256(PNG).hexdigest()
    case = await dev_env.client.get_workflow_handle(f"complaint-{no}").query(ComplaintWorkflow.state)
    [recorded] = case.investigation.site_visits
    first = recorded.visit.files[0]
    assert (first.sha256, first.name, first.size) == (digest, "现场.png", len(PNG))
    assert recorded.visit.files[1].media_type.endswith("wordprocessingml.document")  # told by content
    history = await browser.get(
        f"/api/complaints/{no}/history", headers={"authorization": f"Bearer {tokens['supervisor']}"}
    )
    [signal] = [e for e in history.json()["timeline"] if e["title"] == "signal record_site_visit"]
    assert signal["detail"]["content"]["files"][0]["sha256"] == digest
    kept = (settings.files_dir / digest[:2] / digest).read_bytes()
    assert "现场照片".encode() not in kept  # encrypted at rest

    got = await investigator.get(f"{page}/files/{digest}")
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert "attachment" in got.headers["content-disposition"]
    audited = await rows(db, AuditEntry, AuditEntry.action == "GET /staff/cases/{tracking_no}/files/{sha256}")
    assert audited and audited[-1].object_ref == no

    other = await signed_in("xunjie")
    assert (await other.get(f"{page}/files/{digest}")).status_code == 404


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (("报告.pdf", b"just text, not a PDF", "application/pdf"), "报告.pdf：不是PDF、JPEG、PNG或办公文档"),
        (("空.pdf", b"", "application/pdf"), "空.pdf：文件为空"),
        (("大.pdf", PDF + b"x" * 5000, "application/pdf"), "大.pdf：超过4 KB"),
        (("../etc/报告.pdf", PDF, "application/pdf"), "../etc/报告.pdf：文件名不能含路径或控制字符"),
    ],
)
async def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_kept(
    browser: Browser, signed_in: SignedIn, db: Database, settings: Settings, upload: tuple, reason: str
) -> None:
    no, investigator = await investigating(browser, signed_in)
    page = f"/staff/cases/{no}"
    visit = {"visited_on": "2026-12-01", "location": "浦东门店", "notes": "底座松动属实"}
    answer = await investigator.submit(
        f"{page}/record_site_visit",
        visit,
        form_at=page,
        files=[("files", upload), ("files", ("ok.pdf", PDF, "x"))],
    )
    assert answer.status_code == 422 and field_error(answer.text, "files-record_site_visit") == reason
    assert await rows(db, CaseFile) == [] and not settings.files_dir.exists()
    assert "底座松动属实" not in (await investigator.get(page)).text  # the visit is not recorded


async def test_more_files_than_the_limit_are_refused(
    browser: Browser, signed_in: SignedIn, db: Database
) -> None:
    no, investigator = await investigating(browser, signed_in)
    page = f"/staff/cases/{no}"
    visit = {"visited_on": "2026-12-01", "location": "门店", "notes": "记录"}
    many = [("files", (f"{n}.pdf", PDF, "application/pdf")) for n in range(4)]
    answer = await investigator.submit(f"{page}/record_site_visit", visit, form_at=page, files=many)
    assert (
        answer.status_code == 422 and field_error(answer.text, "files-record_site_visit") == "一次最多3个文件"
    )
    assert await rows(db, CaseFile) == []


async def test_files_of_an_action_the_case_refuses_are_not_listed_on_it(
    browser: Browser, signed_in: SignedIn, db: Database
) -> None:
    case = await filed(browser)
    page = f"/staff/cases/{case['tracking_no']}"
    minghui = await signed_in("minghui")
    await eventually(lambda: minghui.get(page), what="the case")
    report = {
        "cause_analysis": "底座卡扣老化",
        "improvement_measures": "更换供应商",
        "implementation_effect": "已无返修",
    }
    upload = [("files", ("整改报告.pdf", PDF, "application/pdf"))]
    answer = await minghui.submit(f"{page}/submit_rectification", report, form_at=page, files=upload)
    assert answer.status_code == 409  # nothing has been ordered to rectify
    assert await rows(db, CaseFile) == []
    digest = hashlib.sha256(PDF).hexdigest()
    assert (await minghui.get(f"{page}/files/{digest}")).status_code == 404


async def test_an_auditor_reads_the_cases_record_and_downloads_its_raw_history(
    browser: Browser, signed_in: SignedIn, dev_env: WorkflowEnvironment
) -> None:
    no, investigator = await investigating(browser, signed_in)
    page = f"/staff/cases/{no}"
    visit = {"visited_on": "2026-12-01", "location": "浦东门店", "notes": "底座松动属实"}
    upload = [("files", ("现场.png", PNG, "image/png"))]
    await investigator.submit(f"{page}/record_site_visit", visit, form_at=page, files=upload)
    auditor = await signed_in("auditor")
    assert f'href="{page}/record"' in (await auditor.get(page)).text

    async def recorded() -> str | None:
        text = (await auditor.get(f"{page}/record")).text
        return text if "signal record_site_visit" in text else None

    html = await eventually(recorded, what="the site visit in the record")
    digest = hashlib.sha256(PNG).hexdigest()
    files = html.split('id="files"')[1].split("</table>")[0]
    assert "现场.png" in files and f'<code class="hash">{digest}</code>' in files
    deadlines = html.split('id="deadlines"')[1].split("</table>")[0]
    response = next(r for r in deadlines.split("<tr>") if "企业响应" in r)
    assert "24h" in response or "24 h" in response or "hours" in response, response  # why this date
    visit_row = next(r for r in html.split("<tr>") if "signal record_site_visit" in r)
    assert ("李强" in visit_row or "陈静" in visit_row) and "<code>" in visit_row  # who, and the request

    raw = await auditor.get(f"{page}/history.json")
    assert (
        raw.headers["content-type"] == "application/json"
        and "attachment" in raw.headers["content-disposition"]
    )
    [first, *_] = raw.json()
    assert first["workflow_id"] == f"complaint-{no}"
    kept = await dev_env.client.get_workflow_handle(f"complaint-{no}").fetch_history()
    events = kept.to_json_dict()["events"]
    downloaded = first["history"]["events"]
    assert downloaded and downloaded == events[: len(downloaded)]  # as Temporal keeps them, so far

    for username in ("minghui", "investigator1"):
        other = await signed_in(username)
        assert (await other.get(f"{page}/record")).status_code in (403, 404), username
        assert (await other.get(f"{page}/history.json")).status_code in (403, 404), username

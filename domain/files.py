"""Files handed in with evidence, site visits, findings and rectification reports: what a file
is, told by its content, never its name; and what the workflow records of each, so its history
proves which file was submitted (SHA-256, size, type, who uploaded it)."""

import io
import zipfile
from datetime import datetime

from domain.messages import Message

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OLE = "application/x-ole-storage"  # Office 97-2003: .doc, .xls, .ppt
ACCEPTED = (PDF, JPEG, PNG, DOCX, XLSX, PPTX, OLE)
OOXML = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
NAME_LIMIT = 200


class FileRef(Message):
    sha256: str
    name: str
    size: int
    media_type: str
    uploaded_by: str  # the actor's id
    uploaded_at: datetime


def media_type_of(content: bytes) -> str | None:
    """The file's type from its first bytes (and, for an office file, its parts); None if it is
    none of the accepted kinds."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            return next(
                (kind for prefix, kind in OOXML.items() if any(n.startswith(prefix) for n in names)), None
            )
    return None


def name_problem(name: str) -> str | None:
    """What is wrong with a file's name: a name is a name, never a path."""
    if not name.strip():
        return "has no name"
    if any(c in name for c in "/\\") or any(ord(c) < 32 for c in name) or name.strip(". ") == "":
        return "a file's name holds no path or control characters"
    if len(name) > NAME_LIMIT:
        return f"a file's name is at most {NAME_LIMIT} characters"
    return None

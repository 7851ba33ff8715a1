"""An export's rows, read as they stream: CSV (UTF-8, with or without its mark, or GB18030, as
Chinese hotline systems write it) or Excel (XLSX). Each row is numbered as a spreadsheet shows
it, the heading row being row 1; blank rows are passed over."""

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

XLSX_MAGIC = b"PK\x03\x04"  # a zip archive
ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX export this can read, said for its reader."""


class Table:
    """The rows of one export, from a file on disk or its bytes."""

    def __init__(self, source: Path | bytes, name: str = "") -> None:
        self.source = source
        self.name = name or (source.name if isinstance(source, Path) else "")
        self.xlsx = self._head(4) == XLSX_MAGIC
        self.encoding = "" if self.xlsx else self._encoding()
        self.headings = next(self._raw(), [])
        if not any(self.headings):
            raise UnreadableFile("the file has no heading row")

    @property
    def format(self) -> str:
        return "xlsx" if self.xlsx else "csv"

    def _open(self) -> IO[bytes]:
        return self.source.open("rb") if isinstance(self.source, Path) else io.BytesIO(self.source)

    def _head(self, n: int) -> bytes:
        with self._open() as f:
            return f.read(n)

    def _encoding(self) -> str:
        """The first of ENCODINGS the whole file decodes in, read a block at a time."""
        for encoding in ENCODINGS:
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                with self._open() as f:
                    while block := f.read(1 << 16):
                        decoder.decode(block)
                    decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
        raise UnreadableFile("the file is neither UTF-8 nor GB18030 text, nor an XLSX workbook")

    def _raw(self) -> Iterator[list[str]]:
        if self.xlsx:
            yield from self._sheet()
            return
        with self._open() as f, io.TextIOWrapper(f, encoding=self.encoding, newline="") as text:
            try:
                for record in csv.reader(text):
                    yield [cell.strip() for cell in record]
            except csv.Error as exc:
                raise UnreadableFile(f"not a CSV file: {exc}") from exc

    def _sheet(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook  # ~5 MB, loaded by the processes that read a workbook

        try:
            with self._open() as f:
                book = load_workbook(f, read_only=True, data_only=True)
                try:
                    sheet = book.active
                    if sheet is None:
                        raise UnreadableFile("the workbook has no sheet")
                    for values in sheet.iter_rows(values_only=True):
                        yield [_text(v) for v in values]
                finally:
                    book.close()
        except (OSError, KeyError, ValueError) as exc:
            if isinstance(exc, UnreadableFile):
                raise
            raise UnreadableFile(f"not an XLSX workbook: {exc}") from exc

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, heading → cell) for each row below the headings that has any cell."""
        raw = self._raw()
        next(raw, None)
        for number, cells in enumerate(raw, start=2):
            if any(cells):
                yield number, dict(zip(self.headings, cells, strict=False))

    def count(self) -> int:
        """The rows `__iter__` gives, read through once."""
        return sum(1 for _ in self)


def _text(value: Any) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()

"""Languages: Chinese first, English by a switch or the browser's Accept-Language.

Every text a page shows is a message of the gettext catalogs in `web/translations` (English is
the source language; `zh_CN` translates it). The catalogs are read from their `.po` files when
the application starts, so no compiled file is kept beside them. Dates and times are shown in
Beijing time, formatted for the page's language by Babel.
"""

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).parent.parent / "translations"
LANGUAGES = ("zh_CN", "en")  # the first is the default
LANGUAGE_COOKIE = "lang"
BEIJING = ZoneInfo("Asia/Shanghai")


def N_(message: str) -> str:
    """Marks a message for the catalogs; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalog, compiled in memory from its `.po` file; none for the source."""
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The page's language: the reader's choice, else the browser's first that we have, else Chinese."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_").lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return LANGUAGES[0]


class Language:
    """What a page needs to speak one language: gettext, and formats for times, days, money and
    file sizes."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.locale = Locale.parse(code)
        self.html_lang = "zh-CN" if code == "zh_CN" else "en"
        self._t = translations(code)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self._t.ngettext(singular, plural, n).format(n=n, **values)

    def when(self, moment: datetime | None) -> str:
        """A moment in Beijing time, to the minute: 2026年12月4日 14:30 / Dec 4, 2026, 14:30. A
        deadline at midnight is the end of its day, as the law counts it: 12月9日 24:00."""
        if moment is None:
            return "—"
        local = moment.astimezone(BEIJING)
        day = format_date(local.date(), "medium", locale=self.locale)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return f"{format_date(local.date() - timedelta(days=1), 'medium', locale=self.locale)} 24:00"
        return f"{day} {local:%H:%M}"

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(BEIJING).date()
        return format_date(value, "medium", locale=self.locale)

    def money(self, amount: Decimal | float | str | None) -> str:
        if amount is None or amount == "":
            return "—"
        return self.gettext(
            "{amount} yuan", amount=format_decimal(Decimal(str(amount)), "#,##0.##", locale=self.locale)
        )

    def size(self, n: int) -> str:
        """A file's size as people read it: 512 B, 12.5 KB, 3.2 MB."""
        if n < 1024:
            return f"{n} B"
        unit, value = ("KB", n / 1024) if n < 1024 * 1024 else ("MB", n / 1024 / 1024)
        return f"{format_decimal(value, '#,##0.#', locale=self.locale)} {unit}"


@cache
def language(code: str) -> Language:
    return Language(code if code in LANGUAGES else LANGUAGES[0])


Gettext = Callable[..., str]

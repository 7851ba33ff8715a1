"""Every message the pages show is in the catalogs, translated into Chinese: none is shown in
English on a Chinese page for want of a translation."""

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from domain.enums import TaskKind
from web.core.i18n import TRANSLATIONS
from web.core.labels import known

WEB = TRANSLATIONS.parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def messages_in_the_code() -> set[str]:
    found = extract_from_dir(WEB, METHODS, keywords={"_": None, "N_": None})
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_every_message_of_the_pages_has_its_chinese_translation() -> None:
    with (TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    shown = messages_in_the_code()
    assert "File a complaint" in shown and "must not be empty" in shown  # templates and code both read
    missing = sorted(shown - translated)
    assert not missing, f"run ./scripts/translations and translate: {missing}"


def test_a_translation_keeps_the_parts_its_message_names() -> None:
    with (TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    names = re.compile(r"\{(\w+)\}")
    wrong = [m.id for m in catalog if m.id and set(names.findall(m.id)) != set(names.findall(m.string))]
    assert not wrong


def steps_recorded() -> set[str]:
    """Every kind of step a case's timeline can hold: its process's events and its tasks'."""
    root = WEB.parent
    sources = [root / "domain" / "complaint" / "process.py", root / "domain" / "ledger.py"]
    sources += sorted((root / "workflows").glob("*.py"))
    named = re.compile(r'(?:_event|journal\.event|\.event)\(\s*"([a-z_]+)"')
    found = {kind for path in sources for kind in named.findall(path.read_text())}
    return found | {f"{kind}_started" for kind in TaskKind}


def test_every_step_of_a_case_has_its_words() -> None:
    steps = steps_recorded()
    assert {"received", "closed", "scheduled", "verification_started"} <= steps  # the scan finds them
    missing = sorted(step for step in steps if not known("step", step))
    assert not missing, f"give these steps their words in web/core/labels.py: {missing}"

"""The supervision's recorded words in the page's language. A penalty's trigger and a public
notice are written once, in English, into the enterprise's history (and so can never change);
their shapes are few and fixed by domain/supervision, so a page puts each in its own words and
keeps the English, marked as such, for any it does not know. In English, the page's words are
the recorded ones."""

import re
from dataclasses import dataclass

from web.core.i18n import N_, Language
from web.core.labels import label


@dataclass(frozen=True)
class Words:
    text: str
    translated: bool  # False: the recorded English, for a page to mark lang="en"


Shapes = list[tuple[re.Pattern[str], str]]  # a recorded text's pattern, and the message it says


def _shapes(*pairs: tuple[str, str]) -> Shapes:
    return [(re.compile(pattern), message) for pattern, message in pairs]


TRIGGERS = _shapes(
    (r"rectification in case (?P<no>\S+) overdue", N_("rectification in case {no} overdue")),
    (
        r"rectification in case (?P<no>\S+) not effective",
        N_("rectification in case {no} not effective"),
    ),
    (r"warning (?P<id>\w+): rectification report overdue", N_("warning {id}: rectification report overdue")),
    (r"warning (?P<id>\w+): rectification not effective", N_("warning {id}: rectification not effective")),
    (
        r"serious violation \((?P<severity>\w+)\): the administrative penalty procedure",
        N_("serious violation ({severity}): the administrative penalty procedure"),
    ),
    (
        r"(?P<n>\d+) consecutive substantiated service-quality complaints",
        N_("{n} consecutive substantiated service-quality complaints"),
    ),
    (
        r"repeat violation within (?P<n>\d+) days \(earlier: (?P<cases>.+)\)",
        N_("repeat violation within {n} days (earlier: {cases})"),
    ),
)
PENALTIES = _shapes(
    (r"fine of (?P<amount>[\d,]+) yuan", N_("fine of {amount} yuan")),
    (r"suspension of sales for (?P<n>\d+) days", N_("suspension of sales for {n} days")),
    (r"revocation of the business licence", N_("revocation of the business licence")),
)
LIFT_CAUSES = _shapes(
    (
        r"its term has ended and its rectification is verified",
        N_("its term has ended and its rectification is verified"),
    ),
    (r"rectification verified in case (?P<no>\S+)", N_("rectification verified in case {no}")),
    (r"penalty (?P<id>\w+): rectification verified", N_("penalty {id}: rectification verified")),
    (r"warning (?P<id>\w+): rectification verified", N_("warning {id}: rectification verified")),
)
NAME = re.compile(r"enterprise (?P<code>\w{18})")
ENTERPRISE = r"(?P<name>.+) \(unified social credit code (?P<code>\w+)\)"
NOTICES = _shapes(
    (
        ENTERPRISE + r" is given a (?P<penalty>.+?) after a hearing under the Consumer Rights Protection Law "
        r"for: (?P<trigger>.+)\. Cases: (?P<cases>.+)\.",
        N_(
            "{name} (unified social credit code {code}) is given a {penalty} after a hearing under the "
            "Consumer Rights Protection Law for: {trigger}. Cases: {cases}."
        ),
    ),
    (
        ENTERPRISE + r" is given a (?P<penalty>.+?) under the Consumer Rights Protection Law "
        r"for: (?P<trigger>.+)\. Cases: (?P<cases>.+)\.",
        N_(
            "{name} (unified social credit code {code}) is given a {penalty} under the Consumer Rights "
            "Protection Law for: {trigger}. Cases: {cases}."
        ),
    ),
    (
        r"The (?P<penalty>.+) given to " + ENTERPRISE + r" is lifted: (?P<cause>.+)\.",
        N_("The {penalty} given to {name} (unified social credit code {code}) is lifted: {cause}."),
    ),
)


class Recorded:
    """The translations of one page's language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def _match(self, shapes: Shapes, text: str) -> tuple[str, dict[str, str]] | None:
        for pattern, message in shapes:
            if found := pattern.fullmatch(text):
                return message, found.groupdict()
        return None

    def _words(self, shapes: Shapes, text: str, **parts: Shapes) -> Words:
        """`text` in the page's words if it has one of `shapes` and each of its named `parts`
        has one of its own shapes."""
        matched = self._match(shapes, text)
        if matched is None:
            return Words(text, False)
        message, words = matched
        for name, inner in parts.items():
            if words.get(name) is None:
                continue
            part = self._words(inner, words[name])
            if not part.translated:
                return Words(text, False)
            words[name] = part.text
        if "severity" in words:
            words["severity"] = label(self.lang, "severity", words["severity"])
        if "name" in words and (named := NAME.fullmatch(words["name"])):
            words["name"] = self.lang.gettext(N_("enterprise {code}"), code=named["code"])
        if words.get("cases") == "supervision record":
            words["cases"] = self.lang.gettext(N_("supervision record"))
        return Words(self.lang.gettext(message, **words), True)

    def trigger(self, text: str) -> Words:
        """Why a penalty was proposed."""
        return self._words(TRIGGERS, text)

    def notice(self, text: str) -> Words:
        """A public notice's text."""
        return self._words(NOTICES, text, penalty=PENALTIES, trigger=TRIGGERS, cause=LIFT_CAUSES)

"""Market-regulation bureaus by administrative division (GB/T 2260): province, city, county,
under the system's own top. A bureau's code is its division's; its area is every division whose
code begins as its own does (`44` for a province, `4403` for a city, the whole code for a county),
so the tree follows from the codes alone, and a bureau's parent is the nearest bureau above it.

The bureau that handles a complaint is the county-level bureau where the respondent operates
(SAMR Interim Measures on complaints and reports, art. 8): the finest bureau whose area holds
the enterprise's registered division, or, for an enterprise the registry does not know, the
division the complaint names. A division no bureau's area holds goes to the top.
"""

import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from domain.messages import Message

TOP = "000000"  # the system's own top: every division is in its area


class BureauLevel(StrEnum):
    TOP = "top"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


def level_of(code: str) -> BureauLevel:
    if code == TOP:
        return BureauLevel.TOP
    if code.endswith("0000"):
        return BureauLevel.PROVINCE
    if code.endswith("00"):
        return BureauLevel.CITY
    return BureauLevel.COUNTY


def area_prefix(code: str) -> str:
    """What the codes of a bureau's area begin with: "" for the top, the whole code for a county."""
    return {BureauLevel.TOP: "", BureauLevel.PROVINCE: code[:2], BureauLevel.CITY: code[:4]}.get(
        level_of(code), code
    )


def covers(bureau: str, division: str | None) -> bool:
    """Whether the division (a case's bureau, an enterprise's registered division) is in the
    bureau's area. The top's area holds everything, even what no division places."""
    area = area_prefix(bureau)
    return not area or (division is not None and division.startswith(area))


def areas(codes: Iterable[str]) -> list[str]:
    """Every area below the top that the divisions lie in: each one's own, its city's and its
    province's, in code order."""
    found = {area for code in codes if code for area in (code, code[:4] + "00", code[:2] + "0000")}
    return sorted(found - {TOP})


class Domicile(Message):
    """A platform operator, where the registry says it is domiciled."""

    name: str
    division: str


class Bureau(Message):
    code: str
    name: str
    parent: str | None = None  # the nearest bureau above; None for the top

    @property
    def level(self) -> BureauLevel:
        return level_of(self.code)


class Routing(Message):
    """Which bureau handles a case, by which rule and why: kept with the case, like its triage."""

    bureau: str
    name: str
    rule: str  # enterprise-division | platform-domicile | complaint-division | top | transfer
    reason: str
    above: str | None = None  # the bureau above it, told when it misses a clock of its own


class BureauTree(Message):
    bureaus: dict[str, Bureau] = Field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "BureauTree":
        """`[bureaus]` of division code = name; the top (000000) must be among them."""
        names: dict[str, str] = tomllib.loads(text).get("bureaus", {})
        if TOP not in names:
            raise ValueError(f"bureaus: the top ({TOP}) is missing")
        for code in names:
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"bureaus: {code!r} is not a 6-digit division code")
        tree = cls(bureaus={code: Bureau(code=code, name=name) for code, name in names.items()})
        for bureau in tree.bureaus.values():
            if bureau.code != TOP:
                bureau.parent = tree.competent(bureau.code, below=bureau.code).code
        return tree

    @classmethod
    def load(cls, path: Path) -> "BureauTree":
        return cls.parse(path.read_text(encoding="utf-8"))

    def get(self, code: str | None) -> Bureau | None:
        return self.bureaus.get(code) if code else None

    def competent(self, division: str, *, below: str | None = None) -> Bureau:
        """The finest bureau whose area holds the division (other than `below` itself)."""
        for prefix in (division, division[:4] + "00", division[:2] + "0000", TOP):
            found = self.bureaus.get(prefix)
            if found is not None and prefix != below and covers(prefix, division):
                return found
        return self.bureaus[TOP]

    def within(self, code: str) -> list[Bureau]:
        """The bureaus in a bureau's area, itself first, then by code."""
        inside = [b for b in self.bureaus.values() if b.code != code and covers(code, b.code)]
        return [self.bureaus[code], *sorted(inside, key=lambda b: b.code)] if code in self.bureaus else inside

    def route(
        self, *, enterprise_division: str | None, complaint_division: str, platform: Domicile | None = None
    ) -> Routing:
        """The bureau that handles a complaint (art. 8): where the respondent operates, or, for a
        merchant on a platform where the policy says so, where the platform's operator is domiciled."""
        if platform is not None:
            division, rule = platform.division, "platform-domicile"
            why = f"the respondent trades on the platform of {platform.name}, domiciled in {division}"
        elif enterprise_division:
            division, rule = enterprise_division, "enterprise-division"
            why = f"the respondent is registered in division {enterprise_division}"
        else:
            division, rule = complaint_division, "complaint-division"
            why = f"the respondent is not in the registry; the complaint names division {complaint_division}"
        bureau = self.competent(division)
        if bureau.code == TOP:
            rule, why = "top", f"{why}, which no bureau below the top covers"
        elif bureau.level is not BureauLevel.COUNTY:
            why = f"{why}; no county-level bureau covers it, so the {bureau.level}-level one handles it"
        return Routing(bureau=bureau.code, name=bureau.name, rule=rule, reason=why, above=bureau.parent)

"""The supervision's recorded English in the page's words: every trigger and every public notice
the ladder writes, as the pure rules write them, put in Chinese whole, and in English as recorded."""

import re
from datetime import timedelta

import pytest

from domain.enums import Offence, SupervisionAction, ViolationKind
from domain.ledger import APPLIED
from domain.messages import Assignee
from domain.supervision.messages import HearingRecord, HearingRequest, HearingSchedule
from tests.support import ENTERPRISE, SUPERVISOR
from tests.support.processes import START, Ladder, climbed, statement
from web.core.i18n import language
from web.core.recorded import Recorded

pytestmark = pytest.mark.sqlite_only


def revoked() -> Ladder:
    """Fines, a suspension and the revocation, each decided and published."""
    ladder = climbed(4)
    assert ladder.decide("P4", 4) == APPLIED
    return ladder


def lifted() -> Ladder:
    """A suspension lifted when its term has run and its rectification is verified."""
    ladder = climbed(3)
    assert ladder.decide("P3", 3) == APPLIED
    ladder.verified("CP-3")
    suspension = ladder.penalty("P3")
    assert suspension.term_due is not None
    ladder.pass_deadline(suspension.term_due)
    return ladder


def heard() -> Ladder:
    """A fine decided after the hearing the enterprise asked for."""
    ladder = climbed(2)
    officer = Assignee(id="sup-qian", name="钱立")
    asks = HearingRequest(request_id="h", actor=ENTERPRISE, penalty_id="P2")
    steps = [
        (SupervisionAction.REQUEST_HEARING, asks),
        (SupervisionAction.SUBMIT_STATEMENT, statement("P2", 2)),
        (
            SupervisionAction.SCHEDULE_HEARING,
            HearingSchedule(
                request_id="s",
                actor=SUPERVISOR,
                penalty_id="P2",
                at=START + timedelta(days=12),
                place="听证室",
                presiding_officer=officer,
            ),
        ),
    ]
    for action, command in steps:
        assert ladder.take(action, command) == APPLIED
    ladder.now = START + timedelta(days=12.5)
    held = HearingRecord(
        request_id="r",
        actor=SUPERVISOR,
        penalty_id="P2",
        held_at=START + timedelta(days=12),
        attended=True,
        record="企业陈述了整改情况",
        opinion="建议维持",
    )
    assert ladder.take(SupervisionAction.RECORD_HEARING, held) == APPLIED
    assert ladder.decide("P2", 5) == APPLIED
    return ladder


def repeated() -> Ladder:
    ladder = Ladder()
    ladder.violation("CP-1")
    ladder.later(days=30)
    ladder.violation("CP-2")
    return ladder


def service_quality() -> Ladder:
    ladder = Ladder()
    for case in ("CP-1", "CP-2"):
        ladder.violation(case, ViolationKind.SUBSTANTIATED_COMPLAINT, offence=Offence.SERVICE_QUALITY)
    return ladder


def order_overdue() -> Ladder:
    ladder = Ladder()
    ladder.violation("CP-1")
    warning = ladder.state.warnings[0]
    assert warning.order_due is not None
    ladder.pass_deadline(warning.order_due)
    return ladder


def failed_rectification(kind: ViolationKind) -> Ladder:
    ladder = Ladder()
    ladder.violation("CP-1", ViolationKind.SUBSTANTIATED_COMPLAINT)
    ladder.later(days=1)
    ladder.violation("CP-1", kind)
    return ladder


def decided(ladder: Ladder) -> Ladder:
    """Its proposal decided, so that its trigger is published too."""
    assert ladder.decide("P1") == APPLIED
    return ladder


LADDERS = [
    revoked(),
    lifted(),
    heard(),
    decided(repeated()),
    decided(service_quality()),
    decided(order_overdue()),
    decided(failed_rectification(ViolationKind.LATE_RECTIFICATION)),
    decided(failed_rectification(ViolationKind.INEFFECTIVE_RECTIFICATION)),
]
TRIGGERS = sorted({p.trigger for ladder in LADDERS for p in ladder.state.penalties if p.trigger})
NOTICES = sorted({n.text for ladder in LADDERS for n in ladder.state.notices})
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def test_the_ladders_write_every_shape_there_is() -> None:
    """Each kind of trigger and notice is among those read below (so none is left untested)."""
    shapes = [
        "rectification in case CP-1 overdue",
        "rectification in case CP-1 not effective",
        "serious violation (serious)",
        "consecutive substantiated",
        "repeat violation within",
        "warning W1: rectification report overdue",
    ]
    assert all(any(s in t for t in TRIGGERS) for s in shapes), TRIGGERS
    kinds = ["fine of", "suspension of sales", "revocation", "after a hearing", "is lifted"]
    assert all(any(k in n for n in NOTICES) for k in kinds), NOTICES


@pytest.mark.parametrize("text", TRIGGERS + NOTICES)
def test_chinese_pages_say_what_the_supervision_recorded_in_chinese(text: str) -> None:
    recorded = Recorded(language("zh_CN"))
    words = recorded.notice(text) if text in NOTICES else recorded.trigger(text)
    assert words.translated, text
    assert not ENGLISH_WORD.findall(words.text.replace("CP-", "")), words.text
    for number in re.findall(r"CP-\d+|[PW]\d\b|\d{2,}", text.replace(",", "")):  # nothing lost
        assert number in words.text.replace(",", ""), (number, words.text)


@pytest.mark.parametrize("text", TRIGGERS + NOTICES)
def test_english_pages_say_it_as_recorded(text: str) -> None:
    recorded = Recorded(language("en"))
    words = recorded.notice(text) if text in NOTICES else recorded.trigger(text)
    assert words.translated and words.text.lower() == text.lower()


def test_words_of_an_unknown_shape_stay_in_their_recorded_english() -> None:
    words = Recorded(language("zh_CN")).notice("A notice of a kind the pages do not know.")
    assert (words.text, words.translated) == ("A notice of a kind the pages do not know.", False)

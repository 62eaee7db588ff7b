"""Each state's rules on a patient's access to their medical records, as the files in `states/` hold them,
and the deadline a state's rule sets for a request."""

import datetime
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import holidays

STATES_DIR = Path(__file__).parent / "states"

# What a holder is, as a person adding a doctor or office says it, and the rules' words each one meets.
PHYSICIAN, HOSPITAL, OTHER = "physician", "hospital", "other"
HOLDER_WORDS = {
    PHYSICIAN: {"any provider", "physician", "practitioner"},
    HOSPITAL: {"any provider", "hospital"},  # not "health facility": those rules are for long-term care
    OTHER: {"any provider"},
    "": {"any provider"},  # not said: only what binds every provider
}
# The rules that bind a request the patient (or someone for them) makes for copies of their records.
PATIENT_ASKS = {"patient or representative", "patient or authorized requester", "patient"}
COUNTED = {"calendar", "business", "working"}
STARTS = {"request", "request and payment"}


@dataclass(frozen=True)
class Rule:
    holder: str
    requester: str
    owed: str
    citation: str
    url: str
    quote: str
    checked_on: str
    checked_how: str  # official text | secondary source | not confirmed
    source: str
    days: int | None = None
    unit: str = ""
    starts: str = ""
    extension: str = ""
    fees: str = ""
    free_copies: str = ""
    effective: str = ""
    conditional: str = ""  # the rule binds only some requests (as it says): shown, never set the clock

    @property
    def in_words(self) -> str:
        """ "within 15 business days of the request"."""
        unit = "" if self.unit == "calendar" else f"{self.unit} "
        return f"within {self.days} {unit}days of the {self.starts}"


@dataclass(frozen=True)
class StateLaw:
    code: str
    name: str
    federal_floor: bool  # no confirmed rule here is stricter than the federal one
    summary: str
    rules: tuple[Rule, ...]


@cache
def states() -> dict[str, StateLaw]:
    """Every state and DC, by postal code."""
    found = {}
    for path in sorted(STATES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        rules = tuple(Rule(**rule) for rule in data["rules"])
        found[data["state"]] = StateLaw(
            data["state"], data["name"], data["federal_floor"], data["summary"], rules
        )
    return found


def choices() -> list[tuple[str, str]]:
    return sorted(((law.code, law.name) for law in states().values()), key=lambda pair: pair[1])


def find(text: str) -> StateLaw | None:
    """The state named by its postal code or its name (as people wrote it before they could choose)."""
    text = text.strip()
    return states().get(text.upper()) or next(
        (law for law in states().values() if law.name.lower() == text.lower()), None
    )


def binding(state: str, holder_kind: str) -> list[Rule]:
    """The state's rules with a deadline that bind this kind of holder when the patient asks for copies."""
    law = states().get(state)
    if law is None:
        return []
    return [
        rule
        for rule in law.rules
        if rule.days
        and rule.unit in COUNTED
        and rule.starts in STARTS
        and rule.owed == "copies"
        and rule.requester in PATIENT_ASKS
        and rule.holder in HOLDER_WORDS.get(holder_kind, HOLDER_WORDS[""])
        and rule.checked_how != "not confirmed"
        and not rule.conditional
    ]


@lru_cache(maxsize=256)  # (state, year): a date typed far back cannot fill the memory
def _days_off(state: str, year: int) -> holidays.HolidayBase:
    """The state's public holidays of `year` and the next (a deadline can run into it)."""
    return holidays.country_holidays("US", subdiv=state, years=range(year, year + 2))


def due_on(rule: Rule, state: str, start: datetime.date) -> datetime.date:
    """The last day the rule allows: calendar days, or business and working days, which skip weekends and
    the state's public holidays."""
    assert rule.days is not None
    if rule.unit == "calendar":
        return start + datetime.timedelta(days=rule.days)
    days_off = _days_off(state, start.year)
    day, left = start, rule.days
    while left:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in days_off:
            left -= 1
    return day

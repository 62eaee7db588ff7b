"""Each state's rules on a patient's access to their medical records, as the files in `states/` hold them,
and the deadline a state's rule sets for a request.

The words a patient reads come in the active language: the prose of each file (`summary`, `fees`, ...) from
the file itself, which holds it in English and beside it in other languages (`summary_es`: states/README.md),
and the fixed words of the rules' fields (holder, requester, unit, start, how a rule was checked) from the
message catalogues. The rules' fields themselves stay the English words the clock matches on."""

import datetime
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import holidays
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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

# The words a patient reads for the rules' fixed words (the keys), in the active language.
HOLDERS: dict[str, Promise] = {
    "any provider": pgettext_lazy("who must give the records", "any provider"),
    "any provider (possibly only providers not covered by HIPAA)": pgettext_lazy(
        "who must give the records", "any provider (possibly only providers not covered by HIPAA)"
    ),
    "physician": pgettext_lazy("who must give the records", "physician"),
    "practitioner": pgettext_lazy("who must give the records", "practitioner"),
    "hospital": pgettext_lazy("who must give the records", "hospital"),
    "health facility": pgettext_lazy("who must give the records", "health facility"),
    "public provider": pgettext_lazy("who must give the records", "public provider"),
}
# Who asks, said as the condition a rule sets: "(when another provider asks)".
REQUESTERS: dict[str, Promise] = {
    "patient or representative": _("when the patient or their representative asks"),
    "patient or authorized requester": _("when the patient or someone they authorize asks"),
    "patient": _("when the patient asks"),
    "another provider": _("when another provider asks"),
    "third party helping with a disability benefit application": _(
        "when a third party helping with a disability benefit application asks"
    ),
    "person the patient authorizes": _("when a person the patient authorizes asks"),
    "patient's attorney with the patient's authorization": _(
        "when the patient's attorney asks, with the patient's authorization"
    ),
    "personal representative, agent under power of attorney, or attorney": _(
        "when a personal representative, an agent under a power of attorney, or an attorney asks"
    ),
}
# When the clock starts: "within 15 days of the request".
STARTS_WORDS: dict[str, Promise] = {
    "request": pgettext_lazy("when a deadline starts", "the request"),
    "request and payment": pgettext_lazy("when a deadline starts", "the request and payment"),
    "record completion": pgettext_lazy("when a deadline starts", "the record completion"),
}
# A rule's deadline, by the unit its days are counted in (the count is `count`, the start is `start`).
IN_WORDS: dict[str, Promise] = {
    "calendar": ngettext_lazy(
        "within %(count)d day of %(start)s", "within %(count)d days of %(start)s", "count"
    ),
    "business": ngettext_lazy(
        "within %(count)d business day of %(start)s", "within %(count)d business days of %(start)s", "count"
    ),
    "working": ngettext_lazy(
        "within %(count)d working day of %(start)s", "within %(count)d working days of %(start)s", "count"
    ),
}
# How a rule was checked, and when (`{on}`, a YYYY-MM-DD date).
CHECKED_HOW: dict[str, Promise] = {
    "official text": _("Last checked {on}, in the law's own words."),
    "secondary source": _("Last checked {on}, in a summary of the law only."),
    "not confirmed": _("Last checked {on}: <strong>we could not confirm this rule</strong>."),
}

ENGLISH = "en"
# The prose of a state file a patient reads: English in `name`, each other language in `name_<code>`.
LAW_TEXTS = ("name", "summary")
RULE_TEXTS = ("extension", "fees", "free_copies", "conditional")
Texts = Mapping[str, Mapping[str, str]]  # language -> field -> text


def _text(texts: Texts, name: str, language: str | None = None) -> str:
    """The text in `language` or else the active one ("es-mx", then "es"), or in English when the file has
    none in it."""
    wanted = (language or get_language() or ENGLISH).lower()
    return next(
        (
            texts[code][name]
            for code in (wanted, wanted.split("-")[0], ENGLISH)
            if texts.get(code, {}).get(name)
        ),
        "",
    )


def _split_texts(data: dict[str, Any], names: tuple[str, ...]) -> Texts:
    """Takes the texts `names` (and their `_<code>` versions) out of a file's table, by language."""
    found: dict[str, dict[str, str]] = {ENGLISH: {name: data.pop(name, "") for name in names}}
    for key in list(data):
        for name in names:
            code = key.removeprefix(f"{name}_")  # "es", "pt_br"
            if code != key and re.fullmatch(r"[a-z]{2,3}(_[a-z0-9]+)?", code):
                found.setdefault(code.replace("_", "-"), {})[name] = data.pop(key)
                break
    return MappingProxyType({code: MappingProxyType(each) for code, each in found.items()})


@dataclass(frozen=True)
class Rule:
    holder: str
    requester: str
    owed: str
    citation: str
    url: str
    quote: str  # the law's own words, never translated
    checked_on: str
    checked_how: str  # official text | secondary source | not confirmed
    source: str
    days: int | None = None
    unit: str = ""
    starts: str = ""
    effective: str = ""
    # extension, fees, free_copies and conditional (the rule binds only some requests, as it says: shown,
    # never set the clock), by language; the properties give them in the active one.
    texts: Texts = field(default_factory=lambda: MappingProxyType({}), hash=False, repr=False)

    def text(self, name: str, language: str | None = None) -> str:
        """One of RULE_TEXTS in `language`, or else in the active one (English when the file has none)."""
        return _text(self.texts, name, language)

    @property
    def extension(self) -> str:
        return self.text("extension")

    @property
    def fees(self) -> str:
        return self.text("fees")

    @property
    def free_copies(self) -> str:
        return self.text("free_copies")

    @property
    def conditional(self) -> str:
        return self.text("conditional")

    @property
    def holder_label(self) -> str:
        """ "any provider", "cualquier proveedor de atención médica"."""
        return str(HOLDERS.get(self.holder, self.holder))

    @property
    def requester_label(self) -> str:
        """ "when another provider asks"."""
        found = REQUESTERS.get(self.requester)
        return str(found) if found is not None else f"when {self.requester} asks"

    @property
    def in_words(self) -> str:
        """ "within 15 business days of the request"."""
        start = STARTS_WORDS.get(self.starts, self.starts)
        return IN_WORDS[self.unit] % {"count": self.days, "start": start}

    @property
    def checked_label(self) -> SafeString:
        """ "Last checked 2026-12-06, in the law's own words." (HTML)."""
        sentence = CHECKED_HOW.get(self.checked_how, CHECKED_HOW["not confirmed"])
        return format_html(str(sentence), on=self.checked_on)


@dataclass(frozen=True)
class StateLaw:
    code: str
    federal_floor: bool  # no confirmed rule here is stricter than the federal one
    rules: tuple[Rule, ...]
    # name and summary, by language; the properties give them in the active one.
    texts: Texts = field(default_factory=lambda: MappingProxyType({}), hash=False, repr=False)

    def text(self, name: str, language: str | None = None) -> str:
        """One of LAW_TEXTS in `language`, or else in the active one (English when the file has none)."""
        return _text(self.texts, name, language)

    @property
    def name(self) -> str:
        """ "New York", "Nueva York": in the active language."""
        return self.text("name")

    @property
    def summary(self) -> str:
        return self.text("summary")

    @property
    def names(self) -> set[str]:
        """Its name in every language the file has."""
        return {each["name"] for each in self.texts.values() if each.get("name")}


@cache
def states() -> dict[str, StateLaw]:
    """Every state and DC, by postal code."""
    found = {}
    for path in sorted(STATES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        rules = []
        for rule in data.pop("rules"):
            texts = _split_texts(rule, RULE_TEXTS)  # takes them out of `rule`
            rules.append(Rule(**rule, texts=texts))
        texts = _split_texts(data, LAW_TEXTS)
        found[data["state"]] = StateLaw(data["state"], data["federal_floor"], tuple(rules), texts)
    return found


def _folded(text: str) -> str:
    """`text` without case or accents, to sort and match names ("Míchigan" as "michigan")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def choices() -> list[tuple[str, str]]:
    """(code, name) of every state, by name in the active language."""
    return sorted(((law.code, law.name) for law in states().values()), key=lambda pair: _folded(pair[1]))


def find(text: str) -> StateLaw | None:
    """The state named by its postal code or its name in any language (as people wrote it before they could
    choose, or chose it on a page in another language)."""
    text = text.strip()
    return states().get(text.upper()) or next(
        (law for law in states().values() if _folded(text) in {_folded(name) for name in law.names}), None
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
        and not rule.text("conditional", ENGLISH)
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

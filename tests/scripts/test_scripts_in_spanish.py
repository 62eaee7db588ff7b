"""The six scripts in Spanish: generated inside translation.override("es") they keep none of the English
sentences, and carry exactly the facts and placeholders the English ones carry.

These read the compiled catalogue (locale/es), so they pass once the Spanish parts are merged into it."""

import datetime
import re
import string

import pytest
from django.utils import translation

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.editing.texts import placeholders_in
from secondop.opinions.models import Decision, Opinion
from secondop.records.models import Provider, ProviderRole
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import DraftKind, DraftUse
from secondop.scripts.texts import (
    AGREEMENT_SENTENCES,
    FACT_LABELS,
    PORTAL_FRAME,
    REFERRAL_SENTENCES,
    SHARE_RESULT_DECISIONS,
    TEMPLATES,
    Facts,
    generate,
    portal_version,
)

ALL_KINDS = [kind.value for kind in DraftKind]
# What people typed: it stays as it was typed, in either language.
TYPED = {
    "patient_name": "Alex Rivera",
    "concern": "la cirugía de rodilla",
    "current_provider": "Dr. Maria Chen",
    "second_provider": "Dr. Sam Patel",
    "second_practice": "University Orthopedics",
    "address": "12 Hill Road, Springfield",
    "fax": "555-0100",
    "diagnosis": "Artritis",
    "recommendation": "Fisioterapia primero",
}
APOLOGIES = ("perdón", "perdon", "disculp", "lo siento", "lament")


@pytest.fixture
def full(case: Case, owner: User) -> Case:
    """A case that knows every fact, a noted conversation, a referral and a second opinion."""
    case.concern = TYPED["concern"]
    case.referral_needed = "yes"
    case.save()
    Provider.objects.create(
        case=case, role=ProviderRole.CURRENT, name=TYPED["current_provider"], practice="Eastside Clinic"
    )
    Provider.objects.create(
        case=case,
        role=ProviderRole.SECOND_OPINION,
        name=TYPED["second_provider"],
        practice=TYPED["second_practice"],
        address=TYPED["address"],
        fax=TYPED["fax"],
    )
    asked = ensure_drafts(case)[DraftKind.SECOND_OPINION]
    DraftUse.objects.create(draft=asked, used_on=datetime.date(2026, 11, 20), channel="in_person")
    Opinion.objects.create(
        case=case,
        agreement="different",
        second_diagnosis=TYPED["diagnosis"],
        second_recommendation=TYPED["recommendation"],
        decision=Decision.SWITCH,
    )
    return case


def in_language(language: str, case: Case, kind: str) -> tuple[str, Facts]:
    with translation.override(language):
        facts = Facts.of(case)
        return generate(kind, facts), facts


def fields_of(text: object) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(str(text)) if name}


def without_facts(text: str, facts: Facts) -> str:
    """The text with what people typed, and the records list (the records' own words), cut out."""
    cut = [*TYPED.values(), facts.values["records_wanted"]]
    for value in sorted(filter(None, cut), key=len, reverse=True):
        text = text.replace(value, " ¶ ")
    return text


def english_sentences(text: str) -> list[str]:
    """The sentences (and lines) of our own words: three words or more once the facts are cut out."""
    parts = re.split(r"(?<=[.?!])\s+|\n+", text)
    return [part for part in parts if len(re.findall(r"[A-Za-z]{2,}", part.replace("¶", ""))) >= 3]


def word_runs(text: str, size: int = 3) -> set[tuple[str, ...]]:
    """Every run of `size` words in a row (a cut-out fact breaks a run)."""
    runs: set[tuple[str, ...]] = set()
    for segment in text.split("¶"):
        words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", segment.lower())
        runs |= {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
    return runs


def assert_spanish(english: str, spanish: str, en_facts: Facts, es_facts: Facts) -> None:
    en_own, es_own = without_facts(english, en_facts), without_facts(spanish, es_facts)
    for sentence in english_sentences(en_own):
        assert sentence.strip() not in es_own, f"English left in the Spanish script: {sentence!r}"
    shared = word_runs(en_own) & word_runs(es_own)
    assert not shared, f"English words left in the Spanish script: {sorted(shared)}"
    for word in APOLOGIES:
        assert word not in spanish.lower()


def assert_same_facts(english: str, spanish: str, en_facts: Facts, es_facts: Facts) -> None:
    for name, value in TYPED.items():
        assert english.count(value) == spanish.count(value), (name, value)
    for name in FACT_LABELS:
        en_value, es_value = en_facts.values[name], es_facts.values[name]
        assert bool(en_value) == bool(es_value), name
        if en_value:
            assert english.count(en_value) == spanish.count(es_value), name


@pytest.mark.parametrize(
    "texts",
    [TEMPLATES, SHARE_RESULT_DECISIONS, AGREEMENT_SENTENCES, REFERRAL_SENTENCES, {"frame": PORTAL_FRAME}],
    ids=["scripts", "decisions", "agreement", "referral", "portal-frame"],
)
def test_every_text_of_the_scripts_is_spanish_with_the_same_placeholders(texts: dict[str, object]) -> None:
    for key, text in texts.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("es"):
            spanish = str(text)
        assert spanish != english, key
        assert fields_of(spanish) == fields_of(english), key


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_script_generated_in_spanish_has_no_english_and_the_same_facts(full: Case, kind: str) -> None:
    english, en_facts = in_language("en", full, kind)
    spanish, es_facts = in_language("es", full, kind)
    assert_spanish(english, spanish, en_facts, es_facts)
    assert_same_facts(english, spanish, en_facts, es_facts)
    assert placeholders_in(english) == placeholders_in(spanish) == []
    if kind == DraftKind.PORTAL_MESSAGE:
        assert "November 20" in english
        assert "20 de noviembre" in spanish
    if kind in (DraftKind.RECORDS_REQUEST, DraftKind.PORTAL_MESSAGE):
        assert "12 Hill Road, Springfield or fax 555-0100" in english
        assert "12 Hill Road, Springfield o fax 555-0100" in spanish
    if kind == DraftKind.SHARE_RESULT:
        assert f"{TYPED['diagnosis']}." in spanish and f"{TYPED['recommendation']}." in spanish


@pytest.mark.parametrize("decision", [choice.value for choice in Decision])
def test_the_shared_result_says_each_decision_in_spanish(full: Case, decision: str) -> None:
    Opinion.objects.filter(case=full).update(decision=decision, agreement="agreed")
    english, en_facts = in_language("en", full, DraftKind.SHARE_RESULT)
    spanish, es_facts = in_language("es", full, DraftKind.SHARE_RESULT)
    assert_spanish(english, spanish, en_facts, es_facts)
    assert_same_facts(english, spanish, en_facts, es_facts)


def test_the_portal_version_of_the_shared_result_is_spanish_around_the_text(full: Case) -> None:
    english, en_facts = in_language("en", full, DraftKind.SHARE_RESULT)
    spanish, es_facts = in_language("es", full, DraftKind.SHARE_RESULT)
    with translation.override("en"):
        en_portal = portal_version(english, en_facts)
    with translation.override("es"):
        es_portal = portal_version(spanish, es_facts)
    assert spanish in es_portal
    assert_spanish(en_portal, es_portal, en_facts, es_facts)
    assert es_portal.endswith(TYPED["patient_name"])
    assert TYPED["current_provider"] in es_portal


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_missing_facts_are_the_same_placeholders_in_spanish(case: Case, kind: str) -> None:
    case.patient_name = case.concern = ""
    case.records_wanted = []
    case.save()
    missing = {}
    for language in ("en", "es"):
        with translation.override(language):
            text = generate(kind, Facts.of(case))
            labels = {str(label): fact for fact, label in FACT_LABELS.items()}
            found = placeholders_in(text)
            assert all(label in labels for label in found), (language, found)
            missing[language] = [labels[label] for label in found]
    assert missing["es"] == missing["en"] != []
    with translation.override("en"):
        english_labels = {str(label) for label in FACT_LABELS.values()}
    with translation.override("es"):
        spanish_labels = {str(label) for label in FACT_LABELS.values()}
    assert not english_labels & spanish_labels

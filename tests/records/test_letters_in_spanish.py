"""The letters in Spanish: generated inside `translation.override("es")`, each says everything the English one
says, in Spanish, with the same facts and the same placeholders.

These need the Spanish catalogue compiled (locale/es/LC_MESSAGES/django.mo, merged from locale/parts/).
"""

import datetime
import re

import pytest
from django.utils import translation

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.editing.texts import placeholders_in
from secondop.records import progress
from secondop.records.letters import LABELS, SIGN_HERE, TEMPLATES, generate, long_date
from secondop.records.models import LetterKind, Provider, describe_records
from tests.records.test_letters import ALL_KINDS, bare_request, full_request

D = datetime.date
TODAY = D(2026, 4, 6)  # past the deadline of a request asked for on March 2, 2026: every letter is offered
CITATIONS = re.compile(r"\(?45 CFR 164\.524\)?|HIPAA|\(OCR\)")

# Words the generator adds around the facts, in English, that a Spanish letter must not carry.
ENGLISH_WORDS = [
    "Please send them",
    "electronic copy",
    "by fax",
    " or fax ",
    " and also ",
    "visit notes",
    "imaging reports",
    "from January",
    " to June",
    "March",
    "April",
    "My signed directive",
    "I asked you to send them",
    "of the request",
    " law (",
    "asks for them sooner",
    "If there is a fee",
    "which includes",
    "I have not received",
    "follow up",
]


def _in(language: str, kind: str, request: object) -> str:
    with translation.override(language):
        return generate(kind, request, TODAY)  # type: ignore[arg-type]


def _english_sentences(kind: str) -> list[str]:
    """The fixed words of the English template: what lies between its placeholders, sentence by sentence."""
    with translation.override("en"):
        template = str(TEMPLATES[kind])
    found = []
    for piece in re.split(r"\{[a-z_]+\}|\n", template):
        for sentence in re.split(r"(?<=[.:,])\s+", CITATIONS.sub("", piece)):
            if len(re.sub(r"[^A-Za-z]", "", sentence)) >= 4:
                found.append(sentence.strip())
    return found


def _labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: str(label) for key, label in LABELS.items()}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_letter_generated_in_spanish_has_no_english_sentence_and_keeps_every_fact(
    case: Case, owner: User, kind: str
) -> None:
    request = full_request(case, owner)
    english, spanish = _in("en", kind, request), _in("es", kind, request)
    assert spanish != english
    sentences = _english_sentences(kind)
    assert len(sentences) >= 4
    for sentence in sentences:
        assert sentence not in spanish, f"English left in the Spanish {kind}: {sentence!r}"
    for words in ENGLISH_WORDS:
        assert words not in spanish, f"English left in the Spanish {kind}: {words!r}"

    assert placeholders_in(spanish) == []
    for fact in (
        "Alex Rivera",
        "Dr. Maria Chen",
        "Dr. Sam Patel",
        "University Orthopedics",
        "the 2024 knee MRI",  # the patient's own words stay as they wrote them
    ):
        assert fact in spanish, fact
    with translation.override("es"):
        dates = [long_date(D(2024, 1, 1)), long_date(D(2025, 6, 30))]
        records = describe_records(["visit_notes", "imaging_reports"])
    assert dates == ["1 de enero de 2024", "30 de junio de 2025"]
    assert all(date in spanish for date in dates)
    assert records in spanish
    if kind != LetterKind.PORTAL_MESSAGE:
        assert "45 CFR 164.524" in spanish
        assert spanish.count(SIGN_HERE) == english.count(SIGN_HERE)
    if kind in (LetterKind.REQUEST, LetterKind.ESCALATION):
        assert "Eastside Clinic\n1 Main Street, Springfield" in spanish
    if kind == LetterKind.DIRECTIVE:
        assert "12 Hill Road, Springfield" in spanish and "555-0100" in spanish
    # The same shape: as many paragraphs, so reading it aloud goes part by part as in English.
    assert spanish.count("\n\n") == english.count("\n\n")


def test_the_spanish_request_letter_is_dated_as_spanish_writes_a_date(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    assert _in("en", LetterKind.REQUEST, request).startswith("March 2, 2026\n\nDr. Maria Chen\n")
    assert _in("es", LetterKind.REQUEST, request).startswith("2 de marzo de 2026\n\nDr. Maria Chen\n")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_spanish_letter_shows_the_same_missing_facts_as_spanish_placeholders(case: Case, kind: str) -> None:
    case.patient_name = ""
    request = bare_request(case)
    english, spanish = _in("en", kind, request), _in("es", kind, request)
    by_english_label = {label: key for key, label in _labels("en").items()}
    missing = [by_english_label[label] for label in placeholders_in(english)]
    assert missing  # a bare request misses a lot
    es = _labels("es")
    assert set(placeholders_in(spanish)) == {es[key] for key in missing}
    assert len(placeholders_in(spanish)) == len(missing)
    for key in missing:
        assert es[key] != _labels("en")[key], f"the placeholder for {key} is not in Spanish"
        assert len(es[key]) <= 80  # a placeholder is at most 80 characters (secondop.editing.texts)


def test_a_state_law_that_is_stricter_is_named_in_spanish_with_its_citation(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    Provider.objects.filter(pk=request.holder_id).update(state="TX", kind="physician")
    request.refresh_from_db()
    english = _in("en", LetterKind.REQUEST, request)
    spanish = _in("es", LetterKind.REQUEST, request)
    sooner = "Texas law (Tex. Occ. Code § 159.006(a), (d)) asks for them sooner: within 15 business days"
    assert sooner in english
    assert "Tex. Occ. Code § 159.006(a), (d)" in spanish
    assert "asks for them sooner" not in spanish and "business days" not in spanish


def test_the_escalation_in_spanish_names_what_arrived_and_the_extension(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    progress.move(request, "extended", D(2026, 3, 20), today=D(2026, 3, 20), user=owner)
    request.refresh_from_db()
    with translation.override("es"):
        spanish = generate(LetterKind.ESCALATION, request, D(2026, 5, 4))
        notice, due = long_date(D(2026, 3, 20)), long_date(D(2026, 5, 1))
    assert notice in spanish and due in spanish
    assert "which includes the extra 30 days" not in spanish
    assert "I have not received the records" not in spanish


def test_describe_records_gives_its_words_in_the_active_language() -> None:
    keys = ["visit_notes", "test_results", "imaging_reports"]
    with translation.override("en"):
        english = describe_records(keys)
    with translation.override("es"):
        spanish = describe_records(keys)
    assert english == "visit notes, lab and test results and imaging reports"
    assert spanish != english
    assert not any(words in spanish for words in ("visit notes", "test results", "imaging reports", " and "))

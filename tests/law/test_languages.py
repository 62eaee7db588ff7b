"""The state rules in Spanish: each file holds a Spanish text beside every English one a patient reads, with
the same numbers; the loaded laws give the text of the active language; and the rights page shows it, with the
fixed words (holder, deadline, how a rule was checked) from the message catalogue."""

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case
from secondop.law import rules
from tests.conftest import client_for

FILES = sorted(rules.STATES_DIR.glob("*.toml"))


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def shown(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(where, table, field) of each English text of a file that the rights page shows a patient."""
    yield "summary", data, "summary"
    for number, rule in enumerate(data["rules"], 1):
        for name in rules.RULE_TEXTS:
            yield f"rule {number} {name}", rule, name


def numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+", text))


def test_there_is_a_file_for_every_state_and_dc() -> None:
    assert len(FILES) == 51


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_every_english_text_a_patient_reads_has_a_spanish_one_beside_it(path: Path) -> None:
    data = read(path)
    for where, table, name in shown(data):
        if table.get(name, "").strip():
            assert table.get(f"{name}_es", "").strip(), f"{path.name}: {where} has no {name}_es"
            assert table[f"{name}_es"] != table[name], f"{path.name}: {where}: {name}_es is the English"
        else:
            assert not table.get(f"{name}_es"), f"{path.name}: {where}: {name}_es without an English {name}"
    # A Spanish name only where it differs from the English one.
    assert data.get("name_es", "x").strip() and data.get("name_es") != data["name"], path.name


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_spanish_keeps_every_number_of_the_english(path: Path) -> None:
    for where, table, name in shown(read(path)):
        if table.get(name):
            assert numbers(table[f"{name}_es"]) == numbers(table[name]), f"{path.name}: {where}"


def test_the_loaded_laws_give_the_text_of_the_active_language_and_english_otherwise() -> None:
    for path in FILES:
        data = read(path)
        law = rules.states()[data["state"]]
        for language, suffix in [("es", "_es"), ("es-mx", "_es"), ("en", ""), ("fr", "")]:
            with translation.override(language):
                assert law.name == data.get(f"name{suffix}", data["name"]), (path.name, language)
                assert law.summary == data[f"summary{suffix}"], (path.name, language)
                for rule, table in zip(law.rules, data["rules"], strict=True):
                    for name in rules.RULE_TEXTS:
                        wanted = table.get(f"{name}{suffix}", "") if table.get(name) else ""
                        assert getattr(rule, name) == wanted, (path.name, language, name)


def test_spanish_names_follow_spanish_usage_and_the_others_stay() -> None:
    with translation.override("es"):
        names = {code: law.name for code, law in rules.states().items()}
    assert (names["NY"], names["NC"], names["SD"], names["NM"]) == (
        "Nueva York",
        "Carolina del Norte",
        "Dakota del Sur",
        "Nuevo México",
    )
    assert (names["PA"], names["LA"], names["MO"], names["HI"], names["MI"], names["OR"]) == (
        "Pensilvania",
        "Luisiana",
        "Misuri",
        "Hawái",
        "Míchigan",
        "Oregón",
    )
    assert (names["TX"], names["CA"]) == ("Texas", "California")


def test_the_choices_are_sorted_by_the_name_in_the_active_language_ignoring_accents() -> None:
    with translation.override("es"):
        codes = [code for code, _ in rules.choices()]
        assert dict(rules.choices())["NY"] == "Nueva York"
    assert codes.index("MA") < codes.index("MI") < codes.index("MN")  # Míchigan among the M's
    # Nevada, Nueva Jersey, Nueva York, Nuevo Hampshire, Nuevo México
    assert [codes.index(code) for code in ("NV", "NJ", "NY", "NH", "NM")] == list(
        range(codes.index("NV"), codes.index("NV") + 5)
    )
    assert dict(rules.choices())["NY"] == "New York"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("New York", "NY"),
        ("Nueva York", "NY"),
        (" nueva york ", "NY"),
        ("Michigan", "MI"),
        ("Míchigan", "MI"),
    ],
)
def test_a_state_is_found_by_its_name_in_any_language(written: str, code: str) -> None:
    for language in ("en", "es"):
        with translation.override(language):
            found = rules.find(written)
            assert found is not None and found.code == code


def test_the_clock_matches_on_the_english_words_whatever_the_language() -> None:
    for language in ("en", "es"):
        with translation.override(language):
            for code in rules.states():
                for kind in (rules.PHYSICIAN, rules.HOSPITAL, rules.OTHER, ""):
                    with translation.override("en"):
                        english = rules.binding(code, kind)
                    assert rules.binding(code, kind) == english
            assert [rule.text("conditional", "en") for rule in rules.states()["AZ"].rules][:2] == [
                "only for records needed for upcoming treatment (not confirmed in the current text)",
                "only for records 12 months old or older",
            ]


def test_every_fixed_word_of_the_files_has_its_words_for_patients() -> None:
    for law in rules.states().values():
        for rule in law.rules:
            assert rule.holder in rules.HOLDERS, (law.code, rule.holder)
            assert rule.requester in rules.REQUESTERS, (law.code, rule.requester)
            assert rule.starts in rules.STARTS_WORDS, (law.code, rule.starts)
            assert rule.checked_how in rules.CHECKED_HOW, (law.code, rule.checked_how)
            if rule.days:
                assert rule.unit in rules.IN_WORDS, (law.code, rule.unit)


def test_the_english_words_are_as_they_were() -> None:
    with translation.override("en"):
        california, texas, delaware = (rules.states()[code].rules for code in ("CA", "TX", "DE"))
        assert california[0].in_words == "within 15 days of the request"
        assert texas[0].in_words == "within 15 business days of the request"
        assert texas[2].in_words == "within 15 days of the request and payment"
        assert any(
            rule.in_words == "within 45 days of the record completion" for rule in delaware if rule.days
        )
        assert california[0].holder_label == "any provider"
        assert texas[1].requester_label == "when another provider asks"
        assert str(california[0].checked_label) == "Last checked 2026-12-06, in a summary of the law only."


# The fixed words in Spanish come from the message catalogue (locale/es, compiled from locale/parts/law.po).


def test_the_fixed_words_are_in_spanish() -> None:
    with translation.override("es"):
        california, texas = rules.states()["CA"].rules, rules.states()["TX"].rules
        assert california[0].in_words == "dentro de 15 días a partir de la solicitud"
        assert texas[0].in_words == "dentro de 15 días hábiles a partir de la solicitud"
        assert texas[2].in_words == "dentro de 15 días a partir de la solicitud y el pago"
        assert california[0].holder_label == "cualquier proveedor de atención médica"
        assert texas[0].holder_label == "médico"
        assert texas[1].requester_label == "cuando lo pide otro proveedor de atención médica"
        assert str(california[0].checked_label) == (
            "Revisada por última vez el 2026-12-06, solo en un resumen de la ley."
        )
        assert str(texas[0].checked_label) == "Revisada por última vez el 2026-12-06, en el texto de la ley."


def spanish_page(case: Case, owner: User, state: str) -> str:
    Profile.objects.filter(user=owner).update(language="es")
    Case.objects.filter(pk=case.pk).update(rights_state=state)
    url = reverse("records_rights", args=[case.code])
    return client_for(owner).get(url, HTTP_ACCEPT_LANGUAGE="es").text


@pytest.mark.django_db
def test_the_rights_page_in_spanish_shows_the_state_files_spanish(case: Case, owner: User) -> None:
    page = spanish_page(case, owner, "New York")
    law = read(rules.STATES_DIR / "ny.toml")
    for text in [law["summary_es"], law["rules"][0]["fees_es"], law["rules"][0]["free_copies_es"]]:
        assert text in page
    assert law["summary"] not in page and law["rules"][0]["fees"] not in page
    # The law's own words and its citation stay as they are.
    assert f"“{law['rules'][0]['quote']}”" in page and law["rules"][0]["citation"] in page


@pytest.mark.django_db
def test_the_rights_page_in_spanish_shows_the_page_and_the_rules_words_in_spanish(
    case: Case, owner: User
) -> None:
    page = spanish_page(case, owner, "California")
    for words in [
        "Su derecho a su expediente médico",
        "No tiene que dar ningún motivo.",
        "La norma federal es 45 CFR 164.524.",
        "Las normas de California",
        "Cualquier proveedor de atención médica: dentro de 15 días a partir de la solicitud",
        "Cargos:",
        "Copias gratis:",
        "Revisada por última vez el 2026-12-06",
        "Las citas de abajo son el texto de la ley en inglés",
    ]:
        assert words in page, words
    assert "Last checked" not in page and "within 15 days of" not in page
    page = spanish_page(case, owner, "South Carolina")
    assert "No encontramos ninguna norma de Carolina del Sur" in page

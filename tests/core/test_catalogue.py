"""The Spanish catalogue is complete: every string the code marks is translated (none missing, none fuzzy),
each translation keeps the placeholders and the markup of its English, and the compiled catalogue the app
reads is the one in the source."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAINS = ["django", "djangojs"]
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
# What a translation must carry over unchanged: placeholders (%(name)s, %s, {name}) and tag names.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\w+\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], polib.POFile]:
    """Each catalogue as makemessages makes it from the code as it is now (in a copy of the project, so the
    committed one is untouched): a string marked since the catalogue was last made comes out untranslated."""
    assert shutil.which("xgettext"), "GNU gettext is needed (apt-get install gettext)"
    copy = tmp_path_factory.mktemp("project")
    for part in ["secondop", "templates", "static", "locale"]:
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    for domain in DOMAINS:
        made = subprocess.run(
            [ROOT / ".venv" / "bin" / "django-admin", "makemessages", "--all", "--no-obsolete", "-d", domain],
            cwd=copy,
            capture_output=True,
            text=True,
            # On its own: not with the tests' settings, which would read the real project's files.
            env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        )
        assert made.returncode == 0, made.stderr
    return {
        (language, domain): polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))
        for language in LANGUAGES
        for domain in DOMAINS
    }


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    if entry.msgid_plural:
        return [
            (entry.msgid if str(index) == "0" else entry.msgid_plural, text)
            for index, text in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_marked_string_is_translated(extracted, language: str, domain: str) -> None:
    catalogue = extracted[language, domain]
    assert len(catalogue) > (40 if domain == "djangojs" else 500)  # the code's strings are in it
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"{len(missing)} not translated into {language}, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (to check) in {language}, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_placeholders_and_markup(language: str, domain: str) -> None:
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))
    wrong = []
    for entry in catalogue.translated_entries():
        for english, translated in _translations(entry):
            # A singular may say "one" instead of its count, so a plural's singular is not compared.
            singular = bool(entry.msgid_plural) and english == entry.msgid
            placeholders = sorted(PLACEHOLDER.findall(english)), sorted(PLACEHOLDER.findall(translated))
            if not singular and placeholders[0] != placeholders[1]:
                wrong.append(("placeholders", english, translated))
            if sorted(TAG.findall(english)) != sorted(TAG.findall(translated)):
                wrong.append(("markup", english, translated))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_the_source(language: str, domain: str) -> None:
    """locale/<language>/LC_MESSAGES/<domain>.mo (what the app reads) holds exactly the .po's translations:
    `make messages` was run after the last change."""
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in polib.pofile(str(folder / f"{domain}.po")).translated_entries()
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in polib.mofile(str(folder / f"{domain}.mo"))
        if entry.msgid
    }
    assert compiled == source

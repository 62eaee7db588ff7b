"""The scripts' words (secondop/pwa/jsi18n.py): Django's JavaScript catalogue at an address that names its
language, the same whatever the browser or the person prefers (the service worker keeps one copy per
address, for offline), for the two languages there are and for no other; and the worker knows them all."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from secondop.pwa import jsi18n
from secondop.pwa.views import service_worker_source


def catalogue_text(lang: str, **headers: str) -> str:
    response = Client().get(reverse("jsi18n", args=[lang]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def translation_of(msgid: str, catalogue: str) -> str | None:
    """The catalogue's translation of `msgid` (the first form of a plural), or None."""
    found = re.search(r"const newcatalog = (\{.*?\n  \});\n", catalogue, re.DOTALL)
    translations = json.loads(found.group(1)) if found else {}
    value = translations.get(msgid)
    return value[0] if isinstance(value, list) else value


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_language_has_its_catalogue(db: None, lang: str) -> None:
    response = Client().get(f"/jsi18n/{lang}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == lang
    source = response.content.decode()
    # What static/js/i18n.js calls, defined on the page's global scope.
    for name in ("gettext", "ngettext", "interpolate"):
        assert f"globals.{name} = django.{name};" in source


@pytest.mark.parametrize("lang", ["fr", "xx", "es-mx", "EN", "de"])
def test_no_catalogue_for_a_language_the_app_does_not_have(db: None, lang: str) -> None:
    assert Client().get(f"/jsi18n/{lang}/").status_code == 404


def test_the_catalogue_is_cached_and_asked_for_again_cheaply(db: None) -> None:
    client = Client()
    url = reverse("jsi18n", args=["es"])
    first = client.get(url)
    assert first["Cache-Control"] == "private, no-cache"
    assert first["ETag"]
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Cache-Control"] == "private, no-cache"  # the 304 keeps the browser's copy
    assert client.post(url).status_code == 405


def test_the_spanish_catalogue_has_the_scripts_words_in_spanish(db: None) -> None:
    """Needs locale/es/LC_MESSAGES/djangojs.mo (made from the parts by `make messages`)."""
    spanish = catalogue_text("es")
    waiting = translation_of("Waiting to sync", spanish)
    assert waiting and "sincroniz" in waiting.lower(), waiting
    plural = translation_of("%(count)s change waiting to sync", spanish)
    assert plural and "%(count)s" in plural, plural
    # Spanish plurals have three forms (as Django counts them): the catalogue says how to choose.
    assert "django.pluralidx = function(n)" in spanish and "n != 0 && n % 1000000 == 0" in spanish


def test_the_address_decides_the_language_not_the_browser(db: None) -> None:
    spanish, english = catalogue_text("es"), catalogue_text("en")
    assert catalogue_text("es", **{"Accept-Language": "en"}) == spanish
    assert catalogue_text("en", **{"Accept-Language": "es"}) == english
    chose_spanish = Client()
    chose_spanish.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert chose_spanish.get(reverse("jsi18n", args=["en"])).content.decode() == english
    # English is the code's own words: nothing to translate, so the English catalogue holds none of ours.
    assert translation_of("Waiting to sync", english) is None


def test_the_catalogue_holds_only_our_words(db: None) -> None:
    # Not the admin's scripts' (its calendar's month names), which no page of ours loads.
    assert "January" not in catalogue_text("es")


def test_the_service_worker_precaches_every_catalogue(db: None) -> None:
    urls = jsi18n.catalogue_urls()
    assert set(urls) == {"en", "es"}
    source = service_worker_source()
    for url in urls.values():
        assert url in source, f"static/sw.js does not know {url}"

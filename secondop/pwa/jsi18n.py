"""The words of the page's scripts: Django's JavaScript catalogue (the djangojs domain; it defines gettext,
ngettext and interpolate for static/js/i18n.js) at an address that names its language, /jsi18n/<lang>/.

The service worker keeps each language's copy under its own address (offline, a page gets its own language's
words, never the other's). The catalogue changes only with a release: it is made once per process and
answered with an ETag, so a browser that asks again gets a 304, and `no-cache` makes it ask (a release that
changed it is seen at once, by the pages and by the worker, which imports it and so updates with it)."""

import hashlib
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_safe
from django.views.i18n import JavaScriptCatalog

# Only our own strings (locale/<lang>/LC_MESSAGES/djangojs.mo, through LOCALE_PATHS), not those of the
# admin's scripts: the catalogue of an app with no locale folder of its own adds nothing but ours.
PACKAGES = ["secondop"]


def languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def catalogue_urls() -> dict[str, str]:
    """Each language's catalogue address, for the service worker to precache and import."""
    return {lang: reverse("jsi18n", args=[lang]) for lang in languages()}


@cache
def catalogue_body(lang: str) -> bytes:
    """The catalogue's script in `lang`, as JavaScriptCatalog makes it."""
    request = HttpRequest()
    request.method = "GET"
    with translation.override(lang):
        response = JavaScriptCatalog.as_view(packages=PACKAGES)(request)
    assert isinstance(response, HttpResponse)
    return response.content


def _etag(request: HttpRequest, lang: str) -> str | None:
    if lang not in languages():
        return None
    return hashlib.sha256(catalogue_body(lang)).hexdigest()[:20]


# Kept by the browser and asked again each time: a 304 until a release (the 304 says so too). Private: the
# same for everyone, but an answer to a signed-in person may renew their session cookie.
@gzip_page  # whitenoise compresses the static files; this is a view
@cache_control(private=True, no_cache=True)
@require_safe
@condition(etag_func=_etag)
def javascript_catalogue(request: HttpRequest, lang: str) -> HttpResponse:
    if lang not in languages():
        raise Http404("No such language.")
    response = HttpResponse(catalogue_body(lang), content_type='text/javascript; charset="utf-8"')
    response["Content-Language"] = lang
    return response

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.views import csrf
from django.views.decorators.cache import never_cache

from secondop.pwa import protocol

# The shell: what every page needs, cached when the service worker installs: every file in static/js/ (the
# page's modules, whatever they import now or later, and the outbox the worker imports too).
SHELL_ASSETS = [
    "css/app.css",
    *sorted(f"js/{path.name}" for path in (Path(settings.BASE_DIR) / "static" / "js").glob("*.js")),
    "django_htmx/htmx-2.min.js",
    "icons/icon-192.png",
    "icons/apple-touch-icon.png",
]


@cache
def service_worker_source() -> str:
    """The worker's code, prefixed with the shell's current URLs and a version derived from them."""
    source = settings.PWA_SERVICE_WORKER_PATH.read_text()
    precache = [static(asset) for asset in SHELL_ASSETS]
    offline_url = reverse("offline")
    digest = hashlib.sha256("\n".join([source, offline_url, *precache]).encode())
    for asset in SHELL_ASSETS:
        # Hashed names change with content in production; this also catches edits under DEBUG.
        path = finders.find(asset)
        if path:
            digest.update(Path(path).read_bytes())
    version = digest.hexdigest()[:12]
    config = {
        "version": version,
        "precache": precache,
        "offlineUrl": offline_url,
        # The outbox's code (its store, then its replay), which the worker imports to replay waiting writes
        # on a Background Sync.
        "outbox": [static("js/outbox.js"), static("js/outbox-replay.js")],
        # A kept page is shown offline only while the session that opened it could still be going: after
        # that long without a visit the session has ended, and whoever holds the phone gets the offline
        # page instead.
        "keepSeconds": settings.SESSION_COOKIE_AGE,
    }
    return f"self.SECONDOP = {json.dumps(config)};\n{source}"


def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(service_worker_source(), content_type="application/javascript")
    # Browsers check for a new worker on navigation; never let a cache hide a release.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@login_required
@never_cache
def csrf_token(request: HttpRequest) -> JsonResponse:
    """The current CSRF token, for the outbox to replay writes with (also from the service worker, which
    cannot read cookies), and who is signed in: the outbox sends only that person's waiting writes (a shared
    phone). 302 to the log-in page when the session has expired."""
    return JsonResponse({"token": get_token(request), "user": request.user.pk})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's page for a failed CSRF check, told in the write protocol as "retry": nothing was stored,
    and the outbox sends the write again with the session's current token (a page kept from before the
    last log-in). A real refusal (PermissionDenied) stays "refused"."""
    return protocol.answer(csrf.csrf_failure(request, reason), "retry")

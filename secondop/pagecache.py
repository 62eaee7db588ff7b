"""The rendered middle of the busiest pages, kept for a visit.

The case overview, the timeline and the dashboard are the pages people come back to again and again while
they work on a case. Their middle part (everything but the header, the messages and the footer) is kept in
the cache for ten minutes (PAGE_CACHE_SECONDS; 0 keeps nothing) under a key made of:

- what the page shows from the database: the case's revision, which the database itself moves on with
  every change to anything the part shows (secondop.cases.revisions), or for the dashboard every visible
  case's id and revision;
- who asks and how: the person, their CSRF secret (the part holds forms, whose tokens are good for that
  secret only, so a new session or a new login starts afresh), their role, the full path with its query
  string, whether htmx asks, the active time zone and today's date in it;
- this run of the code (a deploy or restart starts afresh, so no old markup outlives a release).

Anything a key does not cover is not kept: a request without a CSRF cookie yet (its first page) renders
afresh. A cache that does not answer costs only the time to render.

A view asks `Part.find(...)`; when it brings `html`, the view skips reading what the part would show, and
`{% cachedpart part %}…{% endcachedpart %}` (secondop/templatetags/pagecache.py) puts the kept HTML in.
Otherwise the tag renders its content and keeps it.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

RUN = secrets.token_hex(8)  # imported once in gunicorn's master (--preload), so shared by its workers


@dataclass
class Part:
    key: str | None  # None: not to be kept
    html: str | None = None  # what was kept, when it was

    @classmethod
    def find(cls, request: HttpRequest, name: str, *shows: object) -> "Part":
        """The kept part for this request, if any; `shows` says what it shows (revisions, a role…)."""
        key = _key(request, name, shows)
        if key is None:
            return cls(None)
        try:
            html = cache.get(key)
        except Exception:
            logger.warning("the cache did not answer; rendering the page in full")
            return cls(None)
        return cls(key, html if isinstance(html, str) else None)

    def keep(self, html: str) -> None:
        if self.key is None:
            return
        try:
            cache.set(self.key, html, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("the cache did not answer; the page is not kept")


def _key(request: HttpRequest, name: str, shows: tuple[object, ...]) -> str | None:
    secret = request.META.get("CSRF_COOKIE")
    user = getattr(request, "user", None)
    if not secret or user is None or not user.is_authenticated or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    parts = [
        RUN,
        name,
        str(user.pk),
        secret,
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        *(repr(item) for item in shows),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"part:{name}:{digest}"

"""The rendered middle of the busiest pages, kept for a visit.

The case overview, the timeline and the dashboard are the pages people come back to again and again while
they work on a case. Their middle part (everything but the header, the messages and the footer) is kept in
the cache for ten minutes (PAGE_CACHE_SECONDS; 0 keeps nothing) under a key made of:

- what the page shows from the database: the case's revision, which the database itself moves on with
  every change to anything the part shows (secondop.cases.revisions), or for the dashboard every visible
  case's id and revision;
- who asks and how: the person, their role, whether htmx asks, the active time zone and today's date in it;
- this run of the code (a deploy or restart starts afresh, so no old markup outlives a release).

Only a page's plain address is kept, without a query string (the newest page of the whole timeline, the
first page of every case), so the cache holds at most a few parts per person and case, however many
addresses someone makes up. The forms in a part carry a CSRF token, which is good for one browser's secret
only: it is kept as a placeholder and the asking request's own token is put in.

Each web process also holds the last 200 parts it kept or fetched (`near`), which spares it the trip to
Redis for a page asked for again.

A view asks `Part.find(...)`; when it brings `html`, the view skips reading what the part would show, and
`{% cachedpart part %}…{% endcachedpart %}` (secondop/templatetags/pagecache.py) puts the kept HTML in.
Otherwise the tag renders its content and keeps it. A cache that does not answer costs only the time to
render.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from secondop.memo import Recent

logger = logging.getLogger(__name__)

RUN = secrets.token_hex(8)  # imported once in gunicorn's master (--preload), so shared by its workers
TOKEN = f"csrf-token-{secrets.token_hex(16)}"  # where a kept part's CSRF token goes


# The parts this process kept or fetched last. A key always names the same HTML, so a copy here is as good
# as Redis's and spares the trip; about 4 MB at the most in a web process.
near = Recent(200)


@dataclass
class Part:
    key: str | None  # None: not to be kept
    html: str | None = None  # what was kept, with TOKEN for the CSRF token, when it was

    @classmethod
    def find(cls, request: HttpRequest, name: str, *shows: object) -> "Part":
        """The kept part for this request, if any. `shows` says what the part shows (revisions, a role…);
        a callable among them is called only when the request's part may be kept at all."""
        key = _key(request, name, shows)
        if key is None:
            return cls(None)
        html = near.get(key)
        if html is not None:
            return cls(key, html)
        try:
            kept = cache.get(key)
        except Exception:
            logger.warning("the cache did not answer; rendering the page in full")
            return cls(None)
        if isinstance(kept, str):
            near.put(key, kept, settings.PAGE_CACHE_SECONDS)
            return cls(key, kept)
        return cls(key)

    def keep(self, html: str, token: str) -> None:
        """Keeps `html`, rendered with the CSRF token `token`."""
        if self.key is None:
            return
        kept = html.replace(token, TOKEN) if token else html
        try:
            cache.set(self.key, kept, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("the cache did not answer; the page is not kept")
            return
        near.put(self.key, kept, settings.PAGE_CACHE_SECONDS)

    def kept(self, token: str) -> str:
        """The kept HTML with the CSRF token `token`."""
        assert self.html is not None
        return self.html.replace(TOKEN, token)


def _key(request: HttpRequest, name: str, shows: tuple[object, ...]) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    if request.META.get("QUERY_STRING"):
        return None
    htmx = getattr(request, "htmx", None)
    parts = [
        RUN,
        name,
        str(user.pk),
        request.path,
        # As django-htmx reads them (any other value of the header means no): a made-up value is no new key.
        str(bool(htmx)),
        str(bool(htmx and htmx.history_restore_request)),
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        *(repr(item() if callable(item) else item) for item in shows),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"part:{name}:{digest}"

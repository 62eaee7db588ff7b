"""Limits on what one person can make the app send (invitations, team invitations): a count per window in
the shared cache (Redis in production), so every web process sees the same count.

allauth limits its own log-in, sign-up and reset forms (ACCOUNT_RATE_LIMITS in the settings); its limiter
reads only allauth's own settings, so the app's sends use this one.
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def allow(scope: str, key: object, limit: int, seconds: int) -> bool:
    """Counts one more use of `scope` by `key` (a person's id, a case's id) and says whether it is within
    `limit` uses in the current window of `seconds`. A use that is refused still counts, so hammering a
    limit keeps it shut. A cache that does not answer refuses: a send that cannot be counted is not made."""
    name = f"ratelimit:{scope}:{key}"
    try:
        cache.add(name, 0, timeout=seconds)  # starts the window; does nothing when it is running
        used = cache.incr(name)
    except ValueError:  # the window ended between add and incr
        cache.set(name, 1, timeout=seconds)
        used = 1
    except Exception:
        logger.warning("the cache did not answer; %s is refused until it does", scope)
        return False
    return used <= limit

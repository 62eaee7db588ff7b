"""The inbox's unread count, shown in every page's header.

It is remembered in the cache for a minute, so that pages do not count the rows each time; everything that
adds a notification or marks one read forgets it once its transaction commits. The minute bounds how long
a count could lag if something changed the rows another way, and a cache that does not answer only costs
the count.
"""

import contextlib
import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from secondop.reminders.models import Notification

logger = logging.getLogger(__name__)
SECONDS = 60


def _key(user_id: int) -> str:
    return f"inbox-unread:{user_id}"


def unread_count(user_id: int) -> int:
    try:
        known = cache.get(_key(user_id))
    except Exception:
        logger.warning("the cache did not answer; counting the unread notifications")
        known = None
    if isinstance(known, int):
        return known
    count = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
    with contextlib.suppress(Exception):  # not remembered: the next page counts again
        cache.set(_key(user_id), count, SECONDS)
    return count


def forget_unread(user_ids: Iterable[int]) -> None:
    """After the current transaction commits (at once outside one): the next page counts again."""
    keys = [_key(user_id) for user_id in set(user_ids)]

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:
            logger.warning("the cache did not answer; unread counts may lag for a minute")

    if keys:
        transaction.on_commit(forget)

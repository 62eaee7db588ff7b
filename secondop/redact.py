"""Secrets that travel in a path (an invitation, an e-mail confirmation, a password reset, a reminder's action
link) are written as "…" in every log: gunicorn's access log (secondop.gunicorn_conf) and Django's own
request log, which names the path of every 4xx answer."""

import logging
import re

SECRET_IN_PATH = re.compile(r"^/(invitations|r|accounts/confirm-email|accounts/password/reset/key)/[^/]+")


def redacted(path: str) -> str:
    return SECRET_IN_PATH.sub(r"/\1/…", path)


class SecretPathFilter(logging.Filter):
    """Redacts the paths among a log record's arguments (Django logs "Not Found: %s" with the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True

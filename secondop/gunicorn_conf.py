"""gunicorn's settings that only a config file can give (`--config python:secondop.gunicorn_conf`)."""

import gc
import logging
from typing import Any

from gunicorn.glogging import Logger

from secondop.redact import redacted

logger = logging.getLogger(__name__)
_warmed = False

# The access log names the method, the path, the answer and its time, nothing a person typed or was sent.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
# What a line may show: never the query string (the dashboard's search carries patients' names), the
# Referer (the previous page's query), the raw request line, cookies or other headers.
SAFE_ATOMS = frozenset("hltsmUHbBaTDMLp")


class PathOnlyLogger(Logger):
    """gunicorn's logger with only SAFE_ATOMS to format, and the secret part of a path replaced by "…"
    (so even an access_log_format given on the command line cannot print the rest)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        safe = {name: value for name, value in atoms.items() if name in SAFE_ATOMS}
        safe["U"] = redacted(str(atoms.get("U") or ""))
        return safe


logger_class = PathOnlyLogger


def _warm_up() -> None:
    """Resolves the URLs, which imports every view and what it uses, and compiles the main templates, so
    that the workers share that work instead of each doing it on its first requests."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
    for name in ("base.html", "cases/case_overview.html", "cases/case_list.html", "records/timeline.html"):
        get_template(name)


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before it forks a worker (at start, and again whenever one is replaced). The warm-up
    runs once, and a failure there only costs memory: an exception escaping this hook would stop gunicorn.
    Then what the master holds is kept out of the garbage collector's reach, whose passes would otherwise
    write to the shared pages and make each worker's copy of them its own (Python's gc.freeze)."""
    global _warmed
    if not _warmed:
        _warmed = True
        try:
            _warm_up()
        except Exception:
            logger.exception("warming up before forking failed; each worker loads what it needs itself")
    gc.collect()
    gc.freeze()

"""gunicorn's settings that only a config file can give (`--config python:secondop.gunicorn_conf`)."""

import gc
from typing import Any


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before it forks a worker: the app it loaded (--preload) is kept out of the garbage
    collector's reach, whose passes would otherwise write to the shared pages and make each worker's copy
    of them its own (Python's gc.freeze, made for this). The URLs are resolved first, which imports every
    view and what it uses, and each template is compiled: that too is then shared, not done in each worker."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
    for name in ("base.html", "cases/case_overview.html", "cases/case_list.html", "records/timeline.html"):
        get_template(name)
    gc.collect()
    gc.freeze()

import contextlib
import ctypes
import gc
import os
import signal
import sys
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondop.settings")

app = Celery("secondop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_before_create_process.connect
def freeze_before_fork(**_: Any) -> None:
    """In the worker, before it forks a pool process: what it has loaded is kept out of the garbage
    collector's reach, whose passes would otherwise write to every shared page and make each child's
    copy of them its own (Python's gc.freeze, made for this)."""
    gc.collect()
    gc.freeze()


@signals.worker_process_init.connect
def die_with_the_worker(**_: Any) -> None:
    """In each pool process: killed when the worker that forked it dies (even by SIGKILL), as the worker's
    supervisor starts a new one. A pool process left running would go on with a batch nobody watches."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

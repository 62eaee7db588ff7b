import gc
import os
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

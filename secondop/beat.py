"""Celery beat's own app (`python -m secondop.run beat`): the broker and the schedule from the settings, and
nothing else. Beat only sends task names at their times; the worker (secondop.celery) runs them. Loading
Django's apps and every task module here would cost some 50 MB for nothing, in a process that runs beside
the worker on one machine."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondop.settings")

from django.conf import settings  # noqa: E402  (the settings module only: no apps are loaded)

app = Celery("secondop", fixups=[])  # not the Django fixup, which would set up every app
app.conf.update(
    broker_url=settings.CELERY_BROKER_URL,
    broker_connection_retry_on_startup=True,
    task_serializer=settings.CELERY_TASK_SERIALIZER,
    accept_content=settings.CELERY_ACCEPT_CONTENT,
    beat_schedule=settings.CELERY_BEAT_SCHEDULE,
    timezone=settings.TIME_ZONE,
    worker_hijack_root_logger=False,
)

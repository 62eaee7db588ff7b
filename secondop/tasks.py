import time

from celery import shared_task

from secondop import health


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat's harmless periodic task: leaves the time it ran, so the health page can tell beat is alive."""
    health.record_heartbeat(time.time())


@shared_task
def echo(value: str) -> str:
    """Answers with what it was given: the health check and the tests use it to prove a worker works."""
    return value


@shared_task(ignore_result=True)
def prune_submissions(days: int = 30) -> int:
    """Forgets the answers to offline-outbox writes after a month: no outbox holds a write that long."""
    import datetime

    from django.utils import timezone

    from secondop.pwa.models import Submission

    deleted, _ = Submission.objects.filter(
        created_at__lt=timezone.now() - datetime.timedelta(days=days)
    ).delete()
    return deleted

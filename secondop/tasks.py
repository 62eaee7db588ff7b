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

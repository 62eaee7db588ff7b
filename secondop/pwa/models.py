from django.conf import settings
from django.db import models
from django.utils import timezone


class Submission(models.Model):
    """A write the browser made with a client-made UUID, and the answer it got.

    The offline outbox may send the same submission more than once (a crash between sending and deleting
    it, a flaky network): a known UUID gets the same answer again, and nothing is written twice.
    """

    client_id = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    location = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.client_id} {self.path} → {self.outcome}"

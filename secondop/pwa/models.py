from django.conf import settings
from django.db import models
from django.utils import timezone

from secondop.cases.models import Case


class Submission(models.Model):
    """A write the browser made with a client-made UUID, and the answer it got.

    The offline outbox may send the same submission more than once (a crash between sending and deleting
    it, a flaky network): a known UUID gets the same answer again, and nothing is written twice. The answer
    is given again only for the same path, and only while the person may still do what they did to the
    case (`need` on `case`); it goes with the case, the person, or their access to the case.
    """

    client_id = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    need = models.CharField(max_length=8, blank=True)  # "write" or "own": what the write needed
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

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from secondop.accounts.models import current_language


class SaveResult(models.TextChoices):
    SAVED = "saved"
    CONFLICT = "conflict"


class VersionedText(models.Model):
    """A text generated from one of our templates, then edited by hand: a script or a letter.

    `version` goes up by one with every saved change; an edit based on an older version is a conflict,
    and then both texts are kept (`text` and `conflict_text`) until someone chooses.

    `language` is the one it will be used in, chosen per text: the page around it is in the reader's own
    (a patient who reads secondop in Spanish may need the records letter in English, and the reverse).
    """

    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default=current_language)

    text = models.TextField(max_length=20000)
    generated_text = models.TextField(max_length=20000)
    version = models.PositiveIntegerField(default=1)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict_text = models.TextField(blank=True, max_length=20000)
    conflict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_edited(self) -> bool:
        return self.text != self.generated_text

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflict_text)

    def save_edit(self, text: str, based_on_version: int, user: object) -> SaveResult:
        """Saves `text` if nobody saved since `based_on_version`; otherwise keeps it beside the saved text."""
        rows = type(self)._default_manager.filter(pk=self.pk)
        with transaction.atomic():
            if rows.filter(text=text).exists():
                # Nothing new (a second tab, a repeated autosave): no new version, and no conflict.
                self.refresh_from_db()
                return SaveResult.SAVED
            updated = rows.filter(version=based_on_version).update(
                text=text,
                version=F("version") + 1,
                edited_at=timezone.now(),
                edited_by=user,
                updated_at=timezone.now(),
            )
            if not updated:
                rows.update(conflict_text=text, conflict_by=user)
        self.refresh_from_db()
        return SaveResult.SAVED if updated else SaveResult.CONFLICT

    def resolve_conflict(self, keep: str, user: object) -> None:
        """`keep` is "mine" (the text that arrived late) or "theirs" (the saved text)."""
        with transaction.atomic():
            current = type(self)._default_manager.select_for_update().get(pk=self.pk)
            if keep == "mine" and current.conflict_text:
                current.text = current.conflict_text
                current.version += 1
                current.edited_at = timezone.now()
                current.edited_by = user  # type: ignore[assignment]
            current.conflict_text = ""
            current.conflict_by = None
            current.save()
        self.refresh_from_db()

    def restore_generated(self, generated: str, user: object) -> None:
        type(self)._default_manager.filter(pk=self.pk).update(
            text=generated,
            generated_text=generated,
            version=F("version") + 1,
            edited_at=timezone.now(),
            edited_by=user,
            conflict_text="",
            conflict_by=None,
        )
        self.refresh_from_db()

    def change_language(self, language: str, generated: str, based_on_version: int, user: object) -> bool:
        """The text in another language: the suggested text in it, if the text is still the version the
        person saw (words typed over it are replaced only once they said so: see the editor) and has no
        conflict waiting (both texts of one are kept until someone chooses). False: nothing changed."""
        changed = (
            type(self)
            ._default_manager.filter(pk=self.pk, version=based_on_version, conflict_text="")
            .update(
                language=language,
                text=generated,
                generated_text=generated,
                version=F("version") + 1,
                edited_at=timezone.now(),
                edited_by=user,
                updated_at=timezone.now(),
            )
        )
        self.refresh_from_db()
        return bool(changed)

    def follow_generated(self, fresh: str) -> bool:
        """Takes a newly generated text if nobody edited this one by hand; True when it changed."""
        if self.text != self.generated_text or fresh == self.text:
            return False
        return bool(
            type(self)
            ._default_manager.filter(pk=self.pk, version=self.version)
            .update(text=fresh, generated_text=fresh, version=F("version") + 1)
        )

"""Our date and number formats per language (FORMAT_MODULE_PATH), and the words of Django's own that its
catalogues do not translate yet."""

from django.utils.translation import gettext_noop

# Django 6's label of a choice left blank (django.db.models.fields.BLANK_CHOICE_LABEL): Django's own Spanish
# catalogue has no translation of it yet, so ours gives it (LOCALE_PATHS come before Django's).
DJANGO_WORDS = [gettext_noop("- Select an option -")]

"""What every generated text shares: a fact it does not know yet is a visible placeholder in square
brackets, e.g. "[your name]" — never left blank — and the page lists the placeholders still to fill."""

import re

from django.utils.translation import gettext_lazy as _

PLACEHOLDER = re.compile(r"\[([^\[\]\n]{2,80})\]")

# The placeholders of the facts scripts and letters both name: the same missing fact reads the same.
SHARED_LABELS = {"patient_name": _("your name"), "records": _("the records you want")}


def placeholders_in(text: str) -> list[str]:
    """The placeholders still in a text, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]

"""One editor for every text we generate and the person may then edit (a script, a letter).

A kind of text is an `Editor` subclass that says how its URL finds one and what its pages say about it;
`urls()` gives every kind the same pages and writes: the edit page (templates/editing/page.html), save
(autosaved through htmx, or a plain form post), resolve a conflict, restore the generated text, say it
aloud and, for a text with a print page, print.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from secondop.cases.access import Need
from secondop.cases.models import Membership
from secondop.editing.forms import LanguageForm, ResolveForm, SaveForm
from secondop.editing.models import SaveResult, VersionedText
from secondop.editing.texts import paragraphs, placeholders_in
from secondop.pwa import protocol
from secondop.pwa.offline import keep_offline
from secondop.pwa.protocol import CONFLICT_TAG
from secondop.requests import AuthenticatedRequest

type View = Callable[..., HttpResponse]
WRITES = {"save", "restore", "resolve", "language"}
# What the pages call a text of each `noun` (see Editor.describe): each word whole, as Spanish gives each
# its own gender ("este guion", "esta carta").
THIS = {
    "script": pgettext_lazy("editing", "this script"),
    "letter": pgettext_lazy("editing", "this letter"),
    "message": pgettext_lazy("editing", "this message"),
}
YOUR = {
    "script": gettext_lazy("Your script"),
    "letter": gettext_lazy("Your letter"),
    "message": gettext_lazy("Your message"),
}


class Editor[T: VersionedText]:
    """The pages and writes of one kind of text. Its URL names are `<name>_edit`, `<name>_save`, … and
    all take the same arguments, which `find` gets as keyword arguments."""

    name: str
    template = "editing/page.html"  # the edit page: this one, or one that extends it
    print_template = ""  # the page to print the text from, for a text that has one

    def find(
        self, request: AuthenticatedRequest, need: Need, *, store: bool, **url: Any
    ) -> tuple[T, Membership]:
        """The text the URL names, and the person's membership of its case (from `get_case_for`).

        For a write (`store`) the text is stored the first time. For a page it is shown as it stands and
        nothing is written (a GET changes nothing)."""
        raise NotImplementedError

    def generate(self, request: AuthenticatedRequest, text: T) -> str:
        """The text as it would be generated now, in the active language (see `generated`)."""
        raise NotImplementedError

    def generated(self, request: AuthenticatedRequest, text: T, language: str = "") -> str:
        """The text as it would be generated now, in its own language (or in `language`)."""
        with translation.override(language or text.language):
            return self.generate(request, text)

    def describe(self, text: T) -> dict[str, object]:
        """What the pages say about the text: `kind_label`, `noun` ("script", "letter"), `description`,
        the breadcrumb's `parent_url` and `parent_label`, `fill_hint`, and what its own page adds."""
        raise NotImplementedError

    def where_to_fill(self, text: T) -> dict[str, str]:
        """Each placeholder's label → the link where its fact is filled in (asked only for a writer, in the
        text's language: the labels are those of its placeholders)."""
        return {}

    def saved(self, request: AuthenticatedRequest, text: T) -> None:
        """Called after a save that took (not after a conflict)."""

    def actions(self) -> list[str]:
        """Each is a method of this class, and a URL named `<name>_<action>`."""
        return [
            "edit",
            "save",
            "restore",
            "resolve",
            "language",
            "say",
            *(["print"] if self.print_template else []),
        ]

    def urls(self, route: str) -> list[URLPattern]:
        """The editor's URLs under `route`, a path ending in "/" that holds the arguments `find` takes."""
        return [
            path(
                route if action == "edit" else f"{route}{action}/",
                (_writing if action in WRITES else _reading)(getattr(self, action)),
                name=f"{self.name}_{action}",
            )
            for action in self.actions()
        ]

    def url(self, action: str, url: dict[str, Any]) -> str:
        return reverse(f"{self.name}_{action}", kwargs=url)

    def context(self, text: T, membership: Membership, url: dict[str, Any]) -> dict[str, object]:
        """What the templates need (see templates/editing/page.html)."""
        can_edit = membership.can("write")
        with translation.override(text.language):
            where = self.where_to_fill(text) if can_edit else {}
        described = self.describe(text)
        return {
            "case": membership.case,
            "membership": membership,
            "editable": text,
            "can_edit": can_edit,
            "missing": [(label, where.get(label)) for label in placeholders_in(text.text)],
            **{f"{action}_url": self.url(action, url) for action in self.actions()},
            "this_noun": THIS[str(described["noun"])],
            "your_noun": YOUR[str(described["noun"])],
            **described,
        }

    def edit(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        text, membership = self.find(request, "read", store=False, **url)
        return render(request, self.template, self.context(text, membership, url))

    def say(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        text, membership = self.find(request, "read", store=False, **url)
        context = {**self.context(text, membership, url), "paragraphs": paragraphs(text.text)}
        return render(request, "editing/say.html", context)

    def print(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        text, membership = self.find(request, "read", store=False, **url)
        return render(request, self.print_template, self.context(text, membership, url))

    def save(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        form = SaveForm(request.POST)
        # A refused save stores nothing, not even the text it would have gone into.
        text, membership = self.find(request, "write", store=form.is_valid(), **url)
        context = self.context(text, membership, url)
        if not form.is_valid():
            this = capfirst(str(context["this_noun"]))
            message = _("%(this)s could not be saved: it is longer than 20,000 characters.") % {"this": this}
            if "version" in form.errors:
                message = _(
                    "%(this)s could not be saved. Reload the page and try again; your text is still here."
                ) % {"this": this}
            if request.htmx:
                response = render(request, "editing/page.html#save-status", {**context, "error": message})
                return protocol.answer(response, "refused", message=message)
            messages.error(request, message)
            return redirect(self.url("edit", url))
        result = text.save_edit(form.cleaned_data["text"], form.cleaned_data["version"], request.user)
        if result == SaveResult.SAVED:
            self.saved(request, text)
        if request.htmx:
            response = render(request, "editing/page.html#autosave-answer", context)
            if result == SaveResult.SAVED:
                response["HX-Trigger"] = "draft-saved"  # static/js/autosave.js: the text on the page is saved
                return protocol.answer(response, "saved", version=text.version)
            return protocol.answer(response, "conflict")  # later edits keep their own version
        if result == SaveResult.CONFLICT:
            messages.error(
                request,
                _("Someone else changed %(this)s while you were writing. Both versions are kept.")
                % {"this": context["this_noun"]},
                extra_tags=CONFLICT_TAG,
            )
        else:
            messages.success(request, _("Saved."))
        return redirect(self.url("edit", url))

    def restore(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        text, _membership = self.find(request, "write", store=True, **url)
        text.restore_generated(self.generated(request, text), request.user)
        messages.success(request, _("The suggested text is back."))
        return redirect(self.url("edit", url))

    def language(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        """The text in the language it will be used in: the suggested text in that language."""
        form = LanguageForm(request.POST)
        text, _membership = self.find(request, "write", store=form.is_valid(), **url)
        if not form.is_valid():
            messages.error(request, _("Choose English or Español."))
            return redirect(self.url("edit", url))
        language, version = form.cleaned_data["language"], form.cleaned_data["version"]
        if language == text.language:
            return redirect(self.url("edit", url))
        # Typed words give way only when the person ticked so, on the version they saw (which the update
        # checks again: a save in between refuses it).
        changed_meanwhile = _(
            "Nothing changed: the text changed meanwhile, or two versions wait for a choice. Look again."
        )
        if version != text.version:
            messages.error(request, changed_meanwhile)
        elif text.is_edited and not form.cleaned_data["replace"]:
            messages.error(
                request, _("Nothing changed: tick that the suggested text may replace what was typed.")
            )
        elif not text.change_language(
            language, self.generated(request, text, language), version, request.user
        ):
            messages.error(request, changed_meanwhile)
        else:
            messages.success(
                request,
                _("The suggested text is now in %(language)s.") % {"language": text.get_language_display()},
            )
        return redirect(self.url("edit", url))

    def resolve(self, request: AuthenticatedRequest, **url: Any) -> HttpResponse:
        form = ResolveForm(request.POST)
        text, _membership = self.find(request, "write", store=form.is_valid(), **url)
        if not form.is_valid():
            return HttpResponse(_("Choose which version to keep."), status=400, content_type="text/plain")
        text.resolve_conflict(form.cleaned_data["keep"], request.user)
        messages.success(request, _("Done: one version is kept."))
        return redirect(self.url("edit", url))


def _reading(view: View) -> View:
    return keep_offline(login_required(require_GET(view)))


def _writing(view: View) -> View:
    return login_required(require_POST(view))

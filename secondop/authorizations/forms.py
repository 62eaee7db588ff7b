import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secondop.accounts.models import User
from secondop.authorizations.models import (
    DEFAULT_DAYS,
    Authorization,
    Discloser,
    Information,
    defaults_in,
    describe_provider,
)
from secondop.cases.models import Case
from secondop.records.models import ProviderRole

PURPOSE_MISSING = gettext_lazy("Write why the information is shared. “At my request” is enough.")


def current_language() -> str:
    """The language the person is reading in, as one of the app's languages."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def _clean_text(value: str | None) -> str:
    return " ".join((value or "").split())


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return f"{user.display_name} ({user.email})" if user.display_name else user.email


class AuthorizationForm(forms.ModelForm):
    recipient = MemberChoiceField(
        label=gettext_lazy("Person on this case"),
        queryset=User.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Usually you, the person helping."),
    )

    class Meta:
        model = Authorization
        fields = [
            "language",
            "recipient",
            "recipient_name",
            "disclosed_by",
            "provider",
            "disclosed_by_other",
            "information",
            "information_detail",
            "purpose",
            "expires_on",
            "expiry_event",
            "representative_name",
            "representative_authority",
        ]
        widgets = {
            "disclosed_by": forms.RadioSelect,
            "information": forms.RadioSelect,
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "recipient_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "representative_name": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        labels = {
            "language": gettext_lazy("Language of the form"),
            "recipient_name": gettext_lazy("Their full name, as on the form"),
            "disclosed_by_other": gettext_lazy("Who else may share it"),
            "expiry_event": gettext_lazy("Or earlier, when (optional)"),
            "representative_name": gettext_lazy("Name of the person signing for the patient"),
        }
        help_texts = {
            "language": gettext_lazy("The language the patient reads and signs it in."),
            "recipient_name": gettext_lazy("Leave it empty to use the name they gave in secondop."),
            "information_detail": gettext_lazy(
                "For example “my knee MRI and the surgeon's notes from 2026”. Also a good place to say "
                "what to leave out."
            ),
            "purpose": gettext_lazy("“At my request” is enough."),
            "expires_on": gettext_lazy(
                "Needed even when it ends at an event, so you can be reminded before it ends."
            ),
            "expiry_event": gettext_lazy("For example “when my second opinion is complete”."),
            "representative_authority": gettext_lazy(
                "For example “parent of a minor child”, “legal guardian” or “health care power of attorney”."
            ),
        }

    def __init__(self, *args: Any, case: Case, user: User, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.today = today
        # The recipient field is declared on the form (its label shows each person's address); the
        # model field stays optional so the authorization outlives the person's membership.
        self.fields["recipient_name"].required = False
        self.fields["purpose"].error_messages["required"] = PURPOSE_MISSING
        # A form sent without a language (one queued offline before there was a choice) keeps the one it had.
        self.fields["language"].required = False
        recipient = self.fields["recipient"]
        provider = self.fields["provider"]
        assert isinstance(recipient, forms.ModelChoiceField) and isinstance(provider, forms.ModelChoiceField)
        recipient.queryset = User.objects.filter(memberships__case=case).order_by("email")
        recipient.error_messages["invalid_choice"] = _("Choose one of the people on this case.")
        recipient.error_messages["required"] = _("Choose who may receive the information.")
        providers = case.providers.all()
        provider.queryset = providers
        provider.required = False
        provider.empty_label = _("Choose the doctor or office")
        provider.error_messages["invalid_choice"] = _("Choose one of the doctors or offices in this case.")
        # A new authorization ends a year from the person's today (not the server's).
        self.fields["expires_on"].show_hidden_initial = False
        if not self.instance.pk:
            # A new form is in the language the person reads (its suggested words already are: they are
            # the model's defaults, said in the active language).
            self.initial["language"] = current_language()
            self.initial.setdefault("expires_on", today + datetime.timedelta(days=DEFAULT_DAYS))
            first = next((p for p in providers if p.role == ProviderRole.CURRENT), None)
            first = first or next(iter(providers), None)
            if recipient.queryset.filter(pk=user.pk).exists():
                self.initial.setdefault("recipient", user.pk)
            else:  # someone a team gives the case: not on the list, so nobody is chosen for them
                recipient.empty_label = _("Choose the person")
            self.initial.setdefault("provider", first.pk if first else None)
            self.initial.setdefault("disclosed_by", Discloser.PROVIDER if first else Discloser.ALL)
            if not case.concern:
                self.initial.setdefault("information", Information.ALL)

    def clean_language(self) -> str:
        chosen: str = self.cleaned_data.get("language") or ""
        return chosen or (self.instance.language if self.instance.pk else current_language())

    def clean_recipient_name(self) -> str:
        return _clean_text(self.cleaned_data.get("recipient_name"))

    def clean_disclosed_by_other(self) -> str:
        return _clean_text(self.cleaned_data.get("disclosed_by_other"))

    def clean_information_detail(self) -> str:
        return _clean_text(self.cleaned_data.get("information_detail"))

    def clean_purpose(self) -> str:
        purpose = _clean_text(self.cleaned_data.get("purpose"))
        if not purpose:
            raise forms.ValidationError(PURPOSE_MISSING)
        return purpose

    def clean_expires_on(self) -> datetime.date:
        expires_on: datetime.date = self.cleaned_data["expires_on"]
        if expires_on <= self.today:
            raise forms.ValidationError(
                _("Choose a date after today: the authorization has to end in the future.")
            )
        if expires_on.year > self.today.year + 10:
            raise forms.ValidationError(_("That is more than ten years away. Check the year."))
        return expires_on

    def clean_expiry_event(self) -> str:
        return _clean_text(self.cleaned_data.get("expiry_event"))

    def clean_representative_name(self) -> str:
        return _clean_text(self.cleaned_data.get("representative_name"))

    def clean_representative_authority(self) -> str:
        return _clean_text(self.cleaned_data.get("representative_authority"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        recipient: User | None = data.get("recipient")
        if recipient is not None:
            data["recipient_name"] = data.get("recipient_name") or recipient.display_name
            if not data["recipient_name"]:
                self.add_error(
                    "recipient_name",
                    _("%(email)s has not given a name in secondop. Write their full name.")
                    % {"email": recipient.email},
                )
        disclosed_by = data.get("disclosed_by")
        if disclosed_by == Discloser.PROVIDER and not data.get("provider") and "provider" not in self.errors:
            self.add_error("provider", _("Choose the doctor or office, or choose another answer above."))
        if disclosed_by == Discloser.OTHER and not data.get("disclosed_by_other"):
            self.add_error(
                "disclosed_by_other", _("Write who may share the information, for example a hospital's name.")
            )
        if disclosed_by != Discloser.PROVIDER:
            data["provider"] = None
        if disclosed_by != Discloser.OTHER:
            data["disclosed_by_other"] = ""
        information = data.get("information")
        if information == Information.RELATED and not self.case.concern:
            self.add_error(
                "information",
                _(
                    "This case does not say yet what the second opinion is about. Add it to the case, or "
                    "choose another answer."
                ),
            )
        if information == Information.DESCRIBED and not data.get("information_detail"):
            self.add_error(
                "information_detail", _("Describe the records, for example “my knee MRI from March”.")
            )
        if data.get("representative_name") and not data.get("representative_authority"):
            self.add_error(
                "representative_authority",
                _("Write how they may act for the patient, for example “legal guardian”."),
            )
        if data.get("representative_authority") and not data.get("representative_name"):
            self.add_error("representative_name", _("Write the name of the person signing for the patient."))
        self._say_defaults_in(data.get("language") or settings.LANGUAGE_CODE, data)
        return data

    @staticmethod
    def _say_defaults_in(language: str, data: dict[str, Any]) -> None:
        """A purpose or an end left as the form's suggestion, in another language than the form's, is said
        in the form's language: a form in Spanish does not keep an English suggestion."""
        wanted = defaults_in(language)
        for other, _label in settings.LANGUAGES:
            if other != language:
                for name, words in defaults_in(other).items():
                    if data.get(name) == words:
                        data[name] = wanted[name]

    def save(self, commit: bool = True) -> Authorization:
        authorization: Authorization = super().save(commit=False)
        authorization.case = self.case
        recipient = self.cleaned_data["recipient"]
        authorization.recipient_email = recipient.email
        provider = self.cleaned_data.get("provider")
        with translation.override(authorization.language):
            authorization.provider_named = describe_provider(provider) if provider else ""
        if commit:
            authorization.save()
        return authorization


class SignForm(forms.Form):
    signed_on = forms.DateField(
        label=gettext_lazy("Date the patient signed"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(
        label=gettext_lazy("Date the patient revoked it in writing"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

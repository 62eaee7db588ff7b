import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case
from secondop.law import rules
from secondop.records.models import (
    ContactEntry,
    Provider,
    RecordsRequest,
    RecordType,
    RequestKind,
    RequestStatus,
)


def _clean_text(value: str) -> str:
    return " ".join(value.split())


STATE_AND_ZIP = re.compile(r",\s*([A-Z]{2})\s+[0-9]{5}(?:-[0-9]{4})?\s*$")


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = [
            "role",
            "name",
            "practice",
            "kind",
            "specialty",
            "phone",
            "fax",
            "address",
            "state",
            "email",
            "portal_url",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "fax": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        labels = {
            "role": _("Who is this?"),
            "specialty": _("Specialty"),
            "phone": _("Phone"),
            "fax": _("Fax"),
            "address": _("Address"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name", "").strip() or data.get("practice", "").strip()):
            raise forms.ValidationError(_("Write a name or a practice, so you can tell who this is."))
        if not data.get("state"):  # from the address, when it ends like "…, CA 94110"
            found = STATE_AND_ZIP.search(data.get("address", ""))
            if found and found[1] in rules.states():
                data["state"] = found[1]
        return data


class RecordsRequestForm(forms.ModelForm):
    record_types = forms.MultipleChoiceField(
        label=_("Which records?"),
        choices=RecordType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = RecordsRequest
        fields = [
            "holder",
            "kind",
            "recipient",
            "send_to",
            "directive_signed_on",
            "record_types",
            "other_records",
            "date_from",
            "date_to",
            "medium",
            "delivery",
            "method",
            "forms_needed",
            "forms_completed",
            "fee_estimate_asked",
            "fee_estimate",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "directive_signed_on": forms.DateInput(attrs={"type": "date"}),
            "date_from": forms.DateInput(attrs={"type": "date"}),
            "date_to": forms.DateInput(attrs={"type": "date"}),
            "fee_estimate": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = case.providers.all()
        holder = self.fields["holder"]
        recipient = self.fields["recipient"]
        assert isinstance(holder, forms.ModelChoiceField) and isinstance(recipient, forms.ModelChoiceField)
        holder.queryset = providers
        recipient.queryset = providers
        holder.empty_label = _("Choose who holds the records")
        recipient.empty_label = _("Choose the provider")
        holder.error_messages["invalid_choice"] = _("Choose one of the providers in this case.")
        recipient.error_messages["invalid_choice"] = _("Choose one of the providers in this case.")
        if not self.instance.pk:
            self.initial.setdefault("record_types", case.records_wanted)

    def clean_fee_estimate(self) -> Any:
        fee = self.cleaned_data.get("fee_estimate")
        if fee is not None and fee < 0:
            raise forms.ValidationError(_("A fee cannot be below zero."))
        return fee

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == RequestKind.DIRECTIVE:
            if not data.get("recipient"):
                self.add_error(
                    "recipient", _("A request to send records to someone else must name who gets them.")
                )
            if not (data.get("send_to") or "").strip():
                recipient = data.get("recipient")
                if recipient and (recipient.address or recipient.fax or recipient.email):
                    data["send_to"] = recipient.address or recipient.fax or recipient.email
                else:
                    self.add_error(
                        "send_to", _("Write where the records should go: an address, fax or e-mail.")
                    )
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("This date is before the start date."))
        if not data.get("record_types") and not (data.get("other_records") or "").strip():
            self.add_error("record_types", _("Choose at least one kind of record."))
        data["other_records"] = _clean_text(data.get("other_records") or "")
        return data


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=RequestStatus.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    extension_notice_on = forms.DateField(
        label=_("Date on the written extension notice"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args: Any, request_obj: RecordsRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, RequestStatus(value).label) for value in request_obj.allowed_moves()]


class RequestDateForm(forms.Form):
    requested_on = forms.DateField(label=_("Date you asked"), widget=forms.DateInput(attrs={"type": "date"}))


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactEntry
        fields = ["happened_at", "channel", "with_whom", "request", "asked", "answered"]
        widgets = {
            "happened_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "asked": forms.Textarea(attrs={"rows": 3}),
            "answered": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["request"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case.records_requests.select_related("holder")
        field.empty_label = _("Not about one request")
        field.error_messages["invalid_choice"] = _("Choose one of this case's requests.")
        happened_at = self.fields["happened_at"]
        assert isinstance(happened_at, forms.DateTimeField)
        happened_at.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        if not self.instance.pk:
            self.initial.setdefault("happened_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def clean_happened_at(self) -> datetime.datetime:
        value = self.cleaned_data["happened_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("That is in the future. Use the time it happened."))
        if value.year < 1990:
            raise forms.ValidationError(_("That date looks too early. Check the year."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["with_whom"] = _clean_text(data.get("with_whom") or "")
        return data


class QuickContactForm(forms.Form):
    """One tap on the request page: "called the records office", "portal message sent"."""

    what = forms.ChoiceField(
        choices=[("called", _("Called the records office")), ("portal", _("Portal message sent"))],
    )

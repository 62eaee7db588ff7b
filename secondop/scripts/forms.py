from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Approach, Case, ContactChannel
from secondop.records.models import Provider, ProviderRole, RecordType
from secondop.scripts.models import DraftUse


class ApproachForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["provider_response", "felt_dismissed", "met_tension", "wants_to_return", "referral_needed"]
        widgets = dict.fromkeys(fields, forms.RadioSelect)
        # The chooser's questions, as the page asks them (the model's verbose names are lower case).
        labels = {
            "provider_response": _("How does your doctor usually respond to your questions?"),
            "felt_dismissed": _("Have you felt dismissed when you raised a concern?"),
            "met_tension": _("Has there been tension or an argument with this doctor?"),
            "wants_to_return": _("Do you want to keep seeing this doctor?"),
            "referral_needed": _("Does your insurance plan need a referral for a specialist?"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            assert isinstance(field, forms.ChoiceField)
            field.required = True
            # The model's own choices, without the "---------" ModelForm adds for an optional field.
            model_field = Case._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            field.choices = model_field.choices or []
            field.error_messages["required"] = gettext("Choose one answer — “Not sure” is fine.")


class ChooseApproachForm(forms.Form):
    approach = forms.ChoiceField(choices=Approach.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, collaborative_offered: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not collaborative_offered:
            field = self.fields["approach"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(Approach.ROUTINE.value, Approach.ROUTINE.label)]


class FactsForm(forms.Form):
    """The facts the scripts are filled with: some live on the case, some on its providers."""

    patient_name = forms.CharField(label=_("Patient's name"), max_length=120)
    concern = forms.CharField(
        label=_("What the second opinion is about"),
        max_length=300,
        required=False,
        help_text=_("For example “the surgery my doctor recommends”."),
    )
    current_name = forms.CharField(label=_("Your doctor's name"), max_length=150, required=False)
    current_practice = forms.CharField(label=_("Their practice or hospital"), max_length=200, required=False)
    second_name = forms.CharField(label=_("Second-opinion doctor's name"), max_length=150, required=False)
    second_practice = forms.CharField(label=_("Their practice or hospital"), max_length=200, required=False)
    second_address = forms.CharField(label=_("Their address"), max_length=300, required=False)
    second_fax = forms.CharField(label=_("Their fax number"), max_length=40, required=False)
    records_wanted = forms.MultipleChoiceField(
        label=_("The records you want"),
        choices=RecordType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    PROVIDER_FIELDS = {
        ProviderRole.CURRENT: {"current_name": "name", "current_practice": "practice"},
        ProviderRole.SECOND_OPINION: {
            "second_name": "name",
            "second_practice": "practice",
            "second_address": "address",
            "second_fax": "fax",
        },
    }

    @classmethod
    def initial_for(cls, case: Case) -> dict[str, object]:
        initial: dict[str, object] = {
            "patient_name": case.patient_name,
            "concern": case.concern,
            "records_wanted": case.records_wanted,
        }
        for role, fields in cls.PROVIDER_FIELDS.items():
            provider = case.providers.filter(role=role).first()
            for form_field, model_field in fields.items():
                initial[form_field] = getattr(provider, model_field) if provider else ""
        return initial

    def clean_patient_name(self) -> str:
        name = " ".join(self.cleaned_data["patient_name"].split())
        if not name:
            raise forms.ValidationError(gettext("Write the patient's name, or yours if this is for you."))
        return name

    def save(self, case: Case) -> None:
        data = self.cleaned_data
        case.patient_name = data["patient_name"]
        case.concern = " ".join(data["concern"].split())
        case.records_wanted = [key for key, _label in RecordType.choices if key in data["records_wanted"]]
        case.save(update_fields=["patient_name", "concern", "records_wanted", "updated_at"])
        for role, fields in self.PROVIDER_FIELDS.items():
            values = {model_field: data[form_field].strip() for form_field, model_field in fields.items()}
            provider = case.providers.filter(role=role).first()
            if provider is None:
                if any(values.values()):
                    Provider.objects.create(case=case, role=role, **values)
                continue
            for name, value in values.items():
                setattr(provider, name, value)
            provider.save(update_fields=list(values))


class DraftUseForm(forms.ModelForm):
    class Meta:
        model = DraftUse
        fields = ["used_on", "channel", "provider_said"]
        widgets = {
            "used_on": forms.DateInput(attrs={"type": "date"}),
            "provider_said": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "used_on": _("When did you use it?"),
            "channel": _("How?"),
            "provider_said": _("What did they say?"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = ContactChannel.choices

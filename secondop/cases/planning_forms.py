"""Forms for the planning pages: records rights notes, questions for the second opinion, insurance check."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case, InsuranceCheck, Question, YesNoUnsure
from secondop.law import rules

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DateInput(forms.DateInput):
    """The phone's own date picker; the value goes both ways as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TelInput(forms.TextInput):
    input_type = "tel"


class RightsForm(forms.ModelForm):
    rights_state = forms.ChoiceField(
        label=_("Your state"),
        choices=lambda: [("", _("Choose a state"))] + [(name, name) for _code, name in rules.choices()],
        required=False,
        help_text=_("Where the records are kept. Saving it shows that state's rules here."),
    )

    class Meta:
        model = Case
        fields = ["rights_state", "rights_notes"]
        labels = {"rights_notes": _("What you found")}
        widgets = {"rights_notes": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "rights_notes": _(
                "For example: what the records office told you, and who to send the request to."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What was written before a state could be chosen: its state when it names one, else kept as it is.
        written, field = self.instance.rights_state, self.fields["rights_state"]
        known = rules.find(written)
        if known is not None and not self.is_bound:
            self.initial["rights_state"] = known.name
        elif written and known is None:
            field.choices = [*field.choices, (written, written)]  # type: ignore[attr-defined]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["text"]
        labels = {"text": _("Your question")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"text": _("One question at a time. You can change the order later.")}
        error_messages = {
            "text": {
                "required": _("Write your question here first. A few words are enough."),
                "max_length": _(
                    "This question is %(show_value)d characters long; the most that fits is %(limit_value)d. "
                    "You could split it into two questions."
                ),
            }
        }


class AnswerForm(forms.Form):
    answer_note = forms.CharField(
        label=_("What you learned"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. A few words help you remember the answer later."),
        error_messages={
            "max_length": _("This note is %(show_value)d characters long; at most %(limit_value)d fit here.")
        },
    )


def _yes_no_unsure(label: "StrOrPromise", help_text: "StrOrPromise") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=YesNoUnsure.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class InsuranceForm(forms.ModelForm):
    referral_required = _yes_no_unsure(
        _("Is a referral required?"),
        _("A referral is a note from your doctor that sends you to a specialist."),
    )
    preauth_required = _yes_no_unsure(
        _("Is pre-authorisation required?"),
        _("Pre-authorisation means the plan agrees to pay before the visit."),
    )

    class Meta:
        model = InsuranceCheck
        fields = [
            "plan_name",
            "phone_called",
            "referral_required",
            "preauth_required",
            "reference_numbers",
            "called_on",
            "spoke_with",
            "notes",
        ]
        labels = {
            "plan_name": _("Insurance plan"),
            "phone_called": _("Phone number you called"),
            "reference_numbers": _("Reference numbers"),
            "called_on": _("Date of the call"),
            "spoke_with": _("Person you spoke with"),
            "notes": _("Notes"),
        }
        help_texts = {
            "phone_called": _("Usually on the back of your insurance card."),
            "reference_numbers": _("Ask for a reference number for the call, and for any approval."),
            "notes": _("For example: is the doctor you want to see in your plan's network?"),
        }
        widgets = {
            "phone_called": TelInput(attrs={"autocomplete": "off"}),
            "called_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from secondop.opinions.models import Agreement, Opinion

TOO_LONG = _(
    "This is %(show_value)d characters long; at most %(limit_value)d fit here. A few words are enough."
)
NOT_A_CHOICE = _("Choose one of the answers shown.")
TEXTS = ["first_diagnosis", "first_recommendation", "second_diagnosis", "second_recommendation", "next_steps"]


class OpinionForm(forms.ModelForm):
    # The fields of each part of the page, in order (the template shows one fieldset per part).
    FIRST = ["first_diagnosis", "first_recommendation"]
    SECOND = ["agreement", "second_diagnosis", "second_recommendation", "next_steps"]

    class Meta:
        model = Opinion
        fields = [
            "first_diagnosis",
            "first_recommendation",
            "agreement",
            "second_diagnosis",
            "second_recommendation",
            "next_steps",
            "decision",
        ]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 3}) for name in TEXTS},
            "agreement": forms.RadioSelect,
            "decision": forms.RadioSelect,
        }
        labels = {
            "first_diagnosis": _("What your first doctor said it is (the diagnosis)"),
            "first_recommendation": _("What your first doctor recommended"),
            "agreement": _("Did the second doctor agree with the diagnosis?"),
            "second_diagnosis": _("What the second doctor said it is"),
            "second_recommendation": _("What the second doctor recommended"),
            "next_steps": _("Next steps"),
            "decision": _("What have you decided?"),
        }
        help_texts = {
            "first_diagnosis": _("In your own words is fine."),
            "first_recommendation": _("For example: “surgery in March”, or “wait and watch for 3 months”."),
            "agreement": _("“Not sure yet” is fine: you can change it after you read their report."),
            "second_diagnosis": _("If they see it differently, write what they think it is."),
            "second_recommendation": _("What they think you should do, in their words if you have them."),
            "next_steps": _("What happens next, and by when. For example: “Send their report to my doctor.”"),
            "decision": _(
                "You can change it at any time. The script for telling your first doctor follows it."
            ),
        }
        error_messages = {
            **{name: {"max_length": TOO_LONG} for name in TEXTS},
            "agreement": {"invalid_choice": NOT_A_CHOICE},
            "decision": {
                "invalid_choice": NOT_A_CHOICE,
                "required": _("Choose one — “Not decided yet” is fine."),
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agreement = self.fields["agreement"]
        assert isinstance(agreement, forms.ChoiceField)
        # No "---------" radio: an opinion not written down yet has none of them chosen.
        agreement.choices = Agreement.choices

    @property
    def first_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FIRST]

    @property
    def second_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SECOND]

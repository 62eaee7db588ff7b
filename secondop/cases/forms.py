from django import forms
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["patient_name", "concern"]
        widgets = {
            "patient_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "concern": forms.TextInput(),
        }
        help_texts = {"patient_name": _("You, or the person you are helping.")}

    def clean_patient_name(self) -> str:
        name = " ".join(self.cleaned_data["patient_name"].split())
        if not name:
            raise forms.ValidationError(_("Write the patient's name, or yours if this is for you."))
        return name


class ChecklistItemForm(forms.Form):
    title = forms.CharField(label=_("Add your own item"), max_length=200)

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(
                _("Write what you want to do, for example “Ask a friend to come along”.")
            )
        return title

from django import forms
from django.conf import settings


class SaveForm(forms.Form):
    text = forms.CharField(max_length=20000, required=False, strip=False, widget=forms.Textarea)
    version = forms.IntegerField(min_value=1, max_value=2_000_000_000)

    def clean_text(self) -> str:
        # A plain form post sends line breaks as CRLF and htmx's as LF: the same text must compare equal.
        return str(self.cleaned_data["text"]).replace("\r\n", "\n")


class ResolveForm(forms.Form):
    keep = forms.ChoiceField(choices=[("mine", "mine"), ("theirs", "theirs")])


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    version = forms.IntegerField(min_value=1, max_value=2_000_000_000)
    # Asked only of a text someone typed over: that their words make way for the suggested text.
    replace = forms.BooleanField(required=False)

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secondop.accounts.models import Profile, User, available_time_zones, current_language


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", gettext("Choose your time zone"))] + [
        (name, name.replace("_", " ")) for name in sorted(available_time_zones())
    ]


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        required=False,
        help_text=_("Shown to people you share a case with."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, help_text=_("Reminders arrive at 9:00 your time.")
    )

    # Not required: a form sent without it (saved offline before it was there) keeps the language.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Of these pages, your reminders and e-mails. Each script and letter has its own."),
    )

    field_order = ["display_name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"]

    class Meta:
        model = Profile
        fields = ["language", "time_zone", "quiet_hours_start", "quiet_hours_end"]
        labels = {"quiet_hours_start": _("Quiet from"), "quiet_hours_end": _("Quiet until")}
        help_texts = {"quiet_hours_end": _("No reminders reach you between these times.")}
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["display_name"].initial = self.instance.user.display_name

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=False)
        profile.time_zone_from_browser = False
        user = profile.user
        user.display_name = self.cleaned_data["display_name"]
        if commit:
            profile.save()
            user.save(update_fields=["display_name"])
        return profile


class BrowserTimeZoneForm(forms.Form):
    time_zone = forms.CharField(max_length=64)

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if value not in available_time_zones():
            raise forms.ValidationError(_("Unknown time zone."))
        return value


class SignupLanguageForm(forms.Form):
    """What allauth's sign-up form adds (ACCOUNT_SIGNUP_FORM_CLASS): the language, offered as the one the
    page is in (the switch's, or the browser's)."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial=current_language,
        required=False,  # then the one the page is in
        help_text=_("Of the pages, the reminders and the e-mails. You can change it in Settings."),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        language = self.cleaned_data["language"] or current_language()
        Profile.objects.filter(user=user).update(language=language)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)

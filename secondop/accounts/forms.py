from django import forms

from secondop.accounts.models import Profile, available_time_zones


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", "Choose your time zone")] + [
        (name, name.replace("_", " ")) for name in sorted(available_time_zones())
    ]


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(
        label="Your name", max_length=120, required=False, help_text="Shown to people you share a case with."
    )
    time_zone = forms.ChoiceField(
        label="Time zone", choices=time_zone_choices, help_text="Reminders arrive at 9:00 your time."
    )

    field_order = ["display_name", "time_zone", "quiet_hours_start", "quiet_hours_end"]

    class Meta:
        model = Profile
        fields = ["time_zone", "quiet_hours_start", "quiet_hours_end"]
        labels = {"quiet_hours_start": "Quiet from", "quiet_hours_end": "Quiet until"}
        help_texts = {"quiet_hours_end": "No reminders reach you between these times."}
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["display_name"].initial = self.instance.user.display_name

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
            raise forms.ValidationError("Unknown time zone.")
        return value

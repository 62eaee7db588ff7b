import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from secondop.cases.models import Case
from secondop.records.models import Provider, ProviderRole
from secondop.visits.models import ItemStatus, PhysicalItem, Visit, VisitMode


class VisitForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        help_text=gettext_lazy("In your time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Visit
        fields = ["doctor", "starts_at", "mode", "place", "cost", "approval", "notes"]
        labels = {
            "doctor": gettext_lazy("The second-opinion doctor"),
            "mode": gettext_lazy("How the visit happens"),
        }
        help_texts = {
            "place": gettext_lazy("The address, or the link to the video call."),
            "cost": gettext_lazy("What the visit costs you, as far as you know."),
            "approval": gettext_lazy("If your plan has to approve the visit first."),
        }
        widgets = {"mode": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        doctors = Provider.objects.filter(case=case).exclude(role=ProviderRole.RECORDS_OFFICE)
        field = self.fields["doctor"]
        assert isinstance(field, forms.ModelChoiceField)
        # The second-opinion doctors first, then anyone else the case knows.
        field.queryset = doctors.order_by("-role", "name", "practice", "pk")
        field.empty_label = _("Choose the doctor")
        self.fields["approval"].required = False

    def clean_starts_at(self) -> datetime.datetime:
        starts_at: datetime.datetime = self.cleaned_data["starts_at"]
        if self.instance.pk is None and starts_at < timezone.now() - datetime.timedelta(days=1):
            raise forms.ValidationError(_("That date has passed. Enter the date of the appointment to come."))
        if starts_at > timezone.now() + datetime.timedelta(days=3 * 365):
            raise forms.ValidationError(_("That is more than three years away. Check the year."))
        return starts_at

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("mode") == VisitMode.VIDEO and str(data.get("place", "")).startswith("http://"):
            self.add_error("place", _("Use the link that starts with https://, so the call is private."))
        return data


class ItemForm(forms.ModelForm):
    class Meta:
        model = PhysicalItem
        fields = ["kind", "description", "holder", "recipient", "asked_on"]
        labels = {"kind": gettext_lazy("What it is")}
        help_texts = {
            "description": gettext_lazy("For example: “MRI of the left knee, 3 March”."),
            "holder": gettext_lazy("The imaging center, lab or office that has it."),
            "recipient": gettext_lazy("Usually the second-opinion doctor's office, or its pathology lab."),
        }
        widgets = {"asked_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["asked_on"].required = False
        self.fields["asked_on"].help_text = _("Leave it empty for today.")

    def clean_asked_on(self) -> datetime.date:
        asked_on: datetime.date = self.cleaned_data["asked_on"] or timezone.localdate()
        if asked_on > timezone.localdate():
            raise forms.ValidationError(_("That date is still to come. Enter the day you asked."))
        return asked_on


class ItemProgressForm(forms.Form):
    """Where an item stands now: sent (with the carrier and tracking number), received, returned."""

    status = forms.ChoiceField(
        label=gettext_lazy("Where it is now"), choices=ItemStatus.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(
        label=pgettext_lazy("date of a change", "On"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )
    carrier = forms.CharField(
        label=gettext_lazy("Carrier"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("FedEx, UPS, USPS, a courier…"),
    )
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=60, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        on = data.get("on")
        if isinstance(on, datetime.date) and on > timezone.localdate():
            self.add_error("on", _("That date is still to come."))
        if data.get("status") == ItemStatus.SENT and not data.get("tracking_number"):
            self.add_error("tracking_number", _("Add the tracking number, so you can follow it."))
        return data

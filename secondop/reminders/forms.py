"""The reminders page's forms and the check of a browser's push subscription."""

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case, Membership
from secondop.reminders import push, scheduling
from secondop.reminders.devices import device_name
from secondop.reminders.models import PushSubscription, TeamFollow

BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_BYTES = 16
# How many devices one person may get pushes on at once.
ACTIVE_DEVICES_PER_PERSON = 10


def _decode_base64url(value: str) -> bytes | None:
    if not BASE64URL.fullmatch(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


class PushSubscriptionForm(forms.Form):
    """`PushSubscription.toJSON()` from the browser, flattened: endpoint, p256dh and auth."""

    endpoint = forms.CharField(max_length=PushSubscription._meta.get_field("endpoint").max_length)
    p256dh = forms.CharField(max_length=PushSubscription._meta.get_field("p256dh").max_length)
    auth = forms.CharField(max_length=PushSubscription._meta.get_field("auth").max_length)

    @classmethod
    def from_json(cls, data: object) -> "PushSubscriptionForm":
        if not isinstance(data, dict):
            data = {}
        keys = data.get("keys")
        if not isinstance(keys, dict):
            keys = {}
        fields = {"endpoint": data.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
        return cls({name: value for name, value in fields.items() if isinstance(value, str)})

    def clean_endpoint(self) -> str:
        endpoint: str = self.cleaned_data["endpoint"]
        refusal = push.endpoint_refusal(endpoint)
        if refusal:
            raise forms.ValidationError(refusal)
        return endpoint

    def clean_p256dh(self) -> str:
        value: str = self.cleaned_data["p256dh"]
        raw = _decode_base64url(value)
        if raw is None or len(raw) != P256DH_BYTES:
            raise forms.ValidationError("The device key is not a P-256 public key (65 bytes, base64url).")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise forms.ValidationError("The device key is not a point on the P-256 curve.") from None
        return value.rstrip("=")

    def clean_auth(self) -> str:
        value: str = self.cleaned_data["auth"]
        raw = _decode_base64url(value)
        if raw is None or len(raw) != AUTH_BYTES:
            raise forms.ValidationError("The device secret must be 16 bytes, base64url.")
        return value.rstrip("=")

    def first_error(self) -> str:
        for name, errors in self.errors.items():
            if name in ("p256dh", "auth") and errors == [forms.Field.default_error_messages["required"]]:
                return "The subscription has no keys."
            return f"{name}: {errors[0]}"
        return "The subscription is not valid."

    def save(self, user: User, user_agent: str) -> tuple[PushSubscription, bool]:
        """Stores the subscription for `user`, or brings it up to date: one row per endpoint. An endpoint
        another person had moves to `user` (whoever is signed in on that browser now gets its pushes)."""
        now = timezone.now()
        user_agent = user_agent[: PushSubscription._meta.get_field("user_agent").max_length]
        fields = {
            "user": user,
            "p256dh": self.cleaned_data["p256dh"],
            "auth": self.cleaned_data["auth"],
            "user_agent": user_agent,
            "device_name": device_name(user_agent),
            "last_seen_at": now,
            "disabled_at": None,
            "failures": 0,
        }
        with transaction.atomic():
            subscription, created = PushSubscription.objects.select_for_update().get_or_create(
                endpoint=self.cleaned_data["endpoint"], defaults={**fields, "created_at": now}
            )
            if not created:
                if subscription.user_id != user.pk:
                    fields["created_at"] = now
                for name, value in fields.items():
                    setattr(subscription, name, value)
                subscription.save(update_fields=list(fields))
            # A person's phones and computers, not a fan-out: past the limit, the one seen longest ago
            # stops getting pushes (it comes back by itself the next time that browser opens the app).
            active = PushSubscription.objects.filter(user=user, disabled_at__isnull=True)
            stale = active.exclude(pk=subscription.pk).order_by("-last_seen_at", "-pk")[
                ACTIVE_DEVICES_PER_PERSON - 1 :
            ]
            PushSubscription.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
                disabled_at=now
            )
        return subscription, created


class ChannelsForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["push_reminders", "email_reminders"]
        labels = {
            "push_reminders": _("Show reminders on my devices"),
            "email_reminders": _("Send reminders by e-mail"),
        }
        help_texts = {
            "push_reminders": _("On each phone or computer where you turned reminders on."),
        }
        widgets = {"email_reminders": forms.RadioSelect}


@dataclass(frozen=True)
class CaseChoice:
    """A case whose reminders a person may choose: as a member (their Membership), or through a team."""

    case: Case
    membership: Membership | None
    follows: bool

    @property
    def gets_reminders(self) -> bool:
        return self.membership.gets_reminders if self.membership else self.follows


class CaseRemindersForm(forms.Form):
    """One checkbox for each case the person reaches, as a member or through a team: get its reminders."""

    def __init__(self, user: User, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        # Open cases first, newest first; archived ones after them. Then the cases a team gives them.
        memberships = (
            Membership.objects.filter(user=user)
            .select_related("case")
            .order_by(F("case__archived_at").asc(nulls_first=True), "-case__created_at")
        )
        through_teams = (
            Case.objects.filter(team_shares__team__members__user=user)
            .exclude(memberships__user=user)
            .distinct()
            .order_by(F("archived_at").asc(nulls_first=True), "-created_at")
        )
        followed = set(TeamFollow.objects.filter(user=user).values_list("case_id", flat=True))
        self.choices = [CaseChoice(m.case, m, False) for m in memberships] + [
            CaseChoice(case, None, case.pk in followed) for case in through_teams
        ]
        for choice in self.choices:
            self.fields[self.field_name(choice.case)] = forms.BooleanField(
                label=self.label_for(choice),
                required=False,
                initial=choice.gets_reminders,
            )

    @staticmethod
    def label_for(choice: CaseChoice) -> str:
        """The checkbox's label: the patient's name (as typed), how the person reaches the case, and
        whether it is archived, each combination one whole sentence to translate."""
        name = {"name": choice.case.patient_name}
        if choice.membership is not None:
            if choice.case.is_archived:
                return gettext("Get reminders for %(name)s (archived)") % name
            return gettext("Get reminders for %(name)s") % name
        if choice.case.is_archived:
            return gettext("Get reminders for %(name)s (through your team, archived)") % name
        return gettext("Get reminders for %(name)s (through your team)") % name

    @staticmethod
    def field_name(case: Case) -> str:
        return f"case-{case.code}"

    def rows(self) -> list[tuple[CaseChoice, forms.BoundField]]:
        return [(choice, self[self.field_name(choice.case)]) for choice in self.choices]

    def save(self) -> int:
        """Applies the changes; each one schedules or cancels that person's reminders in the same
        transaction. Returns how many cases changed."""
        changed = 0
        with transaction.atomic():
            for choice in self.choices:
                wanted = self.cleaned_data[self.field_name(choice.case)]
                if choice.membership is not None:
                    # Conditional, so that two saves at once change (and schedule) each membership once.
                    if not Membership.objects.filter(
                        pk=choice.membership.pk, gets_reminders=not wanted
                    ).update(gets_reminders=wanted):
                        continue
                elif wanted:
                    if not TeamFollow.objects.get_or_create(user=self.user, case=choice.case)[1]:
                        continue
                elif not TeamFollow.objects.filter(user=self.user, case=choice.case).delete()[0]:
                    continue
                changed += 1
                if wanted:
                    scheduling.schedule_for_member(choice.case, self.user)
                else:
                    scheduling.cancel_for_member(choice.case.pk, self.user.pk)
        return changed

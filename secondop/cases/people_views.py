"""The People section of a case: members, invitations, team shares, and the audit trail (owner only)."""

from typing import Any
from uuid import UUID

from allauth.account.signals import email_confirmed
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Prefetch
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secondop.accounts.models import User
from secondop.cases import audit, sharing, teams
from secondop.cases.access import get_case_for
from secondop.cases.models import Case, Invitation, Membership, Role, Team, TeamInvitation, TeamMembership
from secondop.requests import AuthenticatedRequest

SHARE_ROLES = [
    (Role.ADVOCATE.value, gettext_lazy("Advocate — can read and change the case")),
    (Role.VIEWER.value, gettext_lazy("Viewer — can only read")),
]


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Their e-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("What they can do"),
        choices=SHARE_ROLES,
        widget=forms.RadioSelect,
        initial="advocate",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=SHARE_ROLES)


class TeamShareForm(forms.Form):
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), empty_label=gettext_lazy("Choose a team")
    )
    role = forms.ChoiceField(label=gettext_lazy("What the team's members can do"), choices=SHARE_ROLES)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(members__user_id=user.pk)


def _page(
    request: AuthenticatedRequest, case: Case, membership: Membership, **forms_: object
) -> HttpResponse:
    is_owner = membership.role == Role.OWNER
    context = {
        "case": case,
        "membership": membership,
        "members": case.memberships.select_related("user").order_by("created_at"),
        "invitations": case.invitations.pending().order_by("-created_at") if is_owner else [],
        # The owner sees everyone who reaches the case through a team, with the day they joined it; the
        # others see the teams (one team's roster is not another's to read).
        "shares": case.team_shares.select_related("team")
        .prefetch_related(
            *(
                [
                    Prefetch(
                        "team__members",
                        queryset=TeamMembership.objects.select_related("user").order_by("created_at", "pk"),
                    )
                ]
                if is_owner
                else []
            )
        )
        .order_by("created_at", "pk"),
        "invite_form": forms_.get("invite_form") or InviteForm(),
        "team_form": forms_.get("team_form") or TeamShareForm(user=request.user),
        "is_owner": is_owner,
    }
    return render(request, "cases/people.html", context, status=200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def people(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "own" if request.method == "POST" else "read")
    if request.method != "POST":
        return _page(request, case, membership)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = sharing.invite(
                case, request.user, form.cleaned_data["email"], form.cleaned_data["role"]
            )
        except sharing.SharingRefused as refusal:
            form.add_error("email", str(refusal))
        else:
            messages.success(request, sharing.invitation_sent(invitation.email))
            return redirect("people", case.code)
    return _page(request, case, membership, invite_form=form)


@login_required
@require_POST
def invitation_cancel(request: AuthenticatedRequest, code: UUID, invitation_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    invitation = get_object_or_404(case.invitations, pk=invitation_id)
    sharing.cancel_invitation(invitation, request.user)
    messages.success(request, _("The invitation to {email} is cancelled.").format(email=invitation.email))
    return redirect("people", case.code)


def _member(case: Case, member_id: int) -> Membership:
    return get_object_or_404(case.memberships.select_related("user", "case"), pk=member_id)


@login_required
@require_POST
def member_role(request: AuthenticatedRequest, code: UUID, member_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    member = _member(case, member_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise sharing.SharingRefused(_("Choose advocate or viewer."))
        sharing.change_role(member, form.cleaned_data["role"], request.user)
    except sharing.SharingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        now = (
            _("{person} is now advocate.")
            if form.cleaned_data["role"] == Role.ADVOCATE
            else _("{person} is now viewer.")
        )
        messages.success(request, now.format(person=member.user))
    return redirect("people", case.code)


@login_required
@require_POST
def member_remove(request: AuthenticatedRequest, code: UUID, member_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    member = _member(case, member_id)
    try:
        sharing.revoke(member, request.user)
    except sharing.SharingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("{person} no longer has access to this case.").format(person=member.user))
    return redirect("people", case.code)


@login_required
@require_POST
def member_make_owner(request: AuthenticatedRequest, code: UUID, member_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "own")
    member = _member(case, member_id)
    try:
        sharing.hand_over(case, membership, member)
    except sharing.SharingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("people", case.code)
    messages.success(
        request, _("{person} is now the owner. You stay on the case as advocate.").format(person=member.user)
    )
    return redirect("people", case.code)


@login_required
@require_POST
def case_leave(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    # Any member may leave, a viewer too: leaving is not a change to the case.
    case, membership = get_case_for(request, code, "read")
    if membership.pk is None:
        messages.error(request, _("You see this case through a team. Leave the team, or ask its owner."))
        return redirect("people", case.code)
    try:
        sharing.leave(membership)
    except sharing.SharingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("people", case.code)
    messages.success(request, _("You left the case."))
    return redirect("case_list")


@login_required
@require_POST
def team_share(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "own")
    form = TeamShareForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            sharing.share_with_team(case, form.cleaned_data["team"], form.cleaned_data["role"], request.user)
        except sharing.SharingRefused as refusal:
            form.add_error("team", str(refusal))
        else:
            messages.success(request, _("Shared with {team}.").format(team=form.cleaned_data["team"]))
            return redirect("people", case.code)
    return _page(request, case, membership, team_form=form)


@login_required
@require_POST
def team_unshare(request: AuthenticatedRequest, code: UUID, share_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    share = get_object_or_404(case.team_shares.select_related("team", "case"), pk=share_id)
    sharing.unshare(share, request.user)
    messages.success(request, _("{team} no longer sees this case.").format(team=share.team))
    return redirect("people", case.code)


@login_required
@require_GET
def audit_trail(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "own")
    events = [(event, audit.describe(event)) for event in case.audit_events.all()[:500]]
    return render(request, "cases/audit.html", {"case": case, "membership": membership, "events": events})


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link, to a case or to a team: a new person signs up then joins, an existing one logs
    in then joins. Joining takes a POST from the person signed in with the invited, confirmed address."""
    found: Invitation | TeamInvitation | None = sharing.find_invitation(token) or teams.find_invitation(token)
    if found is None:
        return render(
            request, "cases/invitation.html", {"problem": _("This invitation link is not valid.")}, status=404
        )
    problem = ""
    if found.cancelled_at is not None:
        problem = _("This invitation was cancelled. Ask the person who sent it for a new one.")
    elif found.accepted_at is not None:
        problem = _("This invitation was already used.")
    elif not found.is_pending:
        problem = _("This invitation has expired. Ask the person who sent it for a new one.")
    to_team = isinstance(found, TeamInvitation)
    if problem:
        context = {"problem": problem, "invitation": found, "to_team": to_team}
        return render(request, "cases/invitation.html", context, status=410)
    here = reverse("invitation", args=[token])
    context = {
        "invitation": found,
        "to_team": to_team,
        "signup_url": f"{reverse('account_signup')}?next={here}",
        "login_url": f"{reverse('account_login')}?next={here}",
    }
    if request.method == "POST" and request.user.is_authenticated:
        try:
            accept(found, request.user)
        except sharing.SharingRefused as refusal:
            return render(request, "cases/invitation.html", {**context, "problem": str(refusal)}, status=403)
        return joined(request, found)
    if request.method == "POST":
        return redirect(f"{reverse('account_login')}?next={here}")
    return render(request, "cases/invitation.html", context)


def joined(request: HttpRequest, accepted: Invitation | TeamInvitation) -> HttpResponse:
    """Where a person goes once they accepted an invitation: into the case, or the team's page."""
    if isinstance(accepted, TeamInvitation):
        messages.success(
            request, _("You joined “{team}”. Its cases are in your list now.").format(team=accepted.team.name)
        )
        return redirect("team_detail", accepted.team.pk)
    messages.success(request, _("You joined the case."))
    return redirect(accepted.case)


def accept(found: Invitation | TeamInvitation, user: User) -> None:
    """Accepts an invitation to a case or to a team; SharingRefused says why not."""
    with transaction.atomic():
        if isinstance(found, TeamInvitation):
            teams.accept_invitation(found, user)
        else:
            sharing.accept(found, user)


# Whether invitations wait for the signed-in person, looked up when they log in or confirm an address (the
# moments one can start waiting for them without a link in hand), so the dashboard asks only then.
INVITATIONS_WAITING = "secondop_invitations_waiting"


def look_for_waiting_invitations(request: HttpRequest | None, user: User) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[INVITATIONS_WAITING] = (
            sharing.waiting_for(user).exists() or teams.waiting_for(user).exists()
        )


@receiver(user_logged_in)
def _on_log_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    look_for_waiting_invitations(request, user)


@receiver(email_confirmed)
def _on_address_confirmed(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None and request.user.is_authenticated:
        look_for_waiting_invitations(request, request.user)

"""Teams: an advocacy practice whose members see the cases shared with it.

Anyone can start a team (a few a day) and is its admin. Admins invite members by e-mail; the invited
person joins by accepting, signed in with the invited address, which they have confirmed. Admins change
roles and remove members; any member may leave. A team always keeps at least one admin. Access to the
team's cases is computed from the membership on every request, so leaving or being removed takes it away
at once. Every join and departure goes into the audit trail of each case shared with the team, so the
patient sees who can reach their case.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from secondop import ratelimit
from secondop.accounts.models import User
from secondop.cases import sharing
from secondop.cases.models import (
    AuditAction,
    AuditEvent,
    Case,
    Team,
    TeamInvitation,
    TeamMembership,
    TeamRole,
    TeamShare,
)
from secondop.requests import AuthenticatedRequest, query_number
from secondop.retry import retried

# Teams one person may start in a day.
TEAMS_PER_PERSON = 3
# Team invitations one person may send in a day, and one team may get in a day (enough to bring a whole
# practice in over a couple of days; not enough to be a mail relay).
TEAM_INVITATIONS_PER_PERSON = 20
TEAM_INVITATIONS_PER_TEAM = 20

TOO_MANY_TEAMS = gettext_lazy("You have started many teams today. Try again tomorrow.")
TOO_MANY_FOR_TEAM = gettext_lazy("This team has had many invitations today. Try again tomorrow.")


class TeamRefused(sharing.SharingRefused):
    """A team change the rules do not allow; the message says why."""


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": gettext_lazy("Team name")}
        help_texts = {"name": gettext_lazy("For example, the name of your practice.")}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "organization"})}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write a name for the team, for example your practice's name."))
        return name


class InviteMemberForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Their e-mail address"),
        max_length=254,
        help_text=gettext_lazy("We e-mail them an invitation. They join when they accept it."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=TeamRole.choices, initial=TeamRole.MEMBER)


# The rules. Each takes effect at once: nothing about a team's cases is stored per member.


def start_team(name: str, by: User) -> Team:
    if not ratelimit.allow("teams-started-by", by.pk, TEAMS_PER_PERSON, sharing.DAY):
        raise TeamRefused(TOO_MANY_TEAMS)
    with transaction.atomic():
        team = Team.objects.create(name=name, created_by=by)
        TeamMembership.objects.create(team=team, user=by, role=TeamRole.ADMIN)
    return team


def invite_member(team: Team, by: User, email: str, role: str) -> tuple[TeamInvitation, str]:
    """Creates an invitation to the team and e-mails its link; returns it with the raw token (never stored).

    What happens is the same whether or not the address has an account (the mail lets a new person sign
    up first), so the answer tells the admin nothing about who uses secondop."""
    email = email.strip().lower()
    if role not in TeamRole.values:
        raise TeamRefused(_("Choose admin or member."))
    sharing.refuse_unless_plain_address(email)
    # Only the addresses the team's page already shows its admins.
    if team.members.filter(user__email__iexact=email).exists():
        raise TeamRefused(_("That person is already in this team."))
    sender = sharing.sender_address(by)
    sharing.refuse_over_limit(
        ("team-invitations-by", by.pk, TEAM_INVITATIONS_PER_PERSON, sharing.TOO_MANY_FROM_YOU),
        ("team-invitations-to", team.pk, TEAM_INVITATIONS_PER_TEAM, TOO_MANY_FOR_TEAM),
    )
    with transaction.atomic():
        invitation, token = sharing.new_invitation(TeamInvitation, email, role, by, team=team)
    # The team's name is the sender's own words: it stays out of the mail.
    sharing.send_invitation(email, sender, sharing.TO_TEAM, token)
    return invitation, token


def find_invitation(token: str) -> TeamInvitation | None:
    return (
        TeamInvitation.objects.select_related("team", "created_by")
        .filter(token_hash=sharing.token_hash(token))
        .first()
    )


def waiting_for(user: User) -> QuerySet[TeamInvitation]:
    """Open invitations to teams, addressed to one of the person's confirmed addresses, for teams they are
    not in yet."""
    return (
        sharing.waiting(TeamInvitation, user)
        .exclude(team__in=TeamMembership.objects.filter(user_id=user.pk).values("team_id"))
        .select_related("team")
    )


def _tell_shared_cases(team: Team, actor: User, action: str, detail: Callable[[str], str]) -> None:
    """Records the event in the audit trail of every case shared with the team, for its owner to read;
    `detail` gets the role the team has on each case."""
    shares = TeamShare.objects.filter(team=team).values_list("case_id", "role")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            case_id=case_id, actor=actor, actor_email=actor.email, action=action, detail=detail(role)[:300]
        )
        for case_id, role in shares
    )


def _join(team: Team, user: User, role: str, how: str) -> TeamMembership:
    """Call inside a transaction. Puts the person in the team, and tells every case shared with it."""
    sharing.lock_team(team)
    membership, created = TeamMembership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if created:
        _tell_shared_cases(
            team,
            user,
            AuditAction.TEAM_JOINED,
            lambda share_role: f"{team.name} ({how}) and can now {sharing.can_do(share_role)} this case",
        )
    return membership


@retried
def add_member(team: Team, user: User, role: str) -> TeamMembership:
    """Puts someone in a team without asking them: for setting up data (no view calls it; people join by
    accepting an invitation). Audited as every join is."""
    with transaction.atomic():
        return _join(team, user, TeamRole(role), "added without an invitation")


@retried
def accept_invitation(invitation: TeamInvitation, user: User) -> TeamMembership:
    with transaction.atomic():
        locked = (
            TeamInvitation.objects.select_for_update(of=("self",))
            .select_related("team", "created_by")
            .get(pk=invitation.pk)
        )
        sharing.refuse_unless_acceptable(locked, user)
        # An invitation holds only while the admin who sent it still is one: removing a rogue admin ends
        # the invitations they sent.
        sender = locked.created_by_id
        admins = TeamMembership.objects.filter(team=locked.team, role=TeamRole.ADMIN)
        if sender is None or not admins.filter(user_id=sender).exists():
            raise sharing.SharingRefused(sharing.SENDER_GONE)
        inviter = locked.created_by.email if locked.created_by else "a team admin"
        membership = _join(locked.team, user, locked.role, f"invited by {inviter}")
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def cancel_invitation(invitation: TeamInvitation) -> None:
    TeamInvitation.objects.filter(pk=invitation.pk).unanswered().update(cancelled_at=timezone.now())


def _refuse_if_last_admin(membership: TeamMembership, refusal: str) -> None:
    """Call inside a transaction. The admins' rows stay locked until it ends, so two admins stepping down at
    the same moment cannot both pass and leave the team without one."""
    admins = set(
        TeamMembership.objects.select_for_update()
        .filter(team_id=membership.team_id, role=TeamRole.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == {membership.pk}:
        raise TeamRefused(refusal)


def change_role(membership: TeamMembership, role: str) -> None:
    role = TeamRole(role)
    with transaction.atomic():
        if role != TeamRole.ADMIN:
            _refuse_if_last_admin(
                membership, _("A team needs at least one admin. Make someone else admin first.")
            )
        TeamMembership.objects.filter(pk=membership.pk).update(role=role)


def record_left(membership: TeamMembership) -> None:
    """Tells every case shared with the team that the person left it, and cancels the invitations to the
    team still waiting for them. Call inside the transaction that deletes the membership, before deleting
    it."""
    sharing.lock_team(membership.team)
    sharing.cancel_invitations_of(TeamInvitation, membership.user, team=membership.team)
    _tell_shared_cases(
        membership.team, membership.user, AuditAction.TEAM_LEFT, lambda role: membership.team.name
    )


@retried
def remove_member(membership: TeamMembership, by: User) -> None:
    with transaction.atomic():
        _refuse_if_last_admin(
            membership, _("A team needs at least one admin. Make someone else admin before they go.")
        )
        if membership.user_id == by.pk:
            record_left(membership)
        else:
            sharing.lock_team(membership.team)
            sharing.cancel_invitations_of(TeamInvitation, membership.user, team=membership.team)
            _tell_shared_cases(
                membership.team,
                by,
                AuditAction.TEAM_REMOVED,
                lambda role: f"{membership.user.email} from the team {membership.team.name}",
            )
        membership.delete()


@retried
def leave_team(membership: TeamMembership) -> None:
    with transaction.atomic():
        _refuse_if_last_admin(
            membership,
            _("You are the team's only admin. Make someone else admin first, then you can leave."),
        )
        record_left(membership)
        membership.delete()


# The views.


def left_team(team: Team) -> str:
    return _("You left “{team}”. Its cases are no longer in your list.").format(team=team.name)


def _membership_for(request: AuthenticatedRequest, team_id: int, *, admin: bool = False) -> TeamMembership:
    """The signed-in person's membership of the team. Others get 404, so nothing tells them the team
    exists; members who are not admins get 403 on what only admins may do."""
    # team__pk, not team_id: a lookup on the team's own key finds nothing for an id too big for the
    # database, where one on the foreign key column raises OverflowError.
    membership = (
        TeamMembership.objects.select_related("team").filter(team__pk=team_id, user=request.user).first()
    )
    if membership is None:
        raise Http404("No such team.")
    if admin and membership.role != TeamRole.ADMIN:
        raise PermissionDenied("Only the team's admins can do that.")
    return membership


@login_required
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = start_team(form.cleaned_data["name"], request.user)
        except TeamRefused as refusal:
            form.add_error("name", str(refusal))
        else:
            messages.success(
                request, _("“{team}” is ready. Invite the people you work with.").format(team=team.name)
            )
            return redirect("team_detail", team.pk)
    memberships = (
        TeamMembership.objects.filter(user=request.user)
        .select_related("team")
        .annotate(
            member_count=Count("team__members", distinct=True),
            case_count=Count("team__shares", distinct=True),
        )
        .order_by("team__name", "team__pk")
    )
    context = {"form": form, "memberships": memberships, "waiting": waiting_for(request.user)}
    return render(request, "cases/teams.html", context)


@login_required
def team_detail(request: AuthenticatedRequest, team_id: int) -> HttpResponse:
    me = _membership_for(request, team_id, admin=request.method == "POST")
    team = me.team
    invite_form = InviteMemberForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InviteMemberForm(request.POST)
            if invite_form.is_valid():
                data = invite_form.cleaned_data
                try:
                    invitation, _token = invite_member(team, request.user, data["email"], data["role"])
                except sharing.SharingRefused as refusal:
                    invite_form.add_error("email", str(refusal))
                else:
                    messages.success(request, sharing.invitation_sent(invitation.email))
                    return redirect("team_detail", team.pk)
        elif action == "role":
            member = get_object_or_404(
                team.members.select_related("user"), pk=query_number(request.POST.get("member")) or 0
            )
            role = request.POST.get("role", "")
            if role not in TeamRole.values:
                return HttpResponseBadRequest("Choose admin or member.")
            try:
                change_role(member, role)
            except TeamRefused as refusal:
                messages.error(request, str(refusal))
            else:
                now = _("{person} is now admin.") if role == TeamRole.ADMIN else _("{person} is now member.")
                messages.success(request, now.format(person=member.user))
            return redirect("team_detail", team.pk)
        else:
            return HttpResponseBadRequest("Unknown action.")
    is_admin = me.role == TeamRole.ADMIN
    members = team.members.select_related("user").order_by("user__display_name", "user__email")
    shares = (
        TeamShare.objects.filter(team=team, case__in=Case.objects.for_user(request.user))
        .select_related("case")
        .order_by("case__patient_name", "pk")
    )
    invitations = (
        team.invitations.pending().order_by("-created_at", "-pk")
        if is_admin
        else TeamInvitation.objects.none()
    )
    context = {
        "team": team,
        "me": me,
        "is_admin": is_admin,
        "members": members,
        "shares": shares,
        "invitations": invitations,
        "invite_form": invite_form,
        "roles": TeamRole.choices,
    }
    return render(request, "cases/team_detail.html", context)


@login_required
@require_POST
def team_invitation_cancel(request: AuthenticatedRequest, team_id: int, invitation_id: int) -> HttpResponse:
    me = _membership_for(request, team_id, admin=True)
    invitation = get_object_or_404(me.team.invitations, pk=invitation_id)
    cancel_invitation(invitation)
    messages.success(request, _("The invitation to {email} is cancelled.").format(email=invitation.email))
    return redirect("team_detail", me.team.pk)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedRequest, team_id: int, member_id: int) -> HttpResponse:
    me = _membership_for(request, team_id, admin=True)
    member = get_object_or_404(me.team.members.select_related("user"), pk=member_id)
    removing_myself = member.pk == me.pk
    try:
        remove_member(member, request.user)
    except TeamRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("team_detail", me.team.pk)
    if removing_myself:
        messages.success(request, left_team(me.team))
        return redirect("teams")
    messages.success(
        request,
        _("{person} is no longer in the team and no longer sees its cases.").format(person=member.user),
    )
    return redirect("team_detail", me.team.pk)


@login_required
@require_POST
def team_leave(request: AuthenticatedRequest, team_id: int) -> HttpResponse:
    me = _membership_for(request, team_id)
    try:
        leave_team(me)
    except TeamRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("team_detail", me.team.pk)
    messages.success(request, left_team(me.team))
    return redirect("teams")

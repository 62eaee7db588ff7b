"""Teams: an advocacy practice whose members see the cases shared with it.

Anyone can start a team and is its admin. Admins add members by the e-mail of their secondop account,
change roles and remove members; any member may leave. A team always keeps at least one admin. Access to
the team's cases is computed from the membership on every request, so leaving or being removed takes it
away at once.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from secondop.accounts.models import User
from secondop.cases.models import Case, Team, TeamMembership, TeamRole, TeamShare
from secondop.requests import AuthenticatedRequest

NO_ACCOUNT = "No secondop account uses that address yet. Ask them to sign up first."


class TeamRefused(ValueError):
    """A team change the rules do not allow; the message says why."""


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": "Team name"}
        help_texts = {"name": "For example, the name of your practice."}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "organization"})}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Write a name for the team, for example your practice's name.")
        return name


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label="Their e-mail address",
        help_text="The address they use to log in to secondop.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=TeamRole.choices, initial=TeamRole.MEMBER)

    def __init__(self, team: Team, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.team = team
        self.user: User | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        user = (
            User.objects.filter(
                Q(email__iexact=email) | Q(emailaddress__email__iexact=email, emailaddress__verified=True)
            )
            .distinct()
            .first()
        )
        if user is None:
            raise forms.ValidationError(NO_ACCOUNT)
        if self.team.members.filter(user=user).exists():
            raise forms.ValidationError("That person is already in this team.")
        self.user = user
        return email


# The rules. Each takes effect at once: nothing about a team's cases is stored per member.


def start_team(name: str, by: User) -> Team:
    with transaction.atomic():
        team = Team.objects.create(name=name, created_by=by)
        TeamMembership.objects.create(team=team, user=by, role=TeamRole.ADMIN)
    return team


def add_member(team: Team, user: User, role: str) -> TeamMembership:
    return TeamMembership.objects.create(team=team, user=user, role=TeamRole(role))


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
                membership, "A team needs at least one admin. Make someone else admin first."
            )
        TeamMembership.objects.filter(pk=membership.pk).update(role=role)


def remove_member(membership: TeamMembership) -> None:
    with transaction.atomic():
        _refuse_if_last_admin(
            membership, "A team needs at least one admin. Make someone else admin before they go."
        )
        membership.delete()


def leave_team(membership: TeamMembership) -> None:
    with transaction.atomic():
        _refuse_if_last_admin(
            membership, "You are the team's only admin. Make someone else admin first, then you can leave."
        )
        membership.delete()


# The views.


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
        team = start_team(form.cleaned_data["name"], request.user)
        messages.success(request, f"“{team.name}” is ready. Add the people you work with.")
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
    return render(request, "cases/teams.html", {"form": form, "memberships": memberships})


@login_required
def team_detail(request: AuthenticatedRequest, team_id: int) -> HttpResponse:
    me = _membership_for(request, team_id, admin=request.method == "POST")
    team = me.team
    add_form = AddMemberForm(team)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = AddMemberForm(team, request.POST)
            if add_form.is_valid():
                assert add_form.user is not None
                add_member(team, add_form.user, add_form.cleaned_data["role"])
                messages.success(request, f"{add_form.user} is in the team now and sees its cases.")
                return redirect("team_detail", team.pk)
        elif action == "role":
            member = get_object_or_404(
                team.members.select_related("user"), pk=request.POST.get("member") or 0
            )
            role = request.POST.get("role", "")
            if role not in TeamRole.values:
                return HttpResponseBadRequest("Choose admin or member.")
            try:
                change_role(member, role)
            except TeamRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, f"{member.user} is now {TeamRole(role).label.lower()}.")
            return redirect("team_detail", team.pk)
        else:
            return HttpResponseBadRequest("Unknown action.")
    members = team.members.select_related("user").order_by("user__display_name", "user__email")
    shares = (
        TeamShare.objects.filter(team=team, case__in=Case.objects.for_user(request.user))
        .select_related("case")
        .order_by("case__patient_name", "pk")
    )
    context = {
        "team": team,
        "me": me,
        "is_admin": me.role == TeamRole.ADMIN,
        "members": members,
        "shares": shares,
        "add_form": add_form,
        "roles": TeamRole.choices,
    }
    return render(request, "cases/team_detail.html", context)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedRequest, team_id: int, member_id: int) -> HttpResponse:
    me = _membership_for(request, team_id, admin=True)
    member = get_object_or_404(me.team.members.select_related("user"), pk=member_id)
    removing_myself = member.pk == me.pk
    try:
        remove_member(member)
    except TeamRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("team_detail", me.team.pk)
    if removing_myself:
        messages.success(request, f"You left “{me.team.name}”. Its cases are no longer in your list.")
        return redirect("teams")
    messages.success(request, f"{member.user} is no longer in the team and no longer sees its cases.")
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
    messages.success(request, f"You left “{me.team.name}”. Its cases are no longer in your list.")
    return redirect("teams")

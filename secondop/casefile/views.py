"""The pages of the top layer: the dashboard, a case's whole timeline, deleting an account."""

import unicodedata
from uuid import UUID

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from secondop.casefile import dashboard, deletion
from secondop.casefile import timeline as case_timeline
from secondop.cases import people_views, sharing, teams
from secondop.cases.access import get_case_for
from secondop.cases.models import Case, Invitation, TeamInvitation
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest, query_number


@keep_offline
@login_required
@vary_on_headers("HX-Request")
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard: my cases, the most urgent first, with filters and a search by the patient's name; and
    above them, the invitations waiting for the person, each joined with one button."""
    if request.method == "POST":
        return _join(request)
    show = dashboard.parse_show(request.GET.get("show"))
    # No name holds a control character, and PostgreSQL refuses a NUL in a query: they are left out.
    search = "".join(ch for ch in request.GET.get("q", "") if unicodedata.category(ch) != "Cc").strip()[:120]
    today = request.user.profile.today()
    page = request.GET.get("page", "1")[:12]
    context: dict[str, object] = {"show": show, "q": search, "today": today}
    # A history restore asks with HX-Request too, but wants the whole page.
    rows_only = request.htmx and not request.htmx.history_restore_request
    if not rows_only and request.session.get(people_views.INVITATIONS_WAITING):
        waiting_cases, waiting_teams = (
            list(sharing.waiting_for(request.user)),
            list(teams.waiting_for(request.user)),
        )
        context |= {"waiting_cases": waiting_cases, "waiting_teams": waiting_teams}
        if not waiting_cases and not waiting_teams:
            del request.session[people_views.INVITATIONS_WAITING]
    board = dashboard.build(request.user, show=show, search=search, today=today, page=page)
    # Which empty state to show: a first-case welcome only to someone with no case at all.
    has_cases = bool(board.rows) or (
        show == dashboard.Show.ALL and not search and Case.objects.for_user(request.user).exists()
    )
    context |= {"board": board, "show_labels": dashboard.SHOW_LABELS, "has_cases": has_cases}
    if rows_only:
        return render(request, "cases/case_list.html#case-rows", context)
    return render(request, "cases/case_list.html", context)


def _join(request: AuthenticatedRequest) -> HttpResponse:
    """Accepts an invitation waiting for one of the person's confirmed addresses ("case-12", "team-3"):
    a confirmed address is the same proof as the invitation's link, so someone who signed up and confirmed
    on another device needs no link to join."""
    kind, _dash, number = request.POST.get("invitation", "").partition("-")
    pk = int(number) if number.isascii() and number.isdigit() and len(number) < 19 else 0
    found: Invitation | TeamInvitation | None = None
    if kind == "case":
        found = sharing.waiting_for(request.user).filter(pk=pk).first()
    elif kind == "team":
        found = teams.waiting_for(request.user).filter(pk=pk).first()
    if found is None:
        messages.error(
            request,
            _("This invitation is no longer waiting for you. Ask the person who sent it for a new one."),
        )
        return redirect("case_list")
    try:
        people_views.accept(found, request.user)
    except sharing.SharingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("case_list")
    return people_views.joined(request, found)


@keep_offline
@login_required
@require_GET
def timeline(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code)
    about = case_timeline.about(case)
    chosen = query_number(request.GET.get("request"))
    request_id = chosen if chosen in about else None
    before, after = request.GET.get("before", ""), request.GET.get("after", "")
    shown = case_timeline.page(case, about, request_id, before, after)
    context = {
        "case": case,
        "membership": membership,
        "entries": shown.entries,
        "page": shown,
        "requests": about.items(),
        "chosen": request_id,
    }
    return render(request, "records/timeline.html", context)


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete_account(request: AuthenticatedRequest) -> HttpResponse:
    """Says plainly what deleting the account takes away, then does it (after the password, again)."""
    if request.method == "POST":
        deletion.delete_account(request.user)
        logout(request)
        messages.success(request, _("Your account and everything in it are deleted."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"plan": deletion.plan(request.user)})

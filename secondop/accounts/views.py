from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from secondop.accounts.forms import BrowserTimeZoneForm, ProfileForm
from secondop.accounts.models import Profile
from secondop.requests import AuthenticatedRequest


@login_required
def profile_settings(request: AuthenticatedRequest) -> HttpResponse:
    profile, _ = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("profile_settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
@require_POST
def browser_time_zone(request: AuthenticatedRequest) -> HttpResponse:
    """Fills in the time zone the browser reports, unless the person already has one."""
    form = BrowserTimeZoneForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors["time_zone"][0], status=400, content_type="text/plain")
    updated = Profile.objects.filter(user=request.user, time_zone="").update(
        time_zone=form.cleaned_data["time_zone"], time_zone_from_browser=True
    )
    return HttpResponse(status=204 if updated else 200)

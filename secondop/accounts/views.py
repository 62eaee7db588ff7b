from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from secondop.accounts.forms import BrowserTimeZoneForm, LanguageForm, ProfileForm
from secondop.accounts.models import Profile
from secondop.requests import AuthenticatedRequest


@login_required
def profile_settings(request: AuthenticatedRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(profile.language)  # the answer is in the language just chosen
        messages.success(request, _("Your settings are saved."))
        response = redirect("profile_settings")
        _remember_language(response, profile.language)
        return response
    return render(request, "accounts/settings.html", {"form": form})


def _remember_language(response: HttpResponse, language: str) -> None:
    """The browser keeps it too, so the pages after logging out are in it as well."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax" in settings
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch at the foot of every page: a plain form, so it works without JavaScript.
    Signed in, it is the person's language from now on (reminders and e-mails too); the cookie keeps it for
    the pages before logging in. Back to the page it was chosen on (`next`, if it is one of ours)."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose English or Español."), status=400, content_type="text/plain")
    language, back = form.cleaned_data["language"], form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "/"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        Profile.objects.filter(user=user).update(language=language)
    response = HttpResponseRedirect(back)
    _remember_language(response, language)
    return response


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

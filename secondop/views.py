from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from secondop import health
from secondop.pwa.offline import keep_offline


@keep_offline
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("case_list")
    return render(request, "home.html")


@keep_offline
def disclaimer(request: HttpRequest) -> HttpResponse:
    return render(request, "disclaimer.html")


@never_cache
def health_page(request: HttpRequest) -> HttpResponse:
    """Whether the database, Redis, a Celery worker (and beat) answer; 503 when a required one is down."""
    checks = health.run_checks()
    required_ok = all(check.ok for check in checks if check.name != "beat")
    status = 200 if required_ok else 503
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"ok": required_ok, "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}},
            status=status,
        )
    return render(request, "health.html", {"checks": checks, "ok": required_ok}, status=status)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico before reading any page: the app's icon."""
    return HttpResponsePermanentRedirect(static("icons/icon-192.png"))

import os

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from secondop import views
from secondop.cases import people_views
from secondop.pwa import views as pwa_views
from secondop.pwa.jsi18n import javascript_catalogue

# The admin signs in through allauth's log-in (its rate limits, e-mail verification and two-factor), never
# through its own password-only form; a signed-in person who is not staff gets 403.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("about/disclaimer/", views.disclaimer, name="disclaimer"),
    path("health/", views.health_page, name="health"),
    path("", include("secondop.casefile.urls")),
    path("cases/", include("secondop.cases.urls")),
    path("cases/<uuid:code>/opinion/", include("secondop.opinions.urls")),
    path("teams/", include("secondop.cases.team_urls")),
    path("invitations/<str:token>/", people_views.invitation, name="invitation"),
    path("account/", include("secondop.accounts.urls")),
    path("", include("secondop.reminders.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Our own service worker replaces django-pwa's (which has no push or sync); its manifest stays.
    path("serviceworker.js", pwa_views.service_worker, name="serviceworker"),
    path("pwa/csrf/", pwa_views.csrf_token, name="pwa_csrf"),
    path("jsi18n/<str:lang>/", javascript_catalogue, name="jsi18n"),  # the scripts' words, per language
    path("", include("pwa.urls")),
    path("favicon.ico", views.favicon),
]
if os.environ.get("BENCH_BARE_VIEW") == "1":  # bench/web.py's baseline, off unless the benchmark sets it
    urlpatterns.append(path("bench/bare/", lambda request: HttpResponse("ok"), name="bench_bare"))

from django.urls import path

from secondop.accounts import views

urlpatterns = [
    path("settings/", views.profile_settings, name="profile_settings"),
    path("settings/time-zone/", views.browser_time_zone, name="browser_time_zone"),
    path("language/", views.set_language, name="set_language"),
]

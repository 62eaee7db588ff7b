from django.urls import path

from secondop.reminders import views

urlpatterns = [
    path("reminders/", views.reminder_settings, name="reminder_settings"),
    path("reminders/subscriptions/", views.push_subscribe, name="push_subscribe"),
    path(
        "reminders/subscriptions/<int:subscription_id>/delete/",
        views.push_unsubscribe,
        name="push_unsubscribe",
    ),
    path("reminders/subscriptions/forget/", views.push_forget, name="push_forget"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/", views.notification_open, name="notification_open"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("r/<str:token>/<slug:action>/", views.reminder_action, name="reminder_action"),
]

from django.urls import path

from secondop.records import exports, letter_views, views

urlpatterns = [
    path("", views.records_home, name="records"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/<int:provider_id>/", views.provider_edit, name="provider_edit"),
    path("providers/<int:provider_id>/delete/", views.provider_delete, name="provider_delete"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:request_id>/move/", views.request_move, name="request_move"),
    path("requests/<int:request_id>/quick/", views.contact_quick_add, name="contact_quick_add"),
    path("requests/<int:request_id>/letters/<slug:letter>/", letter_views.letter_edit, name="letter_edit"),
    path(
        "requests/<int:request_id>/letters/<slug:letter>/save/", letter_views.letter_save, name="letter_save"
    ),
    path(
        "requests/<int:request_id>/letters/<slug:letter>/restore/",
        letter_views.letter_restore,
        name="letter_restore",
    ),
    path(
        "requests/<int:request_id>/letters/<slug:letter>/resolve/",
        letter_views.letter_resolve,
        name="letter_resolve",
    ),
    path("requests/<int:request_id>/letters/<slug:letter>/say/", letter_views.letter_say, name="letter_say"),
    path(
        "requests/<int:request_id>/letters/<slug:letter>/print/",
        letter_views.letter_print,
        name="letter_print",
    ),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("timeline/", views.timeline, name="timeline"),
    path("packet/", exports.packet, name="packet"),
    path("calendar.ics", exports.calendar_ics, name="calendar_ics"),
]

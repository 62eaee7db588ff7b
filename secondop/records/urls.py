from django.urls import path

from secondop.records import letter_views, views

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
    *letter_views.letter_editor.urls("requests/<int:request_id>/letters/<slug:letter>/"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
]

from django.urls import path

from secondop.authorizations import views

urlpatterns = [
    path("new/", views.authorization_new, name="authorization_new"),
    path("<int:authorization_id>/", views.authorization_detail, name="authorization_detail"),
    path("<int:authorization_id>/edit/", views.authorization_edit, name="authorization_edit"),
    path("<int:authorization_id>/sign/", views.authorization_sign, name="authorization_sign"),
    path("<int:authorization_id>/revoke/", views.authorization_revoke, name="authorization_revoke"),
    path("<int:authorization_id>/print/", views.authorization_print, name="authorization_print"),
]

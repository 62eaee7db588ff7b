from django.urls import path

from secondop.cases import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("<uuid:code>/", views.case_overview, name="case_overview"),
    path("<uuid:code>/edit/", views.case_edit, name="case_edit"),
    path("<uuid:code>/archive/", views.case_archive, name="case_archive"),
    path("<uuid:code>/unarchive/", views.case_unarchive, name="case_unarchive"),
]

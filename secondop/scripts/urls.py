from django.urls import path

from secondop.scripts import views

urlpatterns = [
    path("", views.scripts_index, name="scripts_index"),
    path("approach/", views.approach, name="approach"),
    path("details/", views.script_facts, name="script_facts"),
    *views.draft_editor.urls("<slug:kind>/"),
    path("<slug:kind>/used/", views.draft_use, name="draft_use"),
]

from django.urls import path

from secondop.scripts import views

urlpatterns = [
    path("", views.scripts_index, name="scripts_index"),
    path("approach/", views.approach, name="approach"),
    path("details/", views.script_facts, name="script_facts"),
    path("<slug:kind>/", views.draft_edit, name="draft_edit"),
    path("<slug:kind>/save/", views.draft_save, name="draft_save"),
    path("<slug:kind>/restore/", views.draft_restore, name="draft_restore"),
    path("<slug:kind>/resolve/", views.draft_resolve, name="draft_resolve"),
    path("<slug:kind>/say/", views.draft_say, name="draft_say"),
    path("<slug:kind>/used/", views.draft_use, name="draft_use"),
]

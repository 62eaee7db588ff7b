from django.urls import path

from secondop.visits import views

urlpatterns = [
    path("", views.visit, name="visit"),
    path("bring/", views.bring_tick, name="bring_tick"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:thing_id>/", views.item_progress, name="item_progress"),
]

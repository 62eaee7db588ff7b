from django.urls import path

from secondop.opinions import views

urlpatterns = [
    path("", views.opinion, name="opinion"),
]

from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "secondop.visits"
    label = "visits"

from django.apps import AppConfig


class PwaConfig(AppConfig):
    name = "secondop.pwa"
    # "pwa" is django-pwa's label.
    label = "secondop_pwa"

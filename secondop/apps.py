from django.apps import AppConfig


class SecondopConfig(AppConfig):
    name = "secondop"
    verbose_name = "secondop"
